"""`clairon rules dry-run`: validation of the rules file, planned actions, nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from clairon.cli.main import app
from clairon.config import get_settings
from clairon.networks.base import RemoteComment
from clairon.services import inbox as inbox_service
from clairon.services.context import Context
from clairon.store import inbox as inbox_repo


def test_dry_run_lists_planned_actions_and_changes_nothing(
    cli_env: Path, runner: CliRunner
) -> None:
    assert runner.invoke(app, ["init", "--password", "s3cret-pass"]).exit_code == 0
    ctx = Context.from_settings(get_settings())
    try:
        now = datetime.now(UTC)
        ids = inbox_service.ingest_comments(ctx, 1, [
            RemoteComment("a", None, "@spam", "promo http://x.example", now - timedelta(days=1)),
            RemoteComment("b", None, "@fan", "merci !", now - timedelta(days=2)),
        ])  # fmt: skip
        with ctx.store.transaction() as conn:
            before = [inbox_repo.get_item(conn, i) for i in ids]
    finally:
        ctx.close()
    rules = cli_env / "rules.json"
    rules.write_text(json.dumps({"rules": [
        {"name": "links", "when": {"contains_link": True}, "actions": [{"type": "hide"}]},
    ]}))  # fmt: skip
    result = runner.invoke(app, ["rules", "dry-run", str(rules), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines == [{"rule": "links", "item_id": ids[0], "action": "hide", "params": {}}]
    table = runner.invoke(app, ["rules", "dry-run", str(rules)])
    assert "1 action(s) would have been taken" in table.output and "nothing was changed" in (
        table.output
    )
    ctx = Context.from_settings(get_settings())
    try:
        with ctx.store.transaction() as conn:
            assert [inbox_repo.get_item(conn, i) for i in ids] == before
    finally:
        ctx.close()


def test_bad_rules_are_reported_with_their_place(cli_env: Path, runner: CliRunner) -> None:
    rules = cli_env / "rules.json"
    rules.write_text(json.dumps([{"name": "x", "when": {"colour": "red"}, "actions": []}]))
    result = runner.invoke(app, ["rules", "dry-run", str(rules)])
    assert result.exit_code == 2
    assert "rules[0].when" in result.output and "rules[0].actions" in result.output
