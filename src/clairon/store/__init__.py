"""Persistence: the only package that writes SQL."""

from clairon.store.db import create_db_engine, migrate
from clairon.store.session import Store

__all__ = ["Store", "create_db_engine", "migrate"]
