"""Long content (an article, a transcript) -> a thread, standalone posts with key quotes, a
LinkedIn post and a carousel outline. Every claim is a sentence of the source (or its start,
cut at a word), and carries that sentence's index and text so the user can check it."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from clairon.content.brief import Brief, SourceRef, parse_brief
from clairon.content.phrases import key_phrases, rank_sentences
from clairon.content.templates import phrase
from clairon.networks.base import Limits

__all__ = ["Repurposed", "Slide", "Snippet", "repurpose"]

_QUOTE_RE = regex.compile(r"[«“\"]\s?[^«»“”\"]{12,}\s?[»”\"]")


@dataclass(frozen=True, slots=True)
class Snippet:
    kind: str  # thread_post, post, linkedin
    text: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class Slide:
    title: str
    bullets: tuple[str, ...]
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class Repurposed:
    thread: tuple[Snippet, ...]
    posts: tuple[Snippet, ...]
    linkedin: Snippet
    carousel: tuple[Slide, ...]
    language: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def _fit(text: str, limits: Limits, reserve: int = 0) -> str:
    """``text`` cut at a word (with an ellipsis) so that it fits ``limits`` minus ``reserve``."""
    if limits.count(text) + reserve <= limits.max_length and not limits.check_text(text):
        return text
    words = text.split()
    while words:
        words.pop()
        candidate = " ".join(words) + "…"
        if limits.count(candidate) + reserve <= limits.max_length:
            return candidate
    return ""


def _thread(brief: Brief, order: list[int], limits: Limits, max_posts: int) -> list[Snippet]:
    chosen = sorted(order[: max_posts * 2])
    reserve = len(" 10/10")
    posts: list[tuple[str, list[int]]] = [(brief.title.rstrip(".") + ".", [])]
    for index in chosen:
        sentence = brief.sentences[index]
        text, sources = posts[-1]
        joined = f"{text} {sentence}"
        if limits.count(joined) + reserve <= limits.max_length and not limits.check_text(joined):
            posts[-1] = (joined, [*sources, index])
        elif len(posts) < max_posts:
            posts.append((_fit(sentence, limits, reserve), [index]))
    total = len(posts)
    return [
        Snippet("thread_post", f"{text} {n}/{total}", tuple(brief.source(i) for i in sources))
        for n, (text, sources) in enumerate(posts, start=1)
    ]


def _quotes(brief: Brief, order: list[int], limits: Limits, n_posts: int) -> list[Snippet]:
    quoted = [i for i in range(len(brief.sentences)) if _QUOTE_RE.search(brief.sentences[i])]
    picks = quoted + [i for i in order if i not in quoted]
    posts: list[Snippet] = []
    for index in picks[:n_posts]:
        sentence = brief.sentences[index]
        quote = _QUOTE_RE.search(sentence)
        text = quote.group(0) if quote else sentence
        posts.append(Snippet("post", _fit(text, limits), (brief.source(index),)))
    return posts


def _linkedin(brief: Brief, order: list[int], limits: Limits, language: str) -> Snippet:
    chosen = sorted(order[:5])
    bullets = [f"→ {brief.sentences[i]}" for i in chosen]
    closing = phrase(language, "cta", 2) + "."
    while bullets:
        text = "\n\n".join([brief.title.rstrip(".") + ".", "\n".join(bullets), closing])
        if not limits.check_text(text):
            return Snippet("linkedin", text, tuple(brief.source(i) for i in chosen))
        bullets.pop()
        chosen.pop()
    return Snippet("linkedin", _fit(brief.title, limits), ())


def _carousel(brief: Brief, order: list[int], slides: int) -> list[Slide]:
    deck = [Slide(brief.title.rstrip("."), (), ())]
    for index in sorted(order[: max(0, slides - 1)]):
        sentence = brief.sentences[index]
        found = key_phrases(sentence, limit=1)
        title = found[0].text if found else sentence.split(",")[0]
        deck.append(Slide(title[:1].upper() + title[1:], (sentence,), (brief.source(index),)))
    return deck


def repurpose(
    source: str | Brief,
    *,
    thread_limits: Limits,
    post_limits: Limits,
    linkedin_limits: Limits,
    n_posts: int = 5,
    max_thread_posts: int = 8,
    slides: int = 6,
) -> Repurposed:
    """Turn long content into snippets; ``source`` is raw text/Markdown/HTML or a parsed brief."""
    brief = source if isinstance(source, Brief) else parse_brief(source)
    phrases = key_phrases(brief.body, limit=15)
    facts = [*brief.facts.products, *brief.facts.prices]
    order = rank_sentences(brief.sentences, phrases, facts)
    notes: tuple[str, ...] = ()
    if len(brief.sentences) < 4:
        notes = ("the source is short: the snippets repeat most of it",)
    return Repurposed(
        thread=tuple(_thread(brief, order, thread_limits, max_thread_posts)),
        posts=tuple(_quotes(brief, order, post_limits, n_posts)),
        linkedin=_linkedin(brief, order, linkedin_limits, brief.language),
        carousel=tuple(_carousel(brief, order, slides)),
        language=brief.language,
        notes=notes,
    )
