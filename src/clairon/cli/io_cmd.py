"""`clairon import posts FILE.csv` and `clairon export calendar`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.progress import Progress

from clairon.errors import Problem, ValidationFailed
from clairon.services import accounts as account_service
from clairon.services import imports, scheduling

from .common import console, friendly_errors, open_context, resolve_actor, resolve_workspace

import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
export_app = typer.Typer(help="Export data to files.", no_args_is_help=True)

UserOpt = typer.Option(None, "--user", help="Act as this user (default: first administrator).")
WsOpt = typer.Option(None, "--workspace", "-w", help="Workspace slug (default: your first).")


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV (UTF-8, with or without BOM; comma or semicolon); clear errors with rows."""
    if not path.exists():
        raise ValidationFailed(f"file not found: {path}", str(path))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationFailed(
            f"not valid UTF-8 (byte {exc.start}, line {line}); save the file as UTF-8",
            f"{path.name} line {line}",
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        raise ValidationFailed("the file is empty (a header row is required)", path.name)
    header = [h.strip().lower() for h in reader.fieldnames]
    missing = [c for c in imports.REQUIRED if c not in header]
    if missing:
        raise ValidationFailed(
            f"missing column(s) {', '.join(missing)}; expected header: "
            f"{','.join(imports.IMPORT_COLUMNS)}",
            f"{path.name} row 1",
        )
    rows: list[dict[str, str]] = []
    problems: list[Problem] = []
    try:
        for n, record in enumerate(reader, start=2):
            if None in record:
                problems.append(
                    Problem(
                        f"row {n}",
                        "more fields than header columns (quote texts that contain the delimiter)",
                    )
                )
                continue
            rows.append({(k or "").strip().lower(): (v or "") for k, v in record.items()})
    except csv.Error as exc:
        raise ValidationFailed(
            f"malformed CSV: {exc}", f"{path.name} row {reader.line_num}"
        ) from None
    if problems:
        raise ValidationFailed(problems)
    return rows


@import_app.command("posts")
@friendly_errors
def import_posts(
    file: Path = typer.Argument(
        ...,
        help="CSV with columns: " + ",".join(imports.IMPORT_COLUMNS) + " (account,text required).",
    ),
    skip_invalid: bool = typer.Option(False, help="Import the valid rows, report the others."),
    approve: bool = typer.Option(False, help="Mark imported posts approved (approver role)."),
    user: str | None = UserOpt,
    workspace: str | None = WsOpt,
) -> None:
    """Bulk-create (and schedule) posts. Every bad row is reported with its number and reason;
    nothing is imported unless all rows are valid or --skip-invalid is given."""
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Checking and importing {file.name}", total=None)
        rows = read_csv_rows(file)
        progress.update(task, total=len(rows))
        report = imports.import_posts(
            ctx, actor, ws.id, rows, skip_invalid=skip_invalid, approve=approve
        )
        progress.update(task, completed=len(rows))
    for p in report.skipped_rows:
        console.print(f"[yellow]skipped[/] {p.location}: {p.message}")
    console.print(
        f"[green]Imported[/] {len(report.created_posts)} post(s), "
        f"{report.scheduled} scheduled, {len(report.skipped_rows)} problem(s) skipped."
    )


@export_app.command("calendar")
@friendly_errors
def export_calendar(
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    fmt: str = typer.Option("csv", "--format", help="csv or ics."),
    start: str = typer.Option("", help="From this date (default: today)."),
    days: int = typer.Option(90, min=1, max=400, help="How many days."),
    user: str | None = UserOpt,
    workspace: str | None = WsOpt,
) -> None:
    """Export the scheduled and published variants of a period as CSV or iCalendar."""
    if fmt not in ("csv", "ics"):
        raise ValidationFailed(f"'{fmt}' is not csv or ics", "--format")
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    tz = ZoneInfo(ws.timezone)
    try:
        begin = (
            datetime.fromisoformat(start).replace(tzinfo=tz)
            if start
            else datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        )
    except ValueError:
        raise ValidationFailed(f"'{start}' is not a date (YYYY-MM-DD)", "--start") from None
    variants = scheduling.calendar(ctx, actor, ws.id, begin, begin + timedelta(days=days))
    handles = {a.id: a.handle for a in account_service.list_accounts(ctx, actor, ws.id)}
    if fmt == "csv":
        with output.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(
                [
                    "variant_id",
                    "post_id",
                    "account",
                    "network",
                    "language",
                    "status",
                    "scheduled_at_local",
                    "scheduled_at_utc",
                    "text",
                    "network_url",
                ]
            )
            for v in variants:
                assert v.scheduled_at is not None
                writer.writerow(
                    [
                        v.id,
                        v.post_id,
                        handles.get(v.account_id, ""),
                        v.network,
                        v.language,
                        v.status,
                        v.scheduled_at.astimezone(tz).isoformat(),
                        v.scheduled_at.astimezone(UTC).isoformat(),
                        v.text,
                        v.network_url or "",
                    ]
                )
    else:
        from icalendar import Calendar, Event

        cal = Calendar()
        cal.add("prodid", "-//Clairon//editorial calendar//EN")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"Clairon — {ws.name}")
        for v in variants:
            assert v.scheduled_at is not None
            event = Event()
            event.add("uid", f"variant-{v.id}@clairon")
            event.add("summary", f"[{v.network}] {v.text[:60]}")
            event.add("description", f"{v.text}\n\nStatus: {v.status}")
            event.add("dtstart", v.scheduled_at.astimezone(UTC))
            event.add("dtend", v.scheduled_at.astimezone(UTC) + timedelta(minutes=15))
            event.add("dtstamp", datetime.now(UTC))
            cal.add_component(event)
        output.write_bytes(cal.to_ical())
    console.print(f"[green]Wrote[/] {len(variants)} variant(s) to {output} ({fmt}).")
