"""Claiming jobs: atomic batches, no job handed to two live workers, abandoned leases."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from clairon.services.context import Context
from clairon.store import jobs as job_repo
from clairon.store import queue
from clairon.store.queue import JobRetry
from clairon.store.tables import jobs


def enqueue(ctx: Context, n: int, *, delay: float = 0.0) -> list[int]:
    now = ctx.now()
    with ctx.store.transaction() as conn:
        return [
            job_repo.enqueue_job(
                conn, "noop", {"i": i}, run_at=now + timedelta(seconds=delay), now=now
            )
            for i in range(n)
        ]


def claim(ctx: Context, worker: str, limit: int, lease: float = 60.0) -> list[int]:
    now = ctx.now()
    with ctx.store.transaction(write_lock=True) as conn:
        got = queue.claim_due_jobs(
            conn,
            worker_id=worker,
            now=now,
            lease_until=now + timedelta(seconds=lease),
            limit=limit,
        )
    return [j.id for j in got]


def status(ctx: Context) -> dict[int, tuple[str, str | None, int]]:
    with ctx.store.transaction() as conn:
        return {
            r.id: (r.status, r.locked_by, r.attempts)
            for r in conn.execute(
                select(jobs.c.id, jobs.c.status, jobs.c.locked_by, jobs.c.attempts)
            )
        }


def test_claims_due_jobs_in_batches_oldest_first(ctx: Context) -> None:
    due = enqueue(ctx, 5)
    enqueue(ctx, 3, delay=3600)
    first = claim(ctx, "w1", 3)
    second = claim(ctx, "w2", 3)
    assert first == due[:3] and second == due[3:]
    assert claim(ctx, "w3", 10) == []
    states = status(ctx)
    assert all(states[i] == ("running", "w1", 1) for i in first)


def test_concurrent_claimers_never_share_a_job(ctx: Context) -> None:
    ids = enqueue(ctx, 300)
    got: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while batch := claim(ctx, name, 7):
            mine += batch
        got[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for batch in got.values() for i in batch]
    assert sorted(every) == sorted(ids)  # each job claimed exactly once
    assert len(set(every)) == len(every)


def test_expired_lease_is_reclaimed_and_the_old_owner_is_fenced_off(ctx: Context) -> None:
    [job_id] = enqueue(ctx, 1)
    assert claim(ctx, "dead", 1, lease=-1) == [job_id]  # lease already over: the worker died
    assert claim(ctx, "alive", 1) == [job_id]
    assert status(ctx)[job_id] == ("running", "alive", 2)
    now = ctx.now()
    with ctx.store.transaction() as conn:
        assert queue.complete_jobs(conn, "dead", [job_id], now) == 0
        assert queue.retry_jobs(conn, "dead", [JobRetry(job_id, now, "late")]) == 0
        assert queue.bury_jobs(conn, "dead", [(job_id, "late")], now) == 0
        assert queue.complete_jobs(conn, "alive", [job_id], now) == 1
    assert status(ctx)[job_id][0] == "done"


def test_heartbeat_keeps_a_live_lease(ctx: Context) -> None:
    enqueue(ctx, 1)
    claim(ctx, "w1", 1, lease=0.5)
    with ctx.store.transaction() as conn:
        assert queue.extend_leases(conn, "w1", ctx.now() + timedelta(minutes=5)) == 1
    assert claim(ctx, "w2", 1) == []


def test_retry_and_release_put_jobs_back(ctx: Context) -> None:
    a, b, c = enqueue(ctx, 3)
    claim(ctx, "w", 3)
    now = ctx.now()
    with ctx.store.transaction() as conn:
        queue.retry_jobs(
            conn,
            "w",
            [JobRetry(a, now + timedelta(hours=1), "503"), JobRetry(b, now, "429", True)],
        )
        queue.release_jobs(conn, "w", [c])
        assert queue.next_run_at(conn) is not None
    states = status(ctx)
    assert states[a] == ("queued", None, 1)
    assert states[b] == ("queued", None, 0)  # a planned re-run does not count
    assert states[c] == ("queued", None, 0)
    assert sorted(claim(ctx, "w", 10)) == [b, c]
