"""Who writes a draft: the embedded template composer (offline, deterministic) or any chat
model prompted for a JSON draft. Both take a :class:`DraftRequest` and return a
:class:`WrittenDraft`; :mod:`clairon.content.compose` checks and fixes what they return."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import regex
from pydantic import BaseModel, Field

from clairon.ai.base import Generation, GenerationStream, Message, TextGenerator, system, user
from clairon.ai.prompts import load_prompt
from clairon.content.brief import URL_RE, Brief, SourceRef
from clairon.content.dates import render_date
from clairon.content.phrases import key_phrases, rank_sentences
from clairon.content.templates import EMOJI, NetworkStyle, VariantSpec, phrase
from clairon.content.voice import BrandVoice
from clairon.networks.base import Limits

__all__ = [
    "DraftOut",
    "DraftRequest",
    "DraftWriter",
    "PromptedWriter",
    "TemplateWriter",
    "WrittenDraft",
]

Splitter = Callable[[str, Limits], list[str]]
JSON_ANSWER = (
    'Answer with a JSON object matching the schema: "text" (the post, without hashtags), '
    '"hashtags" (tags without #), "first_comment" (empty unless the network convention asks).'
)
TEXT_ANSWER = "Answer with the post only, its hashtags on the last line, no comment."


@dataclass(frozen=True, slots=True)
class DraftRequest:
    brief: Brief
    network: str
    language: str
    limits: Limits
    style: NetworkStyle
    spec: VariantSpec
    voice: BrandVoice
    hashtags: tuple[str, ...]  # ranked, with '#', already capped for this network
    split: Splitter
    attempt: int = 0  # > 0 when regenerating after violations: be more conservative
    account: str = ""


@dataclass(frozen=True, slots=True)
class WrittenDraft:
    text: str
    backend: str
    model: str
    hashtags: tuple[str, ...] = ()
    first_comment: str = ""
    thread: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    notes: tuple[str, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class DraftWriter(Protocol):
    backend: str
    model: str

    def write_draft(self, request: DraftRequest) -> WrittenDraft: ...


def _without_urls(sentence: str) -> str:
    """A sentence with its links removed ("available at https://x." -> "available.")."""
    text = regex.sub(
        r"\s*(?:\b(?:at|on|via|here|sur|ici|:))?\s*(?:" + URL_RE.pattern + r")", "", sentence
    )
    return str(regex.sub(r"\s+([.,;!?])", r"\1", text)).strip()


def _amount(text: str) -> tuple[str, str]:
    """Integer and decimal digits of an amount written the English or the French way."""
    digits = text.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    separators = [i for i, ch in enumerate(digits) if ch in ",."]
    if not separators:
        return digits, ""
    last = separators[-1]
    tail = digits[last + 1 :]
    if len(separators) == 1 and len(tail) == 3:  # 1,490 or 1.490: thousands
        return digits.replace(",", "").replace(".", ""), ""
    return digits[:last].replace(",", "").replace(".", ""), tail


def render_price(price: str, language: str) -> str:
    """``€1,249.50`` in English, ``1 249,50 €`` in French (amount and currency kept)."""
    m = regex.match(r"^([$€£])\s?(\d[\d\s.,]*)$|^(\d[\d\s.,]*?)\s?([$€£])$", price.strip())
    if not m:
        return price
    symbol = m.group(1) or m.group(4)
    whole, cents = _amount((m.group(2) or m.group(3)).strip())
    groups = f"{int(whole):,}" if whole.isdigit() else whole
    if language == "fr":
        number = groups.replace(",", " ") + (f",{cents}" if cents else "")
        return f"{number} {symbol}"
    return f"{symbol}{groups}" + (f".{cents}" if cents else "")


def _colon(language: str) -> str:
    return " : " if language == "fr" else ": "


def _fits(text: str, limits: Limits) -> bool:
    return not limits.check_text(text)


class TemplateWriter:
    """The embedded composer: lead sentences of the brief, its key facts, a hook, a CTA and
    hashtags, assembled per network conventions and shrunk until the network's limits hold."""

    backend = "local"
    model = "clairon-composer-1"

    def write_draft(self, request: DraftRequest) -> WrittenDraft:
        started = time.monotonic()
        r = request
        brief, lang, style, spec = r.brief, r.language, r.style, r.spec
        facts = brief.facts
        same_language = lang == brief.language
        emoji = (spec.emoji if spec.emoji is not None else style.emoji) and r.attempt == 0
        emoji_budget = min(r.voice.emoji_limit(), 2) if emoji else 0
        product = facts.product or ""
        phrases = key_phrases(f"{brief.title}. {brief.body}", limit=8)
        subject = product or (phrases[0].text if phrases else brief.title)

        hook_kind: str = spec.hook
        if hook_kind == "question":
            hook = phrase(lang, "question", r.attempt, subject=subject)
        elif hook_kind == "number" and facts.prices:
            hook = phrase(lang, "number", 0, number=facts.prices[0], title=brief.title)
        elif same_language:
            hook = brief.title
            hook_kind = "statement"
        else:
            hook = phrase(lang, "announce", r.attempt, product=subject)
            hook_kind = "announce"
        hook_key = "announce" if hook_kind in ("statement", "announce") else hook_kind

        chosen: list[int] = []
        if same_language:
            ranked = rank_sentences(brief.sentences, phrases, [product, *facts.prices])
            wanted = {"short": 0, "standard": style.sentences, "long": style.sentences + 3}
            chosen = ranked[: wanted[spec.length]]
        body_sentences = [(i, _without_urls(brief.sentences[i])) for i in sorted(chosen)]
        # a sentence that only pointed at the link ("Inscriptions sur <url>") goes with it
        body_sentences = [(i, s) for i, s in body_sentences if len(s.split()) >= 4]
        if (
            product
            and same_language
            and product.lower() not in hook.lower()
            and not any(product.lower() in s.lower() for _, s in body_sentences)
        ):
            hook = f"{phrase(lang, 'announce', 0, product=product)} — {hook}"

        if emoji_budget:
            hook = f"{EMOJI[hook_key]} {hook}"
        shown_date = ""
        date_line = ""
        if facts.date is not None:
            shown_date = facts.date.text if same_language else render_date(facts.date, lang)
            date_line = phrase(lang, "date", r.attempt, date=shown_date)
            if emoji_budget >= 2:
                date_line = f"{EMOJI['date']} {date_line}"
        shown_price = ""
        price_line = ""
        if facts.prices and style.register != "concise":
            shown_price = facts.prices[0]
            price_line = phrase(lang, "price", 0, price=render_price(shown_price, lang))
        cta = r.voice.cta(lang, spec.cta_index) or phrase(lang, "cta", spec.cta_index)
        url = facts.url or ""
        first_comment = ""
        if url and style.link == "body":
            cta_line = f"{cta}{_colon(lang)}{url}"
        elif url:
            cta_line = f"{cta}. {phrase(lang, 'link_below', r.attempt)}"
            first_comment = phrase(lang, "first_comment", r.attempt, url=url)
        else:
            cta_line = f"{cta}."
        tags = list(r.hashtags)
        joiner = "\n\n" if style.line_breaks else "\n"

        def assemble(sentences: list[tuple[int, str]], price: bool, tags: list[str]) -> str:
            opening = hook if hook.endswith((".", "!", "?", "…")) else f"{hook}."
            body = " ".join(s for _, s in sentences)
            lead = [opening, body] if style.line_breaks else [f"{opening} {body}".strip()]
            said = " ".join(lead).lower()  # a fact already in the lead is not repeated
            show_date = date_line and shown_date.lower() not in said
            show_price = price and price_line and shown_price.lower() not in said
            facts_line = " ".join(x for x, keep in ((date_line, show_date),
                                                    (price_line, show_price)) if keep)  # fmt: skip
            blocks = [*lead, facts_line, cta_line]
            text = joiner.join(b for b in blocks if b)
            return f"{text}{joiner}{' '.join(tags)}" if tags else text

        thread: tuple[str, ...] = ()
        text = assemble(body_sentences, True, tags)
        if not _fits(text, r.limits) and style.thread and spec.length == "long":
            parts = r.split(text, r.limits)
            if parts and all(_fits(p, r.limits) for p in parts):
                text, thread = parts[0], tuple(parts[1:])
        if not thread:
            text = self._shrink(assemble, body_sentences, tags, r.limits)
        published = f"{text}\n{' '.join(thread)}"
        sources = tuple(
            SourceRef(i, brief.sentences[i]) for i, s in body_sentences if s[:40] in published
        )
        notes: tuple[str, ...] = ()
        if not same_language:
            notes = (
                f"the embedded composer does not translate free text: this {lang} draft is "
                f"built from the brief's facts; configure an AI server for a full translation",
            )
        return WrittenDraft(
            text=text,
            backend=self.backend,
            model=self.model,
            hashtags=tuple(t for t in tags if t in text or t in " ".join(thread)),
            first_comment=first_comment,
            thread=thread,
            sources=sources,
            notes=notes,
            latency_seconds=time.monotonic() - started,
        )

    @staticmethod
    def _shrink(
        assemble: Callable[[list[tuple[int, str]], bool, list[str]], str],
        sentences: list[tuple[int, str]],
        tags: list[str],
        limits: Limits,
    ) -> str:
        """Drop the least important parts until the text fits: sentences from the end, the
        price, hashtags beyond the first, the last sentence, the last hashtag. Sentences are
        dropped whole, never cut: a half sentence reads as a mistake."""
        sentences = list(sentences)
        all_tags, tags = list(tags), list(tags)
        price = True
        while True:
            text = assemble(sentences, price, tags)
            if _fits(text, limits):
                return text
            if len(sentences) > 1:
                sentences.pop()
            elif price:
                price = False
            elif len(tags) > 1:
                tags.pop()
            elif sentences:
                sentences.pop()
                tags = list(all_tags)  # without the sentence, there may be room for them again
            elif tags:
                tags.pop()
            else:
                return text  # the caller flags what still does not fit


