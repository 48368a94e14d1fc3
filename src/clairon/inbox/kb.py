"""The FAQ knowledge base: question/answer entries imported from JSONL, CSV or Markdown.

- **JSONL**: one object per line with ``question``, ``answer``, ``language`` and optional
  ``tags`` (list or comma-separated string), ``id`` and ``url``.
- **CSV**: a header row with the same column names (``tags`` comma- or ``|``-separated).
- **Markdown**: every heading starts an entry; the heading is the question and the text under
  it the answer. The language comes from a ``language: xx`` front-matter line, else is detected.

Every bad row is reported with its number (:class:`~clairon.errors.Problem`); good rows are kept.
:func:`load_kb` raises :class:`~clairon.errors.ValidationFailed` only when nothing usable is left
or when ``strict`` is set.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

from clairon.content.language import detect_language
from clairon.errors import Problem, ValidationFailed

__all__ = ["KBEntry", "KnowledgeBase", "load_kb", "parse_csv", "parse_jsonl", "parse_markdown"]

MAX_FIELD_CHARS = 20_000
_LANGUAGE = regex.compile(r"^[a-z]{2}$")
_HEADING = regex.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FRONT_LANGUAGE = regex.compile(r"^\s*(?:language|lang)\s*:\s*([A-Za-z]{2})\s*$", regex.IGNORECASE)
_SLUG = regex.compile(r"[^\p{L}\p{N}]+")


@dataclass(frozen=True, slots=True)
class KBEntry:
    """One question and its answer, in one language, with where it came from."""

    id: str
    question: str
    answer: str
    language: str
    tags: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    """The entries that were imported and the problems found on the other rows."""

    entries: tuple[KBEntry, ...]
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[KBEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> KBEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def _tags(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        parts: Iterable[object] = regex.split(r"[,|]", value)
    elif isinstance(value, list | tuple):
        parts = value
    else:
        raise ValueError("tags must be a list or a comma-separated string")
    return tuple(str(p).strip() for p in parts if str(p).strip())


def _entry(row: Mapping[str, object], number: int, fallback_id: str) -> KBEntry:
    """Validate one row; raises ValueError with a readable message."""
    missing = [name for name in ("question", "answer") if not str(row.get(name) or "").strip()]
    if missing:
        raise ValueError(f"missing {' and '.join(missing)}")
    question = str(row["question"]).strip()
    answer = str(row["answer"]).strip()
    if len(question) > MAX_FIELD_CHARS or len(answer) > MAX_FIELD_CHARS:
        raise ValueError(f"question or answer longer than {MAX_FIELD_CHARS} characters")
    language = str(row.get("language") or "").strip().lower()
    if not language:
        language = detect_language(f"{question} {answer}").code
    if not _LANGUAGE.match(language):
        raise ValueError(f"language '{language}' is not an ISO 639-1 code (fr, en...)")
    raw_id = row.get("id")
    entry_id = str(raw_id).strip() if raw_id not in (None, "") else fallback_id
    url = str(row.get("url") or "").strip() or None
    return KBEntry(entry_id, question, answer, language, _tags(row.get("tags")), url)


def _collect(rows: Iterable[tuple[int, Mapping[str, object] | str]], prefix: str) -> KnowledgeBase:
    entries: list[KBEntry] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, row in rows:
        if isinstance(row, str):
            problems.append(Problem(f"row {number}", row))
            continue
        try:
            entry = _entry(row, number, f"{prefix}{number}")
        except ValueError as exc:
            problems.append(Problem(f"row {number}", str(exc)))
            continue
        if entry.id in seen:
            problems.append(Problem(f"row {number}", f"duplicate id '{entry.id}'"))
            continue
        seen.add(entry.id)
        entries.append(entry)
    return KnowledgeBase(tuple(entries), tuple(problems))


def parse_jsonl(text: str) -> KnowledgeBase:
    """Entries of a JSONL document (row numbers are line numbers, from 1)."""

    def rows() -> Iterator[tuple[int, Mapping[str, object] | str]]:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"invalid JSON ({exc.msg})"
                continue
            yield number, value if isinstance(value, dict) else "not a JSON object"

    return _collect(rows(), "row-")


def parse_csv(text: str) -> KnowledgeBase:
    """Entries of a CSV document with a header (row numbers count the header as row 1)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    absent = [name for name in ("question", "answer") if name not in header]
    if absent:
        raise ValidationFailed(f"the CSV has no column {', '.join(absent)}", "header")
    reader.fieldnames = header

    def rows() -> Iterator[tuple[int, Mapping[str, object] | str]]:
        for number, row in enumerate(reader, start=2):
            if None in row:
                yield number, "more cells than columns"
                continue
            yield number, {k: v for k, v in row.items() if k}

    return _collect(rows(), "row-")


def parse_markdown(text: str, *, source: str = "page") -> KnowledgeBase:
    """One entry per heading that has text under it; ids are ``<source>#<heading slug>``."""
    language = ""
    sections: list[tuple[int, str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        front = _FRONT_LANGUAGE.match(line)
        if front and not sections and not language:
            language = front.group(1).lower()
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append((number, heading.group(2).strip(), []))
        elif sections:
            sections[-1][2].append(line)
    rows: list[tuple[int, Mapping[str, object] | str]] = []
    for number, title, body in sections:
        answer = "\n".join(body).strip()
        if not answer:
            continue  # a heading that only groups sub-headings
        slug = _SLUG.sub("-", title.casefold()).strip("-")
        rows.append(
            (number, {"id": f"{source}#{slug}", "question": title, "answer": answer,
                      "language": language})
        )  # fmt: skip
    return _collect(rows, f"{source}#")


def load_kb(path: str | Path | Sequence[str | Path], *, strict: bool = False) -> KnowledgeBase:
    """Load one or several files (``.jsonl``, ``.csv``, ``.md``) into one knowledge base.

    Bad rows are listed in :attr:`KnowledgeBase.problems` as ``file:row N: why``; with
    ``strict=True`` any problem raises :class:`ValidationFailed` instead."""
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    entries: list[KBEntry] = []
    problems: list[Problem] = []
    for file in paths:
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValidationFailed(f"no such file {file}", "kb") from None
        except UnicodeDecodeError as exc:
            raise ValidationFailed(f"{file} is not UTF-8 ({exc.reason})", "kb") from None
        suffix = file.suffix.lower()
        if suffix in (".jsonl", ".ndjson", ".json"):
            part = parse_jsonl(text)
        elif suffix == ".csv":
            part = parse_csv(text)
        elif suffix in (".md", ".markdown"):
            part = parse_markdown(text, source=file.stem)
        else:
            raise ValidationFailed(f"{file}: unknown format (use .jsonl, .csv or .md)", "kb")
        entries.extend(part.entries)
        problems.extend(Problem(f"{file.name}:{p.location}", p.message) for p in part.problems)
    known: set[str] = set()
    unique: list[KBEntry] = []
    for entry in entries:
        if entry.id in known:
            problems.append(Problem("kb", f"duplicate id '{entry.id}' across files"))
            continue
        known.add(entry.id)
        unique.append(entry)
    if strict and problems:
        raise ValidationFailed(problems)
    if not unique:
        raise ValidationFailed(problems or [Problem("kb", "the knowledge base is empty")])
    return KnowledgeBase(tuple(unique), tuple(problems))
