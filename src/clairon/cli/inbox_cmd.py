"""`clairon inbox triage`: (re-)label a workspace's recent comments and mentions."""

from __future__ import annotations

import re
from datetime import timedelta

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from clairon.errors import ValidationFailed
from clairon.services import triage

from .common import console, friendly_errors, open_context, resolve_actor, resolve_workspace

app = typer.Typer(help="The unified inbox.", no_args_is_help=True)

_SPAN = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_span(value: str) -> timedelta:
    match = _SPAN.match(value.strip().lower())
    if not match:
        raise ValidationFailed(f"'{value}' is not a duration like 30m, 12h, 1d or 2w", "--since")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@app.command("triage")
@friendly_errors
def triage_inbox(
    since: str = typer.Option("1d", help="How far back: 30m, 12h, 1d, 2w."),
    second_stage: bool = typer.Option(
        False,
        help="Use the slower, more accurate second stage for every item (default: fast path).",
    ),
    user: str | None = typer.Option(None, "--user", help="Act as this user."),
    workspace: str | None = typer.Option(None, "--workspace", "-w", help="Workspace slug."),
) -> None:
    """Label the inbox items of a period (language, sentiment, toxicity, spam, personal data,
    intent, priority) and print a summary with the most urgent items."""
    span = parse_span(since)
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Triaging", total=None)
        summary = triage.triage_since(
            ctx,
            actor,
            ws.id,
            ctx.now() - span,
            second_stage=second_stage,
            progress=lambda n: bar.advance(task, n),
        )
    console.print(
        f"[green]Labelled[/] {summary.labelled} item(s) of {ws.slug} from the last {since}."
    )
    if not summary.labelled:
        return
    counts = Table("sentiment", "items", "intent", "items", title="Summary")
    sentiments = summary.by_sentiment.most_common()
    intents = summary.by_intent.most_common()
    for i in range(max(len(sentiments), len(intents))):
        s = sentiments[i] if i < len(sentiments) else ("", "")
        t = intents[i] if i < len(intents) else ("", "")
        counts.add_row(str(s[0]), str(s[1]), str(t[0]), str(t[1]))
    console.print(counts)
    urgent = Table("priority", "id", "text", title="Most urgent")
    for priority, item_id, text in summary.urgent:
        urgent.add_row(str(priority), str(item_id), text[:80])
    console.print(urgent)
