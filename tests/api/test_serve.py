"""``clairon serve``: a real uvicorn process answers /healthz and the API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from clairon.cli import serve_cmd
from clairon.cli.main import app as cli
from clairon.config import get_settings

_CLI = "from clairon.cli.main import app; app()"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_the_app_in_uvicorn(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "CLAIRON_MODE": "test",
        "CLAIRON_DATA_DIR": str(tmp_path / "data"),
        "CLAIRON_DATABASE_URL": "",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from clairon.cli.main import app; app()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.2)
        assert health is not None and health.status_code == 200
        assert health.json()["status"] == "ok"
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/workspaces", timeout=5)
        assert r.status_code == 401
        assert (tmp_path / "data" / "clairon.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()


def test_reload_hands_uvicorn_the_factory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("CLAIRON_MODE", "test")
    monkeypatch.setenv("CLAIRON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--reload", "--host", "0.0.0.0"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    [(target, kwargs)] = calls
    assert target == serve_cmd.APP_FACTORY
    assert kwargs["factory"] is True and kwargs["reload"] is True
    assert (kwargs["host"], kwargs["port"]) == ("0.0.0.0", 8000)
