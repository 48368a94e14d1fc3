"""``clairon triage FILE``: label every comment of a CSV, JSONL or plain-text export.

Input format comes from the extension (``.csv``, ``.jsonl``/``.ndjson``, anything else is plain
text with one comment per non-blank line). Output is CSV or JSONL (``--output`` extension or
``--format``), one record per input row, in input order. A row that cannot be labelled (empty
text, invalid UTF-8, over 1 MB, malformed JSON, missing field) is reported on stderr with its
number and still written, labelled ``unknown`` with its ``error``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from clairon.inbox.triage import TriageResult, triage_batch

__all__ = ["OUTPUT_FIELDS", "triage"]

OUTPUT_FIELDS = (
    "row",
    "text",
    "language",
    "sentiment",
    "sentiment_probability",
    "p_negative",
    "p_neutral",
    "p_positive",
    "toxicity",
    "offensive",
    "spam",
    "is_spam",
    "pii",
    "intent",
    "priority",
    "stage",
    "unsure",
    "error",
)
_BATCH = 512


@dataclass
class _Row:
    number: int
    text: str | None
    problem: str | None = None
    followers: int | None = None
    age_seconds: float | None = None


def _number(value: object, cast: type[int] | type[float]) -> Any:
    if value in (None, ""):
        return None
    try:
        return cast(float(str(value)))
    except ValueError:
        return None


def _decode(raw: bytes) -> str:
    # Undecodable bytes become lone surrogates, which triage reports as invalid UTF-8.
    return raw.decode("utf-8-sig", errors="surrogateescape")


def _read_csv(path: Path, column: str) -> Iterator[_Row]:
    reader = csv.DictReader(io.StringIO(_decode(path.read_bytes()), newline=""))
    fields = reader.fieldnames or []
    if column not in fields:
        shown = ", ".join(fields) if fields else "none"
        raise typer.BadParameter(
            f"column {column!r} not found in {path.name} (columns: {shown})",
            param_hint="--text-column",
        )
    for number, record in enumerate(reader, start=1):
        text = record.get(column)
        yield _Row(
            number,
            text,
            None if text is not None else "row has fewer fields than the header",
            _number(record.get("followers"), int),
            _number(record.get("age_seconds"), float),
        )


def _read_jsonl(path: Path, column: str) -> Iterator[_Row]:
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        line = _decode(raw)
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _Row(number, None, f"malformed JSON ({exc.msg})")
            continue
        if isinstance(record, str):
            yield _Row(number, record)
        elif not isinstance(record, dict) or not isinstance(record.get(column), str):
            yield _Row(number, None, f"no text field {column!r}")
        else:
            followers = _number(record.get("followers"), int)
            yield _Row(
                number, record[column], None, followers, _number(record.get("age_seconds"), float)
            )


def _read_text(path: Path) -> Iterator[_Row]:
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        line = _decode(raw)
        if line.strip():
            yield _Row(number, line)


def _record(row: _Row, result: TriageResult) -> dict[str, Any]:
    proba = result.sentiment_proba
    text = row.text if row.text is not None else ""
    return {
        "row": row.number,
        "text": text.encode("utf-8", "replace").decode("utf-8"),
        "language": result.language,
        "sentiment": result.sentiment,
        "sentiment_probability": proba.get(result.sentiment, 0.0),
        "p_negative": proba.get("negative", 0.0),
        "p_neutral": proba.get("neutral", 0.0),
        "p_positive": proba.get("positive", 0.0),
        "toxicity": result.toxicity,
        "offensive": result.offensive,
        "spam": result.spam,
        "is_spam": result.is_spam,
        "pii": ",".join(result.pii_kinds),
        "intent": result.intent,
        "priority": result.priority,
        "stage": result.stage,
        "unsure": result.unsure,
        "error": row.problem or result.error or "",
    }


def triage(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, JSONL or text")],
    text_column: Annotated[
        str, typer.Option(help="Column (CSV) or field (JSONL) with the text")
    ] = ("text"),
    lang: Annotated[
        str | None, typer.Option(help="Restrict language detection, e.g. 'fr,en'")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Write here (.csv or .jsonl)")] = None,
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="csv or jsonl (default: from --output, else jsonl)"),
    ] = None,
    second_stage: Annotated[
        bool, typer.Option("--second-stage", help="Re-label unsure items with the slower model")
    ] = False,
) -> None:
    """Label each comment of FILE: language, sentiment, toxicity, spam, PII, intent, priority."""
    err = Console(stderr=True)
    chosen = (output_format or (output.suffix.lstrip(".") if output else "jsonl")).lower()
    if chosen not in ("csv", "jsonl"):
        raise typer.BadParameter(
            f"unknown output format {chosen!r} (csv or jsonl)", param_hint="--format"
        )
    allowed = {code.strip().lower() for code in lang.split(",") if code.strip()} if lang else None
    suffix = file.suffix.lower()
    if suffix == ".csv":
        rows = list(_read_csv(file, text_column))
    elif suffix in (".jsonl", ".ndjson"):
        rows = list(_read_jsonl(file, text_column))
    else:
        rows = list(_read_text(file))
    records: list[dict[str, Any]] = []
    bad = 0
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("triage", total=len(rows))
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            texts: list[Any] = [row.text if row.problem is None else "" for row in batch]
            results = triage_batch(
                texts,
                second_stage=second_stage,
                allowed_languages=allowed,
                followers=[row.followers for row in batch],
                age_seconds=[row.age_seconds for row in batch],
            )
            for row, result in zip(batch, results, strict=True):
                record = _record(row, result)
                if record["error"]:
                    bad += 1
                    err.print(f"[yellow]row {row.number}[/]: {record['error']}", highlight=False)
                records.append(record)
            progress.advance(task, len(batch))
    _write(records, chosen, output)
    err.print(f"{len(records)} rows labelled, {bad} bad", highlight=False)


def _write(records: list[dict[str, Any]], chosen: str, output: Path | None) -> None:
    handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if chosen == "csv":
            writer = csv.DictWriter(handle, fieldnames=OUTPUT_FIELDS)
            writer.writeheader()
            writer.writerows(records)
        else:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()
