"""Brief + targets (network, language) + N A/B variants -> checked drafts.

Every draft goes through the network's limits, the brand voice and the guardrails. Violations
are fixed where a fix is safe (a don't-word replaced, an emoji dropped, a claim removed), the
draft is regenerated more conservatively otherwise, and what still remains is listed with its
span and the draft is flagged for the reviewer. Every AI-produced element carries a label.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import regex

from clairon.ai.base import TextGenerator
from clairon.content.brief import Brief, SourceRef
from clairon.content.guardrails import check_generated, is_ai_generated, labels_for
from clairon.content.hashtags import suggest_hashtags
from clairon.content.templates import style_for, variant_plan
from clairon.content.translate import localisation_notes
from clairon.content.voice import BrandVoice, Violation
from clairon.content.writer import DraftRequest, DraftWriter, PromptedWriter, WrittenDraft
from clairon.networks.base import Limits
from clairon.networks.rules import rules_for
from clairon.networks.thread_split import split_thread

__all__ = ["Draft", "Target", "compose", "facts_kept", "limits_for", "split_for_thread"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a variant goes: a network (or an account on it) and a language."""

    network: str
    language: str
    limits: Limits | None = None  # None: the network's rules from clairon.networks.rules
    account: str = ""


@dataclass(frozen=True, slots=True)
class Draft:
    """One proposed variant, ready for human review."""

    network: str
    language: str
    ab_letter: str
    text: str
    difference: str
    first_comment: str = ""
    hashtags: tuple[str, ...] = ()
    thread: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()  # what is still wrong (the draft is then flagged)
    resolved: tuple[Violation, ...] = ()  # what was found and fixed on the way
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: tuple[SourceRef, ...] = ()
    notes: tuple[str, ...] = ()
    account: str = ""
    length: int = 0
    max_length: int = 0
    attempts: int = 1
    backend: str = ""
    model: str = ""
    latency_seconds: float = 0.0

    @property
    def flagged(self) -> bool:
        return bool(self.violations)

    @property
    def valid_for_network(self) -> bool:
        return not any(v.rule.startswith("limits") for v in self.violations)

    @property
    def ai_generated(self) -> bool:
        """True when any element is AI-produced: a human must approve it (policy on), and the
        network's AI-disclosure flag is set (``PublishRequest.ai_generated``)."""
        return is_ai_generated(self.labels)

    def variant_ai(self) -> dict[str, Any]:
        """What a stored variant keeps about its AI origin (``Variant.ai``)."""
        return {
            "backend": self.backend,
            "model": self.model,
            "parts": sorted(self.labels),
            "labels": self.labels,
            "sources": [{"index": s.index, "text": s.text} for s in self.sources],
            "violations": [
                {"rule": v.rule, "span": list(v.span), "message": v.message}
                for v in self.violations
            ],
        }

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["flagged"] = self.flagged
        return data


def limits_for(network: str) -> Limits:
    """The network's rules (:func:`clairon.networks.rules.rules_for`)."""
    return rules_for(network)


def split_for_thread(text: str, limits: Limits) -> list[str]:
    """Split ``text`` into posts that each fit ``limits`` (the networks' splitter)."""
    return [chunk.strip() for chunk in split_thread(text, limits) if chunk.strip()]


def facts_kept(draft: Draft, brief: Brief) -> dict[str, bool]:
    """Whether the brief's main product, date and URL are in the draft (text, thread or first
    comment). Facts the brief does not have are not listed."""
    published = "\n".join([draft.text, *draft.thread, draft.first_comment]).lower()
    kept: dict[str, bool] = {}
    facts = brief.facts
    if facts.product:
        kept["product"] = facts.product.lower() in published
    if facts.date is not None:
        kept["date"] = any(form in published for form in facts.date.renderings())
    if facts.url:
        kept["url"] = facts.url.lower() in published
    return kept


def _limit_violations(written: WrittenDraft, limits: Limits) -> list[Violation]:
    found: list[Violation] = []
    parts = [("text", written.text)] + [
        (f"thread[{i}]", t) for i, t in enumerate(written.thread, 2)
    ]
    for location, part in parts:
        for problem in limits.check_text(part, location):
            found.append(Violation(f"limits.{location}", (0, len(part)), problem.message))
    return found


