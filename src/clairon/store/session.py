"""The :class:`Store`: an engine plus transactions. Services open one transaction per use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from clairon.store.db import create_db_engine, has_schema, is_postgres, is_sqlite, migrate

__all__ = ["Store", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, *, create: bool = True, pool: bool = True) -> Store:
        store = cls(create_db_engine(url, pool=pool))
        if create:
            store.migrate()
        return store

    def migrate(self) -> None:
        migrate(self.engine)

    @property
    def has_schema(self) -> bool:
        return has_schema(self.engine)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @property
    def is_postgres(self) -> bool:
        return is_postgres(self.engine)

    @contextmanager
    def transaction(self, *, write_lock: bool = False) -> Iterator[Connection]:
        """One atomic unit of work. ``write_lock`` takes SQLite's write lock at BEGIN
        (``BEGIN IMMEDIATE``), so a read-then-write cannot be raced by another process."""
        conn = self.engine.connect()
        if write_lock and self.is_sqlite:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            with conn.begin():
                yield conn
        finally:
            conn.close()

    def dispose(self) -> None:
        self.engine.dispose()
