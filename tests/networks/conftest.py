"""Mastodon fixtures: a real local Mastodon-compatible server and a connector bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clairon.networks.base import AccountContext
from clairon.networks.mastodon import MastodonConnector
from tests.networks.servers.mastodon_server import DEFAULT_TOKEN, MastodonServer


@pytest.fixture
def mastodon_server(tmp_path: Path) -> Iterator[MastodonServer]:
    with MastodonServer(log_path=tmp_path / "mastodon.jsonl") as server:
        yield server


@pytest.fixture
def mastodon(mastodon_server: MastodonServer, tmp_path: Path) -> Iterator[MastodonConnector]:
    account = AccountContext(
        account_id=1,
        handle="alice",
        credentials={"access_token": DEFAULT_TOKEN},
        settings={"media_poll_interval": 0.01, "media_poll_timeout": 5},
        base_url=mastodon_server.url,
        data_dir=tmp_path,
    )
    with MastodonConnector(account, timeout=2.0) as connector:
        yield connector