def _fix(text: str, violations: Sequence[Violation], voice: BrandVoice) -> str:
    """Apply the safe fixes, from the end of the text so earlier spans stay right."""
    removed_from = len(text) + 1  # start of the last sentence removed (spans after it are gone)
    for v in sorted(violations, key=lambda v: v.span[0], reverse=True):
        start, end = v.span
        if end > removed_from:
            continue
        better = voice.replacements.get(text[start:end].lower(), "")
        if better and text[start : start + 1].isupper():
            better = better[:1].upper() + better[1:]
        if v.rule == "voice.dont_word" and better:
            text = text[:start] + better + text[end:]
        elif v.rule in ("voice.banned_claim", "voice.dont_word", "toxicity"):
            # the whole sentence goes: half a claim (or a sentence with a hole) is worse
            before = max(text.rfind(ch, 0, start) for ch in ".!?\n")
            after = [i for i in (text.find(ch, end) for ch in ".!?\n") if i != -1]
            text = text[: before + 1] + text[(min(after) + 1 if after else len(text)) :]
            removed_from = before + 1
        elif v.rule in ("voice.emoji", "voice.banned_hashtag"):
            text = text[:start] + text[end:]
        elif v.rule == "voice.hashtag_case":
            tag = text[start:end]
            body = tag[1:].lower() if voice.hashtag_case == "lower" else tag[1:2].upper() + tag[2:]
            text = text[:start] + tag[0] + body + text[end:]
    text = regex.sub(r"[ \t]{2,}", " ", text)
    text = regex.sub(r" +([.,])", r"\1", text)
    return str(regex.sub(r"[ \t]+\n", "\n", text)).strip()


def _add_mentions(text: str, violations: Sequence[Violation]) -> str:
    missing = [v.message.split("'")[1] for v in violations if v.rule == "voice.required_mention"]
    if not missing:
        return text
    return f"{text} {' '.join(missing)}".strip()


