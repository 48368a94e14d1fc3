"""Shared fixtures: settings in a temp dir, and a services Context on SQLite and, when
CLAIRON_TEST_POSTGRES_URL is set, on a real PostgreSQL (a private database per test session)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from clairon.config import Mode, Settings
from clairon.crypto import CredentialCipher
from clairon.services.context import Context
from clairon.store import Store
from clairon.store.db import normalise_url
from clairon.store.tables import metadata

POSTGRES_URL = os.environ.get("CLAIRON_TEST_POSTGRES_URL", "")

DB_PARAMS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"mode": Mode.test, "data_dir": tmp_path / "data"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A fresh database on the test server for this session, dropped at the end."""
    if not POSTGRES_URL:
        pytest.fail("CLAIRON_TEST_POSTGRES_URL is not set")
    admin = sa.create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"clairon_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(normalise_url(POSTGRES_URL)).set(database=name)
    store = Store.from_url(url.render_as_string(hide_password=False))
    store.dispose()
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate_all(store: Store) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=DB_PARAMS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_database_url")
        store = Store.from_url(url, create=False)
        _truncate_all(store)
        store.dispose()
        return url
    return f"sqlite:///{(tmp_path / 'clairon.db').as_posix()}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    store = Store.from_url(settings.resolved_database_url)
    context = Context(settings=settings, store=store,
                      cipher=CredentialCipher(settings.encryption_key_list))
    yield context
    context.close()
