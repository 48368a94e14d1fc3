"""The job registry: names, versioned payloads validated per (name, version)."""

from __future__ import annotations

import pytest

from clairon.errors import NotFound, ValidationFailed
from clairon.services.context import Context
from clairon.store import jobs as job_repo
from clairon.worker import PUBLISH_VARIANT, JobRegistry, JobRun, Payload, Retry, default_registry
from clairon.worker.runner import Runner


class GreetV1(Payload):
    name: str


class GreetV2(Payload):
    first: str
    last: str


def make_registry(seen: list[str]) -> JobRegistry:
    reg = JobRegistry()

    @reg.register("greet", version=1, payload=GreetV1)
    def greet_v1(ctx: Context, p: GreetV1, run: JobRun) -> Retry | None:
        seen.append(f"v1 {p.name} attempt {run.attempt}")
        return None

    @reg.register("greet", version=2, payload=GreetV2)
    def greet_v2(ctx: Context, p: GreetV2, run: JobRun) -> Retry | None:
        seen.append(f"v2 {p.first} {p.last}")
        return None

    return reg


def test_versions_are_distinct_jobs_with_their_own_payload(ctx: Context) -> None:
    seen: list[str] = []
    reg = make_registry(seen)
    reg.run(ctx, "greet", 1, {"name": "Ada"})
    reg.run(ctx, "greet", 2, {"first": "Ada", "last": "Lovelace"}, JobRun(attempt=3))
    assert seen == ["v1 Ada attempt 1", "v2 Ada Lovelace"]
    assert reg.names() == [("greet", 1), ("greet", 2)]


def test_bad_payloads_are_refused_with_field_paths(ctx: Context) -> None:
    reg = make_registry([])
    with pytest.raises(ValidationFailed) as caught:
        reg.run(ctx, "greet", 2, {"first": "Ada"})
    assert [p.location for p in caught.value.problems] == ["last"]
    with pytest.raises(ValidationFailed, match="Extra inputs"):
        reg.run(ctx, "greet", 1, {"name": "Ada", "unexpected": 1})
    with pytest.raises(NotFound, match="version 3"):
        reg.get("greet", 3)


def test_registering_the_same_name_and_version_twice_is_an_error() -> None:
    reg = make_registry([])
    with pytest.raises(ValueError, match="already registered"):

        @reg.register("greet", version=1, payload=GreetV1)
        def other(ctx: Context, p: GreetV1, run: JobRun) -> None:
            return None


def test_builtin_jobs_are_registered() -> None:
    names = set(default_registry.names())
    assert {
        (PUBLISH_VARIANT, 1),
        ("reconcile_variant", 1),
        ("refresh_tokens", 1),
        ("poll_comments", 1),
    } <= names
    assert default_registry.get(PUBLISH_VARIANT, 1).batch is not None


def test_runner_buries_unknown_jobs_and_bad_payloads(ctx: Context) -> None:
    seen: list[str] = []
    reg = make_registry(seen)
    now = ctx.now()
    with ctx.store.transaction() as conn:
        good = job_repo.enqueue_job(conn, "greet", {"name": "Ada"}, run_at=now, now=now)
        bad = job_repo.enqueue_job(conn, "greet", {"nom": "Ada"}, run_at=now, now=now)
        unknown = job_repo.enqueue_job(conn, "greet", {}, run_at=now, now=now, version=9)
    runner = Runner(ctx, jobs=reg, periodic=False)
    runner.run_until_idle()
    runner.close()
    assert seen == ["v1 Ada attempt 1"]
    with ctx.store.transaction() as conn:
        from sqlalchemy import select

        from clairon.store.tables import jobs

        rows = {r.id: r for r in conn.execute(select(jobs))}
    assert rows[good].status == "done"
    assert rows[bad].status == "dead" and "bad payload" in rows[bad].last_error
    assert rows[unknown].status == "dead" and "version 9" in rows[unknown].last_error