class Composer:
    """Writes and checks drafts. ``backend`` is a DraftWriter (the embedded composer) or any
    TextGenerator (prompted for JSON); ``history`` and ``trending`` rank hashtags."""

    def __init__(
        self,
        backend: DraftWriter | TextGenerator,
        *,
        voice: BrandVoice | None = None,
        history: Mapping[str, float] | None = None,
        trending: Mapping[str, float] | None = None,
        max_attempts: int = 2,
    ) -> None:
        self.writer: DraftWriter = (
            backend if isinstance(backend, DraftWriter) else PromptedWriter(backend)
        )
        self.voice = voice or BrandVoice()
        self.history = history
        self.trending = trending
        self.max_attempts = max(1, max_attempts)

    def compose(self, brief: Brief, targets: Sequence[Target], n_variants: int = 1) -> list[Draft]:
        """Every target x variant, checked (fixed, regenerated or flagged)."""
        return [self._checked(request, allowed) for request, allowed in
                self._requests(brief, targets, n_variants)]  # fmt: skip

    def stream(self, brief: Brief, target: Target) -> Iterator[str | Draft]:
        """Variant A for one target as it is written: text deltas (``str``), then the checked
        :class:`Draft` (which may differ from the streamed text when a fix was applied)."""
        [(request, allowed)] = list(self._requests(brief, [target], 1))
        if isinstance(self.writer, PromptedWriter):
            stream = self.writer.stream_draft(request)
            yield from stream
            assert stream.generation is not None
            yield self._review(request, allowed, self.writer.from_text(request, stream.generation))
            return
        draft = self._checked(request, allowed)
        yield from regex.findall(r"\S+\s*", draft.text)
        yield draft

    def _requests(
        self, brief: Brief, targets: Sequence[Target], n_variants: int
    ) -> Iterator[tuple[DraftRequest, list[str]]]:
        plan = variant_plan(n_variants, emoji_allowed=self.voice.emoji_limit() > 0)
        allowed = [*brief.facts.urls, *regex.findall(r"[\w.+-]+@[\w.-]+\.\w+", brief.body)]
        suggestions = suggest_hashtags(
            f"{brief.title}. {brief.body}",
            names=brief.facts.products[:1],
            history=self.history,
            trending=self.trending,
            limit=30,
            required=self.voice.required_hashtags,
            banned=self.voice.banned_hashtags,
        )
        for target in targets:
            limits = target.limits or limits_for(target.network)
            style = style_for(target.network)
            caps = [style.hashtags, limits.max_hashtags, self.voice.max_hashtags]
            cap = min(c for c in caps if c is not None)
            tags = [s.tag for s in suggestions][:cap]
            if self.voice.hashtag_case == "lower":
                tags = [t.lower() for t in tags]
            for spec in plan:
                request = DraftRequest(brief, target.network, target.language, limits, style,
                                       spec, self.voice, tuple(tags), split_for_thread,
                                       account=target.account)  # fmt: skip
                yield request, allowed

    def _checked(self, request: DraftRequest, allowed: list[str]) -> Draft:
        """Write, check, fix; regenerate more conservatively while something remains."""
        draft: Draft | None = None
        for attempt in range(self.max_attempts):
            written = self.writer.write_draft(replace(request, attempt=attempt))
            draft = self._review(request, allowed, written, attempts=attempt + 1)
            if not draft.violations:
                break
        assert draft is not None
        return draft

    def _review(
        self, request: DraftRequest, allowed: list[str], written: WrittenDraft, attempts: int = 1
    ) -> Draft:
        """Check a written draft, apply the safe fixes, label it; what remains flags it."""
        extra = "\n".join([written.first_comment, *written.thread])
        found = self._violations(written, request.limits, extra, allowed)
        remaining: list[Violation] = []
        resolved: list[Violation] = []
        if found:
            fixed_text = _add_mentions(_fix(written.text, found, self.voice), found)
            written = replace(written, text=fixed_text)
            remaining = self._violations(written, request.limits, extra, allowed)
            resolved = [v for v in found if v.rule not in {r.rule for r in remaining}]
        elements = ["caption"]
        if written.hashtags:
            elements.append("hashtags")
        if written.first_comment:
            elements.append("first_comment")
        if written.thread:
            elements.append("thread")
        if request.language != request.brief.language:
            elements.append("translation")
        return Draft(
            network=request.network,
            language=request.language,
            ab_letter=request.spec.letter,
            text=written.text,
            difference=request.spec.difference,
            first_comment=written.first_comment,
            hashtags=written.hashtags,
            thread=written.thread,
            violations=tuple(remaining),
            resolved=tuple(resolved),
            labels=labels_for(elements, written.backend, written.model),
            sources=written.sources,
            notes=(*written.notes, *self._localisation(request, written.text)),
            account=request.account,
            length=request.limits.count(written.text),
            max_length=request.limits.max_length,
            attempts=attempts,
            backend=written.backend,
            model=written.model,
            latency_seconds=written.latency_seconds,
        )

    @staticmethod
    def _localisation(request: DraftRequest, text: str) -> list[str]:
        """Localisation notes when the draft's language is not the brief's."""
        if request.language == request.brief.language:
            return []
        return [f"{n.kind}: {n.message}" for n in localisation_notes(text, request.language)]

    def _violations(
        self, written: WrittenDraft, limits: Limits, extra: str, allowed: list[str]
    ) -> list[Violation]:
        found = _limit_violations(written, limits)
        found += self.voice.check(written.text, extra=extra)
        found += check_generated(written.text, allowed=allowed)
        return sorted(set(found), key=lambda v: (v.span, v.rule))


def compose(
    brief: Brief,
    targets: Sequence[Target],
    *,
    n_variants: int = 1,
    backend: DraftWriter | TextGenerator | None = None,
    voice: BrandVoice | None = None,
    history: Mapping[str, float] | None = None,
    trending: Mapping[str, float] | None = None,
) -> list[Draft]:
    """Drafts for every target x variant. ``backend`` defaults to the configured one."""
    if backend is None:
        from clairon.ai.registry import draft_backend

        backend = draft_backend()
    composer = Composer(backend, voice=voice, history=history, trending=trending)
    return composer.compose(brief, targets, n_variants)
