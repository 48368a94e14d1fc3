"""`clairon plan`: fill the calendar from the approved posts, at the best times."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from clairon.errors import ValidationFailed
from clairon.services import planning

from .common import console, friendly_errors, open_context, resolve_actor, resolve_workspace


def _parse_date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"'{value}' is not a date (YYYY-MM-DD)", where) from None


def _parse_cadence(value: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, part in enumerate(p.strip() for p in value.split(",") if p.strip()):
        key, _, number = part.rpartition("=")
        if not key or not number.isdigit():
            raise ValidationFailed(f"'{part}' is not NETWORK=POSTS_PER_WEEK", f"--cadence[{i}]")
        out[key.strip()] = int(number)
    return out


@friendly_errors
def plan(
    start: str = typer.Option(date.today().isoformat(), "--from", help="First day (YYYY-MM-DD)."),
    weeks: int = typer.Option(2, min=1, max=12, help="How many weeks to plan."),
    cadence: str = typer.Option(
        "",
        help="Posts per week per network or network:handle, e.g. linkedin=3,instagram=7 "
        f"(default {planning.DEFAULT_CADENCE} per account).",
    ),
    blackout: str = typer.Option("", help="Comma-separated dates with no posts."),
    avoid_collisions: bool = typer.Option(False, help="Keep accounts' posts an hour apart."),
    explore: bool = typer.Option(
        False, help="Propose one uncertain but promising slot a week, marked as an experiment."
    ),
    apply: bool = typer.Option(False, "--apply", help="Schedule the plan (default: only show)."),
    user: str | None = typer.Option(None, "--user", help="Act as this user."),
    workspace: str | None = typer.Option(None, "--workspace", "-w", help="Workspace slug."),
) -> None:
    """Plan the approved, unscheduled posts on each account's best slots and print the plan
    (posts already scheduled stay where they are and count toward the cadence)."""
    first = _parse_date(start, "--from")
    days = [_parse_date(d.strip(), "--blackout") for d in blackout.split(",") if d.strip()]
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    with console.status("Learning each account's best times…"):
        result = planning.plan_workspace(
            ctx,
            actor,
            ws.id,
            first,
            weeks,
            cadence=_parse_cadence(cadence),
            blackout=days,
            avoid_collisions=avoid_collisions,
            explore=explore,
        )
    tz = ZoneInfo(ws.timezone)
    table = Table(title=f"{ws.name}: plan from {first} ({weeks} week(s), times in {ws.timezone})")
    for col in ("when", "account", "post", "why"):
        table.add_column(col, overflow="fold")
    for item in result.items:
        when = item.start_utc.astimezone(tz).strftime("%a %d %b %H:%M")
        flag = " [magenta](experiment)[/]" if item.is_experiment else ""
        table.add_row(
            when + flag,
            f"{item.network}:{item.account}",
            item.text[:50] + ("…" if len(item.text) > 50 else ""),
            item.explanation,
        )
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note[/] {note}")
    if result.unplaced:
        console.print(
            f"{len(result.unplaced)} approved post(s) did not fit the cadence; "
            "plan more weeks or raise --cadence."
        )
    if apply:
        scheduled = planning.apply_plan(ctx, actor, result)
        console.print(f"[green]Scheduled[/] {len(scheduled)} post(s).")
    elif result.items:
        console.print("Run again with --apply to schedule this plan.")
