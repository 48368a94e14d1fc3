"""`clairon assistant answer`: answer a JSONL file of questions from a knowledge base (no database).

Each input line is ``{"id": ..., "text": ..., "language"?: ...}``; each output line holds the
chosen entry, the drafted reply, the confidence, the handoff decision and its reason.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from clairon.inbox.assistant import DEFAULT_THRESHOLD, FaqAssistant, Question
from clairon.inbox.kb import load_kb

from .common import console, err_console, friendly_errors

app = typer.Typer(help="FAQ assistant: draft replies from a knowledge base.", no_args_is_help=True)

_BATCH = 32


def read_questions(path: Path) -> tuple[list[Question], list[str]]:
    """Questions of a JSONL file and one message per bad line (with its number)."""
    questions: list[Question] = []
    problems: list[str] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value: Any = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"line {number}: not valid UTF-8")
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(value, dict):
            problems.append(f"line {number}: not a JSON object")
            continue
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"line {number}: 'text' is missing or empty")
            continue
        language = value.get("language")
        raw_id = value.get("id")
        questions.append(
            Question(
                text,
                str(raw_id) if raw_id is not None else f"line-{number}",
                str(language) if language else None,
            )
        )
    return questions, problems


@app.command("answer")
@friendly_errors
def answer(
    questions_file: Annotated[Path, typer.Argument(help="JSONL: one {id, text, language?} a line")],
    kb: Annotated[list[Path], typer.Option("--kb", help="Knowledge base (.jsonl, .csv, .md)")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write JSONL here (default: stdout)")
    ] = None,
    allow_auto_send: Annotated[
        bool, typer.Option("--allow-auto-send", help="The workspace allows auto-send")
    ] = False,
    auto_send_threshold: Annotated[
        float, typer.Option("--auto-send-threshold", min=0.0, max=1.0)
    ] = DEFAULT_THRESHOLD,
    synonyms: Annotated[
        list[Path] | None,
        typer.Option(
            "--synonyms",
            help="Extra synonym rings, one 'concept: word | phrase | ...' a line (repeatable), "
            "added to the built-in FR/EN thesaurus",
        ),
    ] = None,
) -> None:
    """Answer every question; bad lines are reported with their number and skipped."""
    base = load_kb(kb)
    for problem in base.problems:
        err_console.print(f"[yellow]kb {problem.location}[/]: {problem.message}")
    questions, problems = read_questions(questions_file)
    for message in problems:
        err_console.print(f"[yellow]{questions_file.name} {message}[/]")
    assistant = FaqAssistant(base, synonyms=synonyms or ())
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    handed = 0
    try:
        with Progress(
            TextColumn("answering"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(), console=err_console, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("answer", total=len(questions))
            for start in range(0, len(questions), _BATCH):
                batch = questions[start : start + _BATCH]
                answers = assistant.answer(
                    batch, allow_auto_send=allow_auto_send, threshold=auto_send_threshold
                )
                for item in answers:
                    handed += item.handoff
                    sink.write(json.dumps(item.as_dict(), ensure_ascii=False) + "\n")
                progress.advance(task, len(batch))
    finally:
        if output:
            sink.close()
    summary = f"{len(questions)} answered, {handed} handed to a human, {len(problems)} bad lines"
    (err_console if output is None else console).print(summary)
