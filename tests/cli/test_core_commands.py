from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from clairon.cli.main import app


def _init(runner: CliRunner) -> None:
    result = runner.invoke(app, ["init", "--password", "s3cret-pass", "--workspace", "Acme"])
    assert result.exit_code == 0, result.output
    assert "API token" in result.output


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_init_is_idempotent_and_post_lifecycle(cli_env: Path, runner: CliRunner) -> None:
    _init(runner)
    again = runner.invoke(app, ["init", "--password", "s3cret-pass"])
    assert again.exit_code == 0 and "nothing to create" in again.output
    created = runner.invoke(app, ["post", "create", "Bonjour !", "--accounts", "outbox"])
    assert created.exit_code == 0, created.output
    assert runner.invoke(app, ["post", "submit", "1"]).exit_code == 0
    assert runner.invoke(app, ["post", "approve", "1"]).exit_code == 0
    when = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    scheduled = runner.invoke(app, ["post", "schedule", "1", "--at", when])
    assert scheduled.exit_code == 0, scheduled.output
    listed = runner.invoke(app, ["post", "list"])
    assert "scheduled" in listed.output and "Bonjour" in listed.output


def test_import_reports_every_bad_row_and_writes_nothing(cli_env: Path, runner: CliRunner) -> None:
    _init(runner)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="minutes")
    path = _write_csv(
        cli_env / "posts.csv",
        [
            {"account": "outbox", "text": "ok", "scheduled_at": future},
            {"account": "nobody", "text": "who?", "scheduled_at": future},
            {"account": "outbox", "text": "", "scheduled_at": future},
            {"account": "outbox", "text": "late", "scheduled_at": "2001-01-01T10:00"},
            {"account": "outbox", "text": "bad date", "scheduled_at": "tomorrow"},
        ],
    )
    result = runner.invoke(app, ["import", "posts", str(path)])
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "row 3 / account" in out and "row 4 / text" in out
    assert "row 5 / scheduled_at" in out and "row 6 / scheduled_at" in out
    assert "Nothing was written" in out
    listed = runner.invoke(app, ["post", "list"])
    assert "0 of 0" in listed.output
    skipped = runner.invoke(app, ["import", "posts", str(path), "--skip-invalid", "--approve"])
    assert skipped.exit_code == 0, skipped.output
    assert "Imported 1 post(s), 1 scheduled" in " ".join(skipped.output.split())


def test_import_malformed_files(cli_env: Path, runner: CliRunner) -> None:
    _init(runner)
    no_header = cli_env / "empty.csv"
    no_header.write_text("", encoding="utf-8")
    assert "empty" in runner.invoke(app, ["import", "posts", str(no_header)]).output
    wrong_cols = cli_env / "cols.csv"
    wrong_cols.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "posts", str(wrong_cols)])
    assert result.exit_code == 2 and "missing column" in result.output
    latin = cli_env / "latin.csv"
    latin.write_bytes("account,text\noutbox,caf\xe9\n".encode("latin-1"))
    result = runner.invoke(app, ["import", "posts", str(latin)])
    assert result.exit_code == 2 and "UTF-8" in result.output


def test_export_calendar_csv_and_ics(cli_env: Path, runner: CliRunner) -> None:
    _init(runner)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="minutes")
    path = _write_csv(
        cli_env / "p.csv", [{"account": "outbox", "text": "Hello calendar", "scheduled_at": future}]
    )
    assert runner.invoke(app, ["import", "posts", str(path), "--approve"]).exit_code == 0
    out_csv = cli_env / "cal.csv"
    assert runner.invoke(app, ["export", "calendar", "-o", str(out_csv)]).exit_code == 0
    rows = list(csv.DictReader(out_csv.read_text(encoding="utf-8").splitlines()))
    assert rows[0]["text"] == "Hello calendar" and rows[0]["status"] == "scheduled"
    out_ics = cli_env / "cal.ics"
    result = runner.invoke(app, ["export", "calendar", "-o", str(out_ics), "--format", "ics"])
    assert result.exit_code == 0
    assert b"BEGIN:VEVENT" in out_ics.read_bytes() and b"Hello calendar" in out_ics.read_bytes()
    bad = runner.invoke(app, ["export", "calendar", "-o", str(out_ics), "--format", "pdf"])
    assert bad.exit_code == 2 and "--format" in bad.output


def test_demo_seeds_once(cli_env: Path, runner: CliRunner) -> None:
    first = runner.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Demo data" in first.output
    second = runner.invoke(app, ["demo", "--no-serve"])
    assert "already present" in second.output
    listed = runner.invoke(app, ["post", "list", "--user", "demo@clairon.local"])
    assert "published" in listed.output


def test_keys_generate_and_rotate(cli_env: Path, runner: CliRunner) -> None:
    _init(runner)
    key = runner.invoke(app, ["keys", "generate"]).output.strip()
    assert len(key) == 44
    rotated = runner.invoke(app, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output


def test_plan_prints_a_table_and_rejects_bad_cadence(cli_env: Path, runner: CliRunner) -> None:
    assert runner.invoke(app, ["demo", "--no-serve"]).exit_code == 0
    result = runner.invoke(app, ["plan", "--weeks", "1", "--user", "demo@clairon.local"])
    assert result.exit_code == 0, result.output
    assert "plan from" in result.output
    bad = runner.invoke(
        app, ["plan", "--cadence", "linkedin:three", "--user", "demo@clairon.local"]
    )
    assert bad.exit_code == 2 and "--cadence" in bad.output


def test_inbox_triage_labels_the_demo_comments(cli_env: Path, runner: CliRunner) -> None:
    assert runner.invoke(app, ["demo", "--no-serve"]).exit_code == 0
    result = runner.invoke(
        app, ["inbox", "triage", "--since", "3w", "--user", "demo@clairon.local"]
    )
    assert result.exit_code == 0, result.output
    assert "Labelled" in result.output and "Most urgent" in result.output
    bad = runner.invoke(app, ["inbox", "triage", "--since", "yesterday"])
    assert bad.exit_code == 2 and "--since" in bad.output
