"""API test helpers: a TestClient on the ``ctx`` fixture, users with tokens, row counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clairon.api import create_app
from clairon.domain import User
from clairon.services import users
from clairon.services.context import Context
from clairon.store.tables import metadata
from tests.factories import make_user


@dataclass
class Caller:
    """A user and the headers that authenticate them."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_caller(ctx: Context, name: str = "") -> Caller:
    user = make_user(ctx, name)
    return Caller(user, users.issue_api_token(ctx, user.id))


@pytest.fixture
def app(ctx: Context) -> FastAPI:
    return create_app(ctx=ctx)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def table_counts(ctx: Context) -> dict[str, int]:
    """Rows per table: proves that a refused request wrote nothing."""
    with ctx.store.engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
        }


def table_dump(ctx: Context) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order (token last-use times left out)."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with ctx.store.engine.connect() as conn:
        for t in metadata.sorted_tables:
            cols = [c for c in t.columns if c.name != "last_used_at"]
            rows = conn.execute(sa.select(*cols).order_by(*t.primary_key.columns)).all()
            out[t.name] = [tuple(r) for r in rows]
    return out
