"""The embedded default backend: no server, no network, no model download.

It writes drafts with the deterministic template composer (key phrases, lead sentences, the
brief's facts, per-network templates and tone rules, FR and EN phrasing), answers generic chat
requests extractively (the most informative sentences of the last user message), embeds texts
with hashed character trigrams, and refuses free translation (it has no translation model).
"""

from __future__ import annotations

import hashlib
import math
import time
import typing
from collections.abc import Iterator, Sequence

import regex
from pydantic import BaseModel, ValidationError

from clairon.ai.base import BackendUnsupported, Generation, GenerationStream, Message
from clairon.content.brief import split_sentences
from clairon.content.language import detect_language
from clairon.content.phrases import key_phrases, rank_sentences
from clairon.content.writer import TemplateWriter

__all__ = ["LocalBackend"]

EMBEDDING_DIMENSIONS = 256


def _tokens(text: str) -> int:
    """A rough token count (about 4 characters per token), for usage records."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


class LocalBackend(TemplateWriter):
    """:class:`TextGenerator`, :class:`Embedder`, :class:`Translator` and DraftWriter, offline."""

    backend = "local"
    model = "clairon-composer-1"

    def _summary(self, text: str, sentences: int = 3, max_tokens: int | None = None) -> str:
        parts = split_sentences(text)
        if not parts:
            return text.strip()
        phrases = key_phrases(text, limit=10)
        chosen = sorted(rank_sentences(parts, phrases)[:sentences])
        summary = " ".join(parts[i] for i in chosen)
        if max_tokens is not None and _tokens(summary) > max_tokens:
            summary = summary[: max_tokens * 4].rsplit(" ", 1)[0]
        return summary

    def generate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: type[BaseModel] | None = None,
        temperature: float = 0.7,
        max_tokens: int | None = None,
    ) -> Generation:
        started = time.monotonic()
        prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
        text = self._summary(prompt, max_tokens=max_tokens)
        data: BaseModel | None = None
        if json_schema is not None:
            data = self._fill(json_schema, prompt, text)
            text = data.model_dump_json()
        return Generation(
            text=text,
            backend=self.backend,
            model=self.model,
            prompt_tokens=sum(_tokens(m.content) for m in messages),
            completion_tokens=_tokens(text),
            latency_seconds=time.monotonic() - started,
            data=data,
        )

    def _fill(self, schema: type[BaseModel], prompt: str, summary: str) -> BaseModel:
        """Fill a schema of text fields: strings get the summary, lists of strings the key
        phrases. Anything richer needs a real model."""
        values: dict[str, object] = {}
        phrases = [p.text for p in key_phrases(prompt, limit=8)]
        for name, info in schema.model_fields.items():
            annotation = info.annotation
            if annotation is str:
                values[name] = summary
            elif typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,):
                values[name] = phrases
        try:
            return schema.model_validate(values)
        except ValidationError as exc:
            raise BackendUnsupported(
                f"the local backend cannot produce a {schema.__name__} (only text fields); "
                "configure CLAIRON_AI_BACKEND=openai_compat"
            ) from exc

    def stream(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.7,
        max_tokens: int | None = None,
    ) -> GenerationStream:
        generation = self.generate(messages, temperature=temperature, max_tokens=max_tokens)

        def deltas() -> Iterator[str]:
            yield from regex.findall(r"\S+\s*", generation.text)

        return GenerationStream(deltas(), lambda text: generation)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Hashed character-trigram vectors, L2-normalised (cosine = dot product)."""
        vectors: list[list[float]] = []
        for text in texts:
            vector = [0.0] * EMBEDDING_DIMENSIONS
            padded = f"  {' '.join(text.lower().split())}  "
            for i in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
                bucket = int.from_bytes(digest, "little")
                vector[bucket % EMBEDDING_DIMENSIONS] += 1.0 if bucket & 1 << 31 else -1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            vectors.append([x / norm for x in vector])
        return vectors

    def translate(
        self, text: str, *, target: str, source: str | None = None, keep: Sequence[str] = ()
    ) -> Generation:
        detected = source or detect_language(text).code
        if detected != target:
            raise BackendUnsupported(
                f"the local backend cannot translate {detected} -> {target}; "
                "configure CLAIRON_AI_BACKEND=openai_compat (any OpenAI-compatible server)"
            )
        return Generation(text=text, backend=self.backend, model=self.model)
