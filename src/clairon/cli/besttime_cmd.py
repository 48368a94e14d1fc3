"""`clairon besttime recommend`: best times of a week from a CSV export (no database)."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from clairon.errors import ValidationFailed
from clairon.scheduling import WeekPlan, load_history_csv, parse_audience, recommend_week

from .common import console, friendly_errors

app = typer.Typer(help="Best time to post, learned from your history.", no_args_is_help=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _read(path: Path) -> str:
    if not path.exists():
        raise ValidationFailed(f"file not found: {path}", str(path))
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("not valid UTF-8; save the file as UTF-8", str(path)) from exc


def _plan_json(plan: WeekPlan) -> str:
    return json.dumps(
        {
            "week_start": plan.week_start.isoformat(),
            "network": plan.network,
            "timezone": plan.timezone,
            "posts_used": plan.posts_used,
            "fallback_to_priors": plan.fallback_to_priors,
            "timing_matters": plan.timing_matters,
            "timing_share": round(plan.timing_share, 4),
            "summary": plan.summary,
            "slots": [
                {
                    "start_utc": s.start_utc.isoformat(),
                    "local_label": s.local_label,
                    "expected_engagements": s.expected_engagements,
                    "engagements_interval_90": s.engagements_interval_90,
                    "expected_rate": s.expected_rate,
                    "interval_90": s.interval_90,
                    "relative_to_median": round(s.relative_to_median, 3),
                    "is_experiment": s.is_experiment,
                    "explanation": s.explanation,
                }
                for s in plan.slots
            ],
            "heat_map": {
                "timezone": plan.heat_map.timezone,
                "weekdays": plan.heat_map.weekdays,
                "hours": plan.heat_map.hours,
                "relative": plan.heat_map.relative,
            },
        },
        indent=2,
        ensure_ascii=False,
    )


def _print_table(plan: WeekPlan) -> None:
    table = Table(title=f"Best times, {plan.network}, week of {plan.week_start} ({plan.timezone})")
    table.add_column("When (local)")
    table.add_column("UTC")
    table.add_column("Expected", justify="right")
    table.add_column("90% interval", justify="right")
    table.add_column("vs median", justify="right")
    table.add_column("Why")
    for s in plan.slots:
        if s.expected_rate is not None and s.interval_90 is not None:
            expected = f"{100 * s.expected_rate:.2f}%"
            interval = f"{100 * s.interval_90[0]:.2f}–{100 * s.interval_90[1]:.2f}%"
        elif s.expected_engagements is not None and s.engagements_interval_90 is not None:
            expected = f"{s.expected_engagements:.0f}"
            low, high = s.engagements_interval_90
            interval = f"{low:.0f}–{high:.0f}"
        else:
            expected, interval = "-", "-"
        label = ("[bold magenta]experiment[/] " if s.is_experiment else "") + s.local_label
        table.add_row(
            label,
            f"{s.start_utc:%a %H:%M}",
            expected,
            interval,
            f"{s.relative_to_median:.2f}×",
            s.explanation,
        )
    console.print(table)
    console.print(plan.summary)


@app.command("recommend")
@friendly_errors
def recommend(
    history: Annotated[Path, typer.Option("--history", help="CSV export of past posts.")],
    network: Annotated[str, typer.Option("--network", help="linkedin, instagram, x ...")],
    week: Annotated[str, typer.Option("--week", help="First day of the week, YYYY-MM-DD.")],
    posts: Annotated[int, typer.Option("--posts", help="How many posts that week.")],
    audience: Annotated[
        str | None,
        typer.Option(
            "--audience", help='Zones and weights: "Europe/Paris:0.7,America/Montreal:0.3".'
        ),
    ] = None,
    home_timezone: Annotated[
        str | None, typer.Option("--timezone", help="Zone of the calendar (default: audience's).")
    ] = None,
    min_gap_hours: Annotated[float, typer.Option("--min-gap-hours", help="Spacing.")] = 3.0,
    daily_cap: Annotated[int | None, typer.Option("--daily-cap", help="Max posts a day.")] = None,
    explore: Annotated[
        bool, typer.Option("--explore", help="Propose one uncertain, promising slot.")
    ] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="Never propose slots before this ISO instant.")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = (
        OutputFormat.table
    ),
) -> None:
    """Recommend the best publication times of a week from a CSV history."""
    try:
        week_start = date.fromisoformat(week)
    except ValueError as exc:
        raise ValidationFailed(f"not a date (YYYY-MM-DD): {week!r}", "--week") from exc
    instant = None
    if now:
        try:
            instant = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationFailed(f"not an ISO-8601 instant: {now!r}", "--now") from exc
        if instant.tzinfo is None:
            raise ValidationFailed("needs a UTC offset", "--now")
    zones = parse_audience(audience) if audience else None
    if zones is None and home_timezone is None:
        raise ValidationFailed("give --audience or --timezone", "--audience")
    records = load_history_csv(_read(history))
    plan = recommend_week(
        records,
        network=network,
        audience=zones,
        week_start=week_start,
        posts=posts,
        min_gap_hours=min_gap_hours,
        daily_cap=daily_cap,
        explore=explore,
        home_timezone=home_timezone,
        now=instant,
    )
    if output is OutputFormat.json:
        typer.echo(_plan_json(plan))
    else:
        _print_table(plan)
