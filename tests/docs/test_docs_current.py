"""Docs are tested against code: every setting and every CLI command is documented."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import typer.main

from clairon.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def test_settings_doc_is_current() -> None:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_settings_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert current == module.render(), "run: python scripts/gen_settings_doc.py"


def _is_group(cmd: Any) -> bool:
    return isinstance(getattr(cmd, "commands", None), dict)


def _commands(group: Any, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if _is_group(cmd):
            out += _commands(cmd, full + " ")
        else:
            out.append(full)
    return out


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    assert _is_group(group)
    missing = [c for c in _commands(group) if f"clairon {c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_command_has_help() -> None:
    group = typer.main.get_command(app)
    assert _is_group(group)
    for name in _commands(group):
        cmd: Any = group
        for part in name.split():
            assert _is_group(cmd)
            cmd = cmd.commands[part]
        assert (cmd.help or "").strip(), f"`clairon {name}` has no help text"
