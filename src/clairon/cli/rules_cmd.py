"""`clairon rules dry-run`: what moderation rules would have done on the last days (no writes)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from clairon.errors import Problem, ValidationFailed
from clairon.inbox.rules import Rule, parse_rule
from clairon.services import moderation

from .common import console, friendly_errors, open_context, resolve_actor, resolve_workspace

app = typer.Typer(help="Moderation rules (see docs/moderation.md).", no_args_is_help=True)


def read_rules(path: Path) -> list[Rule]:
    """Rules of a JSON file (a list, or ``{"rules": [...]}``); every fault, with its place."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"cannot read rules from {path}: {exc}", "rules") from None
    if isinstance(data, dict):
        data = data.get("rules")
    if not isinstance(data, list):
        raise ValidationFailed('expected a list of rules or {"rules": [...]}', "rules")
    rules: list[Rule] = []
    problems: list[Problem] = []
    for index, raw in enumerate(data):
        try:
            if not isinstance(raw, dict):
                raise ValidationFailed("a rule is a JSON object")
            rules.append(parse_rule(raw))
        except ValidationFailed as exc:
            problems += [Problem(f"rules[{index}].{p.location}".rstrip("."), p.message)
                         for p in exc.problems]  # fmt: skip
    if problems:
        raise ValidationFailed(problems)
    return rules


@app.command("dry-run")
@friendly_errors
def dry_run(
    rules_file: Annotated[Path, typer.Argument(help="JSON file with a list of rules")],
    days: Annotated[int, typer.Option("--days", min=1, max=365)] = 30,
    workspace: Annotated[str | None, typer.Option("--workspace", "-w")] = None,
    user: Annotated[str | None, typer.Option("--user")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per action")] = False,
) -> None:
    """Show what the rules would have done on the last DAYS days. Changes nothing."""
    rules = read_rules(rules_file)
    ctx = open_context()
    actor = resolve_actor(ctx, user)
    ws = resolve_workspace(ctx, actor, workspace)
    planned = moderation.dry_run_rules(ctx, actor, ws.id, rules, days=days)
    if as_json:
        for action in planned:
            row = {"rule": action.rule, "item_id": action.item_id, "action": action.kind}
            typer.echo(json.dumps({**row, "params": dict(action.params)}, ensure_ascii=False))
        return
    table = Table("rule", "item", "action", "parameters", title=f"Dry-run over {days} days")
    for action in planned:
        params = ", ".join(f"{k}={v}" for k, v in action.params.items())
        table.add_row(action.rule, str(action.item_id), action.kind, params)
    console.print(table)
    per_rule = Counter(a.rule for a in planned)
    for rule in rules:
        console.print(f"{rule.name}: {per_rule.get(rule.id, 0)} action(s) would have been taken")
    console.print("Dry-run: nothing was changed.")
