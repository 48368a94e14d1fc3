"""The job queue table: enqueue (idempotent by dedupe key), bulk enqueue, cancel, look up.

Claiming, completion and retries (what a worker does) are in :mod:`clairon.store.queue`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from clairon.store.tables import jobs

__all__ = [
    "cancel_job",
    "count_jobs_by_status",
    "enqueue_job",
    "enqueue_jobs_bulk",
    "ensure_job",
    "job_by_key",
]


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


def enqueue_jobs_bulk(
    conn: Connection,
    name: str,
    items: Sequence[tuple[dict[str, Any], datetime, str | None]],
    *,
    now: datetime,
    version: int = 1,
    max_attempts: int = 8,
) -> None:
    """Insert many new jobs at once: ``(payload, run_at, dedupe_key)`` each. The keys must
    not exist yet (bulk scheduling of fresh variants, benchmarks)."""
    if not items:
        return
    conn.execute(
        insert(jobs),
        [
            {
                "name": name,
                "version": version,
                "payload": payload,
                "status": "queued",
                "run_at": run_at,
                "attempts": 0,
                "max_attempts": max_attempts,
                "dedupe_key": key,
                "created_at": now,
            }
            for payload, run_at, key in items
        ],
    )


def ensure_job(
    conn: Connection,
    name: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str,
    run_at: datetime,
    now: datetime,
    version: int = 1,
) -> bool:
    """Make sure a job with this key is waiting or running (periodic jobs); a finished one
    is re-armed, a waiting one is left at its time. Returns whether anything changed."""
    row = conn.execute(select(jobs.c.status).where(jobs.c.dedupe_key == dedupe_key)).first()
    if row is not None and row.status in ("queued", "running"):
        return False
    enqueue_job(conn, name, payload, run_at=run_at, now=now, version=version, dedupe_key=dedupe_key)
    return True


def count_jobs_by_status(conn: Connection, name: str | None = None) -> dict[str, int]:
    q = select(jobs.c.status, func.count()).group_by(jobs.c.status)
    if name is not None:
        q = q.where(jobs.c.name == name)
    return {str(status): int(n) for status, n in conn.execute(q)}
