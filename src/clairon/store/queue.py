"""The job queue seen from a worker: claim due jobs atomically and in batches, keep the lease
alive, and settle jobs (done / retry later / dead) in batches.

Claiming is one statement on both engines::

    UPDATE jobs SET status='running', locked_by=:me, locked_until=:lease, attempts=attempts+1
    WHERE id IN (SELECT id FROM jobs WHERE <due or lease expired>
                 ORDER BY run_at LIMIT :n FOR UPDATE SKIP LOCKED)
    RETURNING ...

On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers claim side by side without
waiting on each other; on SQLite the caller runs it inside ``BEGIN IMMEDIATE`` (the single
writer lock), where ``FOR UPDATE`` is not needed and not emitted.

A job whose lease (``locked_until``) has expired is claimable again: its worker died. Every
settling statement is fenced by ``locked_by``: a worker that lost its lease cannot overwrite
what the new owner does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update

from clairon.store.tables import jobs

__all__ = [
    "ClaimedJob",
    "JobRetry",
    "bury_jobs",
    "claim_due_jobs",
    "complete_jobs",
    "extend_leases",
    "next_run_at",
    "release_jobs",
    "retry_jobs",
]


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    name: str
    version: int
    payload: dict[str, Any]
    attempts: int  # including this one
    max_attempts: int
    run_at: datetime
    dedupe_key: str | None


@dataclass(frozen=True, slots=True)
class JobRetry:
    job_id: int
    run_at: datetime
    error: str
    reset_attempts: bool = False  # a periodic job or a rate limit is not a failed attempt


def claim_due_jobs(
    conn: Connection,
    *,
    worker_id: str,
    now: datetime,
    lease_until: datetime,
    limit: int,
) -> list[ClaimedJob]:
    """Claim up to ``limit`` due jobs (oldest first), including abandoned ``running`` ones."""
    due = or_(
        and_(jobs.c.status == "queued", jobs.c.run_at <= now),
        and_(jobs.c.status == "running", jobs.c.locked_until < now),
    )
    candidates = (
        select(jobs.c.id)
        .where(due)
        .order_by(jobs.c.run_at, jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(jobs)
        .where(jobs.c.id.in_(candidates.scalar_subquery()))
        .values(
            status="running",
            locked_by=worker_id,
            locked_until=lease_until,
            attempts=jobs.c.attempts + 1,
        )
        .returning(
            jobs.c.id,
            jobs.c.name,
            jobs.c.version,
            jobs.c.payload,
            jobs.c.attempts,
            jobs.c.max_attempts,
            jobs.c.run_at,
            jobs.c.dedupe_key,
        )
    )
    claimed = [
        ClaimedJob(
            id=int(r.id),
            name=r.name,
            version=int(r.version),
            payload=dict(r.payload or {}),
            attempts=int(r.attempts),
            max_attempts=int(r.max_attempts),
            run_at=r.run_at,
            dedupe_key=r.dedupe_key,
        )
        for r in conn.execute(stmt)
    ]
    claimed.sort(key=lambda j: (j.run_at, j.id))
    return claimed


def extend_leases(conn: Connection, worker_id: str, until: datetime) -> int:
    """Heartbeat: push the lease of every job this worker holds."""
    result = conn.execute(
        update(jobs)
        .where(jobs.c.locked_by == worker_id, jobs.c.status == "running")
        .values(locked_until=until)
    )
    return int(result.rowcount)


def complete_jobs(conn: Connection, worker_id: str, job_ids: Sequence[int], now: datetime) -> int:
    if not job_ids:
        return 0
    result = conn.execute(
        update(jobs)
        .where(
            jobs.c.id.in_(list(job_ids)),
            jobs.c.locked_by == worker_id,
            jobs.c.status == "running",
        )
        .values(status="done", finished_at=now, locked_by=None, locked_until=None, last_error=None)
    )
    return int(result.rowcount)


def retry_jobs(conn: Connection, worker_id: str, retries: Sequence[JobRetry]) -> int:
    """Put jobs back in the queue for a later attempt."""
    if not retries:
        return 0
    count = 0
    for reset in (False, True):
        rows = [
            {"b_id": r.job_id, "b_run_at": r.run_at, "b_error": r.error[:2000]}
            for r in retries
            if r.reset_attempts is reset
        ]
        if not rows:
            continue
        values: dict[str, Any] = {
            "status": "queued",
            "run_at": bindparam("b_run_at"),
            "last_error": bindparam("b_error"),
            "locked_by": None,
            "locked_until": None,
        }
        if reset:
            values["attempts"] = 0
        stmt = (
            update(jobs)
            .where(
                jobs.c.id == bindparam("b_id"),
                jobs.c.locked_by == worker_id,
                jobs.c.status == "running",
            )
            .values(**values)
        )
        count += int(conn.execute(stmt, rows).rowcount)
    return count


def bury_jobs(
    conn: Connection, worker_id: str, failures: Sequence[tuple[int, str]], now: datetime
) -> int:
    """Give up on jobs for good (``dead``), keeping the reason."""
    if not failures:
        return 0
    stmt = (
        update(jobs)
        .where(
            jobs.c.id == bindparam("b_id"),
            jobs.c.locked_by == worker_id,
            jobs.c.status == "running",
        )
        .values(
            status="dead",
            last_error=bindparam("b_error"),
            finished_at=now,
            locked_by=None,
            locked_until=None,
        )
    )
    rows = [{"b_id": job_id, "b_error": error[:2000]} for job_id, error in failures]
    return int(conn.execute(stmt, rows).rowcount)


def release_jobs(conn: Connection, worker_id: str, job_ids: Sequence[int]) -> int:
    """Hand claimed-but-unstarted jobs back (graceful stop); the attempt does not count."""
    if not job_ids:
        return 0
    result = conn.execute(
        update(jobs)
        .where(
            jobs.c.id.in_(list(job_ids)),
            jobs.c.locked_by == worker_id,
            jobs.c.status == "running",
        )
        .values(
            status="queued",
            locked_by=None,
            locked_until=None,
            attempts=jobs.c.attempts - 1,
        )
    )
    return int(result.rowcount)


def next_run_at(conn: Connection) -> datetime | None:
    """When the next queued job falls due (to sleep exactly until then)."""
    q = select(func.min(jobs.c.run_at)).where(jobs.c.status == "queued")
    value: datetime | None = conn.execute(q).scalar()  # typed by the column: UTC-aware
    return value
