"""Synonym rings for the lexical side of the FAQ retrieval (a thesaurus, FR and EN together).

Customers rarely use the knowledge base's words: "the vase arrived cracked" asks the entry "I
received a damaged item", "paiement échelonné ?" the entry "Puis-je payer en plusieurs fois ?".
BM25 sees no shared word there, and across languages it sees none at all. A ring lists words and
phrases that mean the same thing to a customer-service desk, in French and English; the lexical
side reads each of them as one concept token (``~damaged``), in questions and entries alike.

The built-in rings (``clairon/inbox/data/thesaurus.txt``) cover general customer-service
vocabulary (orders, delivery, returns, refunds, payment, accounts, contact, stock, subscriptions,
rental and mobility). A workspace adds its own (brand words, product names, local slang) in a
file of the same form::

    # comment
    concept: word | other word | a phrase | ...

Phrases are folded and stemmed by the same tokenizer as the text they are matched against, so
"cassée" = "cassé" = "casse", and function words do not count ("send it back" = "send back"). A
phrase also matches with one extra word between two of its words ("send something back"). The
longest phrase starting at a position wins; a word may belong to several rings, and then stands
for all of them. A ring named like an existing one adds its words to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from clairon.errors import ValidationFailed

__all__ = ["CONCEPT_PREFIX", "Thesaurus"]

CONCEPT_PREFIX = "~"
Tokenizer = Callable[[str], list[str]]


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    concepts: tuple[str, ...]


@dataclass
class Thesaurus:
    """Rings of synonyms, matched on token sequences (see the module docstring)."""

    tokenize: Tokenizer
    _by_first: dict[str, list[_Phrase]] = field(default_factory=dict)
    rings: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def builtin(cls, tokenize: Tokenizer) -> Thesaurus:
        """Clairon's shipped FR/EN customer-service rings (a fresh copy: add rings freely). The
        file is read and its phrases tokenized once per process and tokenizer."""
        shipped = _BUILTIN.get(tokenize)
        if shipped is None:
            resource = resources.files("clairon.inbox").joinpath("data/thesaurus.txt")
            shipped = cls(tokenize)
            shipped.add_text(resource.read_text("utf-8"), source="thesaurus.txt")
            _BUILTIN[tokenize] = shipped
        return shipped.copy()

    def copy(self) -> Thesaurus:
        return Thesaurus(
            self.tokenize,
            {first: list(phrases) for first, phrases in self._by_first.items()},
            {concept: list(words) for concept, words in self.rings.items()},
        )

    def load(self, path: str | Path) -> Thesaurus:
        """Add the rings of a file; a bad line raises ``ValidationFailed`` naming file and line,
        and nothing of that file is added."""
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("not UTF-8 text", str(path)) from exc
        except OSError as exc:
            raise ValidationFailed(f"cannot read ({exc.strerror})", str(path)) from exc
        self.add_text(text, source=str(path))
        return self

    def add_text(self, text: str, *, source: str = "<text>") -> None:
        parsed: list[tuple[str, list[str]]] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            concept, colon, rest = line.partition(":")
            concept = concept.strip().casefold()
            words = [w.strip() for w in rest.split("|") if w.strip()]
            where = f"{source}:line {number}"
            if not colon or not concept or " " in concept:
                raise ValidationFailed(f"expected 'concept: word | word ...', got {raw!r}", where)
            if not words:
                raise ValidationFailed(f"ring {concept!r} has no words", where)
            parsed.append((concept, words))
        for concept, words in parsed:
            self.add_ring(concept, words)

    def add_ring(self, concept: str, words: Iterable[str]) -> None:
        token = CONCEPT_PREFIX + concept
        ring = self.rings.setdefault(concept, [])
        for phrase in words:
            ring.append(phrase)
            tokens = tuple(self.tokenize(phrase))
            if not tokens:  # only function words ("where is my"): nothing to match
                continue
            candidates = self._by_first.setdefault(tokens[0], [])
            for index, known in enumerate(candidates):
                if known.words == tokens:
                    if token not in known.concepts:
                        candidates[index] = _Phrase(tokens, (*known.concepts, token))
                    break
            else:
                candidates.append(_Phrase(tokens, (token,)))
                candidates.sort(key=lambda p: -len(p.words))

    def __len__(self) -> int:
        return len(self.rings)

    def apply(self, tokens: Sequence[str]) -> list[str]:
        """``tokens`` with every word or phrase of a ring replaced by its concept token(s)."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            match = self._match(tokens, i)
            if match is None:
                out.append(tokens[i])
                i += 1
                continue
            end, concepts, skipped = match
            out.extend(concepts)
            out.extend(skipped)
            i = end
        return out

    def _match(
        self, tokens: Sequence[str], start: int
    ) -> tuple[int, tuple[str, ...], list[str]] | None:
        for phrase in self._by_first.get(tokens[start], ()):
            position, skipped = start + 1, list[str]()
            for word in phrase.words[1:]:
                if position < len(tokens) and tokens[position] == word:
                    position += 1
                elif not skipped and position + 1 < len(tokens) and tokens[position + 1] == word:
                    skipped.append(tokens[position])
                    position += 2
                else:
                    break
            else:
                return position, phrase.concepts, skipped
        return None


_BUILTIN: dict[Tokenizer, Thesaurus] = {}