class DraftOut(BaseModel):
    """What a chat model must answer when asked for a draft."""

    text: str = Field(description="The post without hashtags.")
    hashtags: list[str] = Field(default_factory=list)
    first_comment: str = ""


class PromptedWriter:
    """Any :class:`TextGenerator` asked for a JSON draft with the network's rules in the prompt."""

    def __init__(self, generator: TextGenerator) -> None:
        self.generator = generator
        self.backend = generator.backend
        self.model = generator.model

    def _messages(self, request: DraftRequest, answer_format: str) -> list[Message]:
        r = request
        facts = r.brief.facts
        fact_list = [*facts.products[:1], *(d.text for d in facts.dates[:1]), *facts.urls[:1]]
        instruction = r.spec.difference if r.spec.letter != "A" else "the baseline version"
        if r.attempt:
            instruction += "; the previous attempt broke the rules: be shorter and stricter"
        prompt = load_prompt("draft.md").format(
            network=r.network,
            conventions=r.style.description,
            language=r.language,
            tone=", ".join(r.voice.tone) or "neutral",
            max_length=r.limits.max_length,
            length_unit=r.limits.length_unit,
            max_hashtags=len(r.hashtags),
            facts="; ".join(fact_list) or "(none)",
            dont_words=", ".join(r.voice.dont_words) or "(none)",
            banned_claims=", ".join(r.voice.banned_claims) or "(none)",
            required=", ".join(r.voice.required_mentions) or "(none)",
            emoji_policy=r.voice.emoji_policy,
            variant_instruction=instruction,
            examples=" | ".join(r.voice.example_posts[:3]) or "(none)",
        )
        brief_text = f"Title: {r.brief.title}\n\n{r.brief.body}\n\nSuggested hashtags: " + " ".join(
            r.hashtags
        )
        return [system(f"{prompt}\n{answer_format}"), user(brief_text)]

    def write_draft(self, request: DraftRequest) -> WrittenDraft:
        generation = self.generator.generate(
            self._messages(request, JSON_ANSWER), json_schema=DraftOut
        )
        out = generation.data if isinstance(generation.data, DraftOut) else DraftOut(text="")
        return self._written(request, generation, out.text, out.hashtags, out.first_comment)

    def stream_draft(self, request: DraftRequest) -> GenerationStream:
        """The post as plain text, streamed (hashtags at its end); see :meth:`from_text`."""
        return self.generator.stream(self._messages(request, TEXT_ANSWER))

    def from_text(self, request: DraftRequest, generation: Generation) -> WrittenDraft:
        """A streamed plain-text post split into text and trailing hashtags."""
        lines = generation.text.strip().split("\n")
        tags: list[str] = []
        while lines and lines[-1].strip() and all(w.startswith("#") for w in lines[-1].split()):
            tags = lines.pop().split() + tags
        return self._written(request, generation, "\n".join(lines).strip(), tags, "")

    def _written(
        self,
        request: DraftRequest,
        generation: Generation,
        body: str,
        hashtags: Sequence[str],
        first_comment: str,
    ) -> WrittenDraft:
        r = request
        tags = tuple(t if t.startswith("#") else f"#{t}" for t in hashtags)[: len(r.hashtags)]
        body = body.strip()
        first_comment = first_comment.strip()
        url = r.brief.facts.url
        if url and r.style.link == "first_comment" and url in body:
            body = regex.sub(r"\s*" + regex.escape(url), "", body).strip()
            first_comment = first_comment or url
        text = f"{body}\n\n{' '.join(tags)}" if tags else body
        return WrittenDraft(
            text=text,
            backend=generation.backend,
            model=generation.model,
            hashtags=tags,
            first_comment=first_comment,
            prompt_tokens=generation.prompt_tokens,
            completion_tokens=generation.completion_tokens,
            latency_seconds=generation.latency_seconds,
        )
