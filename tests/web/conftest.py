"""Web UI test helpers: a seeded workspace (editor, approver, two outbox accounts, one of them
limited to 280 characters), a TestClient, and the real app served by uvicorn for Chromium."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clairon.api import create_app
from clairon.domain import Role, SocialAccount, User, Workspace
from clairon.services import accounts, users
from clairon.services.context import Actor, Context
from tests.factories import add_member, make_world
from tests.networks.servers.mastodon_server import DEFAULT_TOKEN, MastodonServer

PASSWORD = "correct-horse"


@dataclass
class Seed:
    workspace: Workspace
    owner: User
    editor: User
    approver: User
    outbox: SocialAccount
    short: SocialAccount  # an outbox account whose limit is 280 characters


def seed_workspace(ctx: Context, name: str = "Acme") -> Seed:
    world = make_world(ctx, name)
    editor = users.get_user(ctx, _uid(add_member(ctx, world, Role.editor)))
    approver = users.get_user(ctx, _uid(add_member(ctx, world, Role.approver)))
    short = accounts.connect_account(
        ctx,
        world.actor,
        world.workspace.id,
        "outbox",
        f"{name.lower()}-short",
        settings={"max_length": 280},
    )
    return Seed(world.workspace, world.owner, editor, approver, world.outbox, short)


def _uid(actor: Actor) -> int:
    assert actor.user_id is not None
    return actor.user_id


@pytest.fixture
def seed(ctx: Context) -> Seed:
    return seed_workspace(ctx)


@pytest.fixture
def mastodon_server(tmp_path: Path) -> Iterator[MastodonServer]:
    """A local Mastodon-compatible instance (its limits come from ``/api/v2/instance``)."""
    with MastodonServer(log_path=tmp_path / "mastodon.jsonl") as server:
        yield server


def connect_mastodon(ctx: Context, seed: Seed, server: MastodonServer) -> SocialAccount:
    return accounts.connect_account(
        ctx,
        Actor(seed.owner.id),
        seed.workspace.id,
        "mastodon",
        "alice",
        credentials={"access_token": DEFAULT_TOKEN},
        settings={"base_url": server.url},
    )


@pytest.fixture
def app(ctx: Context) -> FastAPI:
    return create_app(ctx=ctx)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(client: TestClient, user: User, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/", follow_redirects=True).text)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class LiveServer:
    url: str
    ctx: Context


@pytest.fixture
def live_server(app: FastAPI, ctx: Context) -> Iterator[LiveServer]:
    """The real app on a free port, served by uvicorn in a background thread."""
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", ctx)
    server.should_exit = True
    thread.join(timeout=10)
