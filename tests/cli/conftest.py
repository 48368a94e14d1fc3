from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clairon.config import get_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Path]:
    """Point the CLI's settings at a temp data dir and the test database."""
    monkeypatch.setenv("CLAIRON_MODE", "test")
    monkeypatch.setenv("CLAIRON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLAIRON_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
