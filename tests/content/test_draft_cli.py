"""`clairon draft` end to end with the embedded backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clairon.cli.main import app
from clairon.config import get_settings

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CLAIRON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLAIRON_AI_BACKEND", "local")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_draft_json_output() -> None:
    result = CliRunner().invoke(app, [
        "draft", "--brief", str(GOLDEN / "01_ecobrew_launch.md"), "--networks", "x,instagram",
        "--lang", "fr,en", "--variants", "2", "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 2 * 2 * 2
    assert {(r["network"], r["language"], r["ab_letter"]) for r in rows} == {
        (n, lang, ab) for n in ("x", "instagram") for lang in ("fr", "en") for ab in "AB"
    }
    for row in rows:
        assert row["labels"]["caption"]["ai"] is True
        assert row["facts_kept"] == {"product": True, "date": True, "url": True}
        assert row["length"] <= row["max_length"]


def test_draft_table_with_voice_shows_fixes(tmp_path: Path) -> None:
    voice = tmp_path / "voice.json"
    voice.write_text(json.dumps({"dont_words": ["proud"], "replacements": {"proud": "happy"}}))
    brief = str(GOLDEN / "01_ecobrew_launch.md")
    args = ["draft", "-b", brief, "-n", "linkedin", "--voice", str(voice)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "linkedin · en · variant A" in result.output
    assert "fixed voice.dont_word" in result.output
    assert "1 draft(s), 0 flagged" in result.output


def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    brief = str(GOLDEN / "01_ecobrew_launch.md")
    result = CliRunner().invoke(app, ["draft", "-b", brief, "--accounts", "nohandle"])
    assert result.exit_code == 2 and "network:handle" in result.output
    result = CliRunner().invoke(app, ["draft", "-b", str(tmp_path / "missing.md"), "-n", "x"])
    assert result.exit_code == 2 and "cannot read" in result.output
