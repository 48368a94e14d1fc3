"""The runner with generic jobs (retries, giving up) and the `clairon worker` command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from clairon.cli.main import app
from clairon.config import get_settings
from clairon.domain import VariantStatus
from clairon.errors import Rejected, Transient
from clairon.services.context import Context
from clairon.store import jobs as job_repo
from clairon.store.tables import jobs
from clairon.worker import JobRegistry, JobRun, Payload, Retry
from clairon.worker.runner import Runner
from tests.factories import make_world
from tests.worker.conftest import Clock, schedule, variant


class Empty(Payload):
    pass


def flaky_registry(errors: list[Exception]) -> JobRegistry:
    reg = JobRegistry()

    @reg.register("flaky", version=1, payload=Empty)
    def flaky(ctx: Context, payload: Empty, run: JobRun) -> Retry | None:
        if errors:
            raise errors.pop(0)
        return None

    return reg


def job_row(ctx: Context) -> dict[str, object]:
    with ctx.store.transaction() as conn:
        return dict(conn.execute(select(jobs).where(jobs.c.name == "flaky")).mappings().one())


def enqueue(ctx: Context, max_attempts: int = 3) -> None:
    now = ctx.now()
    with ctx.store.transaction() as conn:
        job_repo.enqueue_job(conn, "flaky", {}, run_at=now, now=now, max_attempts=max_attempts)


def test_a_transient_error_is_retried_later_then_succeeds(tctx: Context, clock: Clock) -> None:
    reg = flaky_registry([Transient("503")])
    enqueue(tctx)
    runner = Runner(tctx, jobs=reg, periodic=False)
    runner.run_until_idle()
    row = job_row(tctx)
    assert row["status"] == "queued" and row["last_error"] == "503"
    clock.advance(10)
    runner.run_until_idle()
    runner.close()
    assert job_row(tctx)["status"] == "done"


def test_bugs_are_retried_until_max_attempts_then_dead(tctx: Context, clock: Clock) -> None:
    reg = flaky_registry([RuntimeError("bug")] * 5)
    enqueue(tctx, max_attempts=3)
    runner = Runner(tctx, jobs=reg, periodic=False)
    for _ in range(4):
        runner.run_until_idle()
        clock.advance(3600)
    runner.close()
    row = job_row(tctx)
    assert row["status"] == "dead" and row["attempts"] == 3
    assert "RuntimeError: bug" in str(row["last_error"])


def test_a_rejected_generic_job_is_dead_at_once(tctx: Context) -> None:
    reg = flaky_registry([Rejected("no such thing")])
    enqueue(tctx)
    runner = Runner(tctx, jobs=reg, periodic=False)
    runner.run_until_idle()
    runner.close()
    assert job_row(tctx)["status"] == "dead"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Path]:
    monkeypatch.setenv("CLAIRON_MODE", "test")
    monkeypatch.setenv("CLAIRON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLAIRON_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_clairon_worker_once_publishes_what_is_due(cli_env: Path) -> None:
    ctx = Context.from_settings(get_settings())
    world = make_world(ctx, "Cli", require_approval=False)
    ids = schedule(ctx, world, ["from the CLI", "twice"])
    result = CliRunner().invoke(app, ["worker", "--once", "--batch-size", "1", "--id", "cli"])
    assert result.exit_code == 0, result.output
    assert "stopped" in result.output
    assert [variant(ctx, i).status for i in ids] == [VariantStatus.published] * 2
    ctx.store.dispose()
