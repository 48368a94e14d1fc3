"""`clairon account connect` end to end: the real CLI in a child process (its stdout read line by
line, as a person would), a local OAuth provider, and the callback driven with httpx."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.cli.connect_cmd import parse_redirect, wait_for_callback
from clairon.domain import AccountStatus
from clairon.errors import ConfigError, ValidationFailed
from clairon.services.context import Context
from clairon.store import accounts as account_repo
from tests.factories import World, make_world
from tests.oauth_provider import APP_CREDENTIALS, NETWORK, Provider, running_provider

ROOT = Path(__file__).resolve().parents[2]

LAUNCHER = """
import sys
from clairon.networks.registry import register_connector
from tests.oauth_provider import NETWORK, connector_for
register_connector(NETWORK, connector_for(sys.argv[1]))
from clairon.cli.main import app
app(args=sys.argv[2:], prog_name="clairon")
"""


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these tests are about the command (each starts a CLI process, ~6 s); the
    store under it runs on both engines in the web and service tests."""
    return f"sqlite:///{(tmp_path / 'clairon.db').as_posix()}"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as p:
        yield p


@pytest.fixture
def world(ctx: Context, cli_env: Path) -> World:
    return make_world(ctx, "Acme")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class Cli:
    process: subprocess.Popen[str]
    lines: queue.Queue[str]
    reader: threading.Thread

    def wait_for(self, prefix: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line.startswith(prefix):
                return line.strip()
        raise AssertionError(f"the CLI never printed a line starting with {prefix!r}")

    def finish(self, timeout: float = 30.0) -> tuple[int, str, str]:
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=10)
        rest: list[str] = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        assert self.process.stderr is not None
        err = self.process.stderr.read()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code, "".join(rest), err


_LAUNCHED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_orphan_cli() -> Iterator[None]:
    """A test that fails half-way never leaves its CLI process behind."""
    yield
    while _LAUNCHED:
        process = _LAUNCHED.pop()
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def launch(provider: Provider, *args: str) -> Cli:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
        CLAIRON_NETWORK_APP_CREDENTIALS=json.dumps(APP_CREDENTIALS),
    )
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, provider.url, "account", "connect", NETWORK, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    _LAUNCHED.append(process)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return Cli(process, lines, reader)


def test_connect_with_a_local_callback_server(
    ctx: Context, world: World, provider: Provider
) -> None:
    port = free_port()
    cli = launch(provider, "--no-browser", "--port", str(port), "--timeout", "30")
    url = cli.wait_for(f"{provider.url}/oauth/authorize?")
    location = provider.authorize(url)
    assert location.startswith(f"http://127.0.0.1:{port}/callback?") and "code=" in location
    [asked] = provider.authorize_requests
    assert asked["redirect_uri"] == f"http://127.0.0.1:{port}/callback"
    assert asked["code_challenge_method"] == "S256"
    # A stray request (another state) is refused and the CLI keeps waiting.
    stray = httpx.get(f"http://127.0.0.1:{port}/callback", params={"code": "x", "state": "other"})
    assert stray.status_code == 400
    done = httpx.get(location)
    assert done.status_code == 200 and "close this window" in done.text
    code, out, err = cli.finish()
    assert code == 0, err
    assert f"Connected {NETWORK}:alice (active) in acme; token expires" in out
    with ctx.store.transaction() as conn:
        account = account_repo.find_account(conn, world.workspace.id, NETWORK, "alice")
        assert account is not None
        token = account_repo.encrypted_credentials(conn, account.id)
    assert account.status == AccountStatus.active and token is not None
    assert ctx.cipher.decrypt(token)["refresh_token"] == "RT-1"


def test_paste_mode(ctx: Context, world: World, provider: Provider) -> None:
    port = free_port()  # nothing listens there: the browser would show an error page
    cli = launch(provider, "--paste", "--port", str(port))
    url = cli.wait_for(f"{provider.url}/oauth/authorize?")
    location = provider.authorize(url)
    assert cli.process.stdin is not None
    cli.process.stdin.write(location + "\n")
    cli.process.stdin.flush()
    code, out, err = cli.finish()
    assert code == 0, err
    assert f"Connected {NETWORK}:alice" in out


def test_denied_exits_with_a_clear_message(world: World, provider: Provider) -> None:
    provider.deny = True
    port = free_port()
    cli = launch(provider, "--no-browser", "--port", str(port))
    location = provider.authorize(cli.wait_for(f"{provider.url}/oauth/authorize?"))
    httpx.get(location)
    code, _, err = cli.finish()
    assert code == 2
    assert "declined" in err and "Traceback" not in err
    assert provider.token_requests == []


def test_no_answer_times_out() -> None:
    started = time.monotonic()
    with pytest.raises(ValidationFailed, match="no answer from the network within 1 s"):
        wait_for_callback(free_port(), "the-state", 0.6)
    assert time.monotonic() - started < 5


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            wait_for_callback(port, "the-state", 5)


def test_only_the_expected_state_is_accepted() -> None:
    port = free_port()
    answers: list[int] = []

    def browser() -> None:
        base = f"http://127.0.0.1:{port}"
        answers.append(httpx.get(f"{base}/elsewhere").status_code)
        answers.append(httpx.get(f"{base}/callback?state=forged&code=1").status_code)
        answers.append(httpx.get(f"{base}/callback?state=the-state&code=abc").status_code)

    visitor = threading.Thread(target=browser)
    got = wait_for_callback(port, "the-state", 10, on_ready=visitor.start)
    visitor.join(timeout=10)
    assert got == {"state": "the-state", "code": "abc"}
    assert answers == [404, 400, 200]


_param = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)


@given(code=_param, state=_param)
def test_pasted_urls_give_back_code_and_state(code: str, state: str) -> None:
    query = httpx.QueryParams({"code": code, "state": state})
    for text in (f"http://127.0.0.1:8765/callback?{query}", f"  {query}\n"):
        parsed = parse_redirect(text)
        assert parsed["code"] == code
        assert parsed["state"] == state
