"""The job queue table: enqueue (idempotent by dedupe key) and cancel.

Claiming, completion and retries live with the runner (``clairon.worker``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clairon.store.tables import jobs

__all__ = ["cancel_job", "enqueue_job", "job_by_key"]


def enqueue_job(
    conn: Connection,
    name: str,
    payload: dict[str, Any],
    *,
    run_at: datetime,
    now: datetime,
    version: int = 1,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> int:
    """Queue a job. With ``dedupe_key``, an existing job with that key is re-armed instead of
    duplicated (unless it is running right now, in which case it is left alone)."""
    if dedupe_key is not None:
        row = conn.execute(
            select(jobs.c.id, jobs.c.status).where(jobs.c.dedupe_key == dedupe_key)
        ).first()
        if row is not None:
            if row.status != "running":
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == row.id)
                    .values(
                        name=name,
                        version=version,
                        payload=payload,
                        status="queued",
                        run_at=run_at,
                        attempts=0,
                        max_attempts=max_attempts,
                        locked_by=None,
                        locked_until=None,
                        last_error=None,
                        finished_at=None,
                    )
                )
            return int(row.id)
    result = conn.execute(
        insert(jobs).values(
            name=name,
            version=version,
            payload=payload,
            status="queued",
            run_at=run_at,
            attempts=0,
            max_attempts=max_attempts,
            dedupe_key=dedupe_key,
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def cancel_job(conn: Connection, dedupe_key: str, now: datetime) -> bool:
    result = conn.execute(
        update(jobs)
        .where(jobs.c.dedupe_key == dedupe_key, jobs.c.status == "queued")
        .values(status="cancelled", finished_at=now)
    )
    return bool(result.rowcount)


def job_by_key(conn: Connection, dedupe_key: str) -> dict[str, Any] | None:
    row = conn.execute(select(jobs).where(jobs.c.dedupe_key == dedupe_key)).mappings().first()
    return dict(row) if row else None
