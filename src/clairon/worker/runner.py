"""The in-process runner: the embedded default engine for the registered jobs.

Loop: claim up to ``batch_size`` due jobs in one transaction (see :mod:`clairon.store.queue`),
run them (jobs with a batch implementation, like publishing, get the whole group at once),
settle them in one transaction, repeat; when nothing is due, sleep until the next job falls
due (at most ``poll_seconds``). A heartbeat thread keeps the lease of claimed jobs alive, so
only the jobs of a worker that really died are claimed again by others.

Several runners (threads, processes, machines sharing one PostgreSQL) can run side by side;
publishing's compare-and-set transitions make sure a variant is never sent twice.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx

from clairon.errors import ClaironError
from clairon.services.accounts import build_connector
from clairon.services.connector_cache import ConnectorCache
from clairon.services.context import Context
from clairon.services.publishing import ConnectorFactory
from clairon.store import jobs as job_repo
from clairon.store import queue
from clairon.store.queue import ClaimedJob, JobRetry
from clairon.worker import jobs as builtin_jobs
from clairon.worker.registry import JobRegistry, JobRun, JobSpec, Retry, default_registry
from clairon.worker.retry import DEFAULT_POLICY, RetryPolicy, Verdict

__all__ = ["Runner", "RunnerStats", "start_background_worker"]

log = logging.getLogger(__name__)

GATHER_SECONDS = 0.05


@dataclass
class RunnerStats:
    batches: int = 0
    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0
    busy_seconds: float = 0.0  # time spent claiming, running and settling (not sleeping)


@dataclass
class _Settlement:
    done: list[int]
    retries: list[JobRetry]
    dead: list[tuple[int, str]]


class Runner:
    """Run due jobs from the store until :meth:`stop` (or until idle)."""

    def __init__(
        self,
        ctx: Context,
        *,
        jobs: JobRegistry = default_registry,
        worker_id: str | None = None,
        batch_size: int | None = None,
        concurrency: int = 1,
        connector_factory: ConnectorFactory | None = None,
        poll_seconds: float | None = None,
        lease_seconds: float | None = None,
        periodic: bool = True,
        policy: RetryPolicy = DEFAULT_POLICY,
        rng: random.Random | None = None,
    ) -> None:
        settings = ctx.settings
        label = worker_id or socket.gethostname()
        # Unique per process even when two workers are given the same name.
        self.worker_id = f"{label}:{os.getpid()}:{secrets.token_hex(3)}"
        self.jobs = jobs
        self.batch_size = max(1, batch_size or settings.worker_batch_size)
        self.concurrency = max(1, concurrency)
        self.poll_seconds = (
            poll_seconds if poll_seconds is not None else settings.worker_poll_seconds
        )
        self.lease = timedelta(seconds=lease_seconds or settings.worker_lease_seconds)
        self.periodic = periodic
        self.policy = policy
        self.rng = rng or random.Random()
        self.stats = RunnerStats()
        self._stop = threading.Event()
        self._executor = (
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="clairon-publish")
            if self.concurrency > 1
            else None
        )
        self._http: httpx.Client | None = None
        http_factory = ctx.http_factory
        if http_factory is None:
            # One pooled HTTP client for the process instead of one per connector.
            self._http = httpx.Client(timeout=settings.http_timeout_seconds)
            shared = self._http

            def http_factory() -> httpx.Client:
                return shared

        extras: dict[str, object] = dict(ctx.extras)
        extras["executor"] = self._executor
        extras["concurrency"] = self.concurrency
        if connector_factory is not None:
            extras["connector_factory"] = connector_factory
        self.connectors = ConnectorCache(connector_factory or build_connector)
        extras["connector_cache"] = self.connectors
        self.ctx = replace(ctx, extras=extras, http_factory=http_factory)

    # --- control ---

    def stop(self) -> None:
        """Finish the current batch, then return from :meth:`run`."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self.connectors.close()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        if self._http is not None:
            self._http.close()

    def run(self, *, until_idle: bool = False) -> RunnerStats:
        """Run until :meth:`stop` is called (or, with ``until_idle``, until nothing is due)."""
        done = threading.Event()
        heartbeat = threading.Thread(
            target=self._heartbeat, args=(done,), name="clairon-lease", daemon=True
        )
        heartbeat.start()
        try:
            if self.periodic:
                self.ensure_periodic_jobs()
            while not self._stop.is_set():
                if self.run_once():
                    continue
                if until_idle:
                    break
                self._stop.wait(self._idle_wait())
        finally:
            done.set()
            heartbeat.join(timeout=5)
        return self.stats

    def run_until_idle(self) -> RunnerStats:
        return self.run(until_idle=True)

    def ensure_periodic_jobs(self) -> None:
        now = self.ctx.now()
        with self.ctx.store.transaction(write_lock=True) as conn:
            for name, payload in builtin_jobs.PERIODIC_JOBS.items():
                job_repo.ensure_job(
                    conn,
                    name,
                    self.jobs.payload_json(name, 1, payload),
                    dedupe_key=f"periodic:{name}",
                    run_at=now,
                    now=now,
                )

    # --- one batch ---

    def run_once(self) -> int:
        """Claim one batch of due jobs and run it; returns how many jobs were claimed."""
        started = time.perf_counter()
        now = self.ctx.now()
        with self.ctx.store.transaction(write_lock=True) as conn:
            claimed = queue.claim_due_jobs(
                conn,
                worker_id=self.worker_id,
                now=now,
                lease_until=now + self.lease,
                limit=self.batch_size,
            )
        if claimed:
            settlement = self._execute(claimed)
            self._settle(settlement)
            self.stats.batches += 1
            self.stats.claimed += len(claimed)
        self.stats.busy_seconds += time.perf_counter() - started
        return len(claimed)

    def _execute(self, claimed: Sequence[ClaimedJob]) -> _Settlement:
        out = _Settlement([], [], [])
        groups: dict[tuple[str, int], list[ClaimedJob]] = {}
        for job in claimed:
            groups.setdefault((job.name, job.version), []).append(job)
        for (name, version), group in groups.items():
            try:
                spec = self.jobs.get(name, version)
            except ClaironError as exc:
                out.dead += [(j.id, str(exc)) for j in group]
                continue
            ready: list[tuple[ClaimedJob, Any]] = []
            for j in group:
                try:
                    ready.append((j, spec.parse(j.payload)))
                except ClaironError as exc:
                    out.dead.append((j.id, f"bad payload: {exc}"))
            if ready:
                self._run_group(spec, ready, out)
        return out

    def _run_group(
        self, spec: JobSpec[Any], ready: Sequence[tuple[ClaimedJob, Any]], out: _Settlement
    ) -> None:
        runs = [(p, JobRun(j.id, j.attempts, j.max_attempts)) for j, p in ready]
        if spec.batch is not None:
            try:
                results = spec.batch(self.ctx, runs)
            except Exception as exc:
                log.exception("batch of %d %s jobs failed", len(ready), spec.name)
                for j, _ in ready:
                    self._on_error(j, exc, out)
                return
            for (j, _), result in zip(ready, results, strict=True):
                self._on_result(j, result, out)
            return
        for (j, payload), (_, run) in zip(ready, runs, strict=True):
            try:
                result = spec.function(self.ctx, payload, run)
            except Exception as exc:
                log.warning("job %s #%s failed: %s", spec.name, j.id, exc)
                self._on_error(j, exc, out)
            else:
                self._on_result(j, result, out)

    def _on_result(self, job: ClaimedJob, result: Retry | None, out: _Settlement) -> None:
        if result is None:
            out.done.append(job.id)
        elif result.counts and job.attempts >= job.max_attempts:
            out.dead.append((job.id, f"gave up after {job.attempts} attempts: {result.reason}"))
        else:
            run_at = self.ctx.now() + timedelta(seconds=max(0.0, result.delay))
            out.retries.append(JobRetry(job.id, run_at, result.reason, not result.counts))

    def _on_error(self, job: ClaimedJob, exc: Exception, out: _Settlement) -> None:
        decision = self.policy.decide(exc, job.attempts, job.max_attempts, self.rng)
        if decision.verdict == Verdict.retry:
            run_at = self.ctx.now() + timedelta(seconds=decision.delay)
            out.retries.append(JobRetry(job.id, run_at, str(exc), not decision.counts))
        else:
            out.dead.append((job.id, f"{type(exc).__name__}: {exc}"))

    def _settle(self, s: _Settlement) -> None:
        now = self.ctx.now()
        with self.ctx.store.transaction(write_lock=True) as conn:
            queue.complete_jobs(conn, self.worker_id, s.done, now)
            queue.retry_jobs(conn, self.worker_id, s.retries)
            queue.bury_jobs(conn, self.worker_id, s.dead, now)
        self.stats.done += len(s.done)
        self.stats.retried += len(s.retries)
        self.stats.dead += len(s.dead)

    # --- waiting and the lease ---

    def _idle_wait(self) -> float:
        with self.ctx.store.transaction() as conn:
            upcoming = queue.next_run_at(conn)
        if upcoming is None:
            return self.poll_seconds
        wait = (upcoming - self.ctx.now()).total_seconds()
        # Waking at most every GATHER seconds lets jobs due close together share one batch
        # (four transactions) instead of one batch each, at a cost of < GATHER of lateness.
        return min(self.poll_seconds, max(GATHER_SECONDS, wait))

    def _heartbeat(self, done: threading.Event) -> None:
        every = max(0.2, self.lease.total_seconds() / 3)
        while not done.wait(every):
            self._beat()

    def _beat(self) -> None:
        try:
            with self.ctx.store.transaction(write_lock=True) as conn:
                queue.extend_leases(conn, self.worker_id, self.ctx.now() + self.lease)
        except Exception:  # the next beat tries again; the lease has 3 beats of slack
            log.exception("lease heartbeat failed")


def start_background_worker(
    ctx: Context, stop: threading.Event, *, concurrency: int = 4
) -> threading.Thread:
    """Run a :class:`Runner` in a daemon thread of this process (``clairon serve``/``demo``
    on the embedded default) until ``stop`` is set."""
    runner = Runner(ctx, concurrency=concurrency, worker_id="in-process")

    def watch() -> None:
        stop.wait()
        runner.stop()

    def work() -> None:
        try:
            runner.run()
        finally:
            runner.close()

    threading.Thread(target=watch, name="clairon-worker-stop", daemon=True).start()
    thread = threading.Thread(target=work, name="clairon-worker", daemon=True)
    thread.start()
    return thread
