"""Alembic environment: runs on the connection handed over by ``clairon.store.db.migrate``."""

from __future__ import annotations

from alembic import context

from clairon.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through `alembic` CLI with a URL
    from clairon.config import get_settings
    from clairon.store.db import create_db_engine

    engine = create_db_engine(get_settings().resolved_database_url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
