"""Publishing outcomes for every network error class, through the runner and the store."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from clairon.domain import AccountStatus, VariantStatus
from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.services import accounts, publishing, scheduling
from clairon.services.context import Context
from clairon.store import accounts as account_repo
from clairon.store import audit as audit_repo
from clairon.store import queue
from clairon.worker.runner import Runner
from tests.factories import World
from tests.worker.conftest import LOST, Clock, Script, job, schedule, statuses, variant


def run(ctx: Context, script: Script, **kw: object) -> Runner:
    runner = Runner(ctx, connector_factory=script.factory, periodic=False, **kw)  # type: ignore[arg-type]
    runner.run_until_idle()
    runner.close()
    return runner


def outbox_files(ctx: Context) -> list[str]:
    root = ctx.settings.data_dir / "outbox"
    return sorted(p.name for p in root.rglob("*.json"))


def test_published_with_network_id_url_and_audit(tctx: Context, world: World) -> None:
    ids = schedule(tctx, world, ["Bonjour", "Hello"])
    script = Script()
    run(tctx, script)
    for vid in ids:
        v = variant(tctx, vid)
        assert v.status == VariantStatus.published
        assert v.network_post_id == f"clairon-v{vid}-1"
        assert v.network_url and v.network_url.startswith("file://")
        assert v.published_at is not None
        assert job(tctx, scheduling.publish_job_key(vid))["status"] == "done"
    assert sorted(script.calls) == [f"clairon-v{i}-1" for i in ids]
    with tctx.store.transaction() as conn:
        events = audit_repo.list_events(conn, world.workspace.id, object_type="variant")
    moves = [(e.action, e.actor_id) for e in events if e.object_id == str(ids[0])]
    assert ("variant.publishing", None) in moves and ("variant.published", None) in moves


def test_rejected_fails_in_plain_words_without_retry(tctx: Context, world: World) -> None:
    [vid] = schedule(tctx, world, ["Too spicy"])
    script = Script([Rejected("Validation failed: Text character limit of 500 exceeded")])
    run(tctx, script)
    v = variant(tctx, vid)
    assert v.status == VariantStatus.failed
    assert (
        v.error == "the network refused it: Validation failed: Text character limit of 500 exceeded"
    )
    assert len(script.calls) == 1
    assert job(tctx, scheduling.publish_job_key(vid))["status"] == "done"


def test_transient_retries_with_backoff_then_publishes(
    tctx: Context, world: World, clock: Clock
) -> None:
    [vid] = schedule(tctx, world, ["Flaky"])
    script = Script([Transient("502 Bad Gateway"), Transient("connection refused")])
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.scheduled
    first = job(tctx, scheduling.publish_job_key(vid))
    assert first["status"] == "queued" and first["attempts"] == 1
    assert 1.0 <= (first["run_at"] - clock.now).total_seconds() <= 2.0  # base 2 s, jitter 50 %
    clock.advance(2.1)
    run(tctx, script)
    second = job(tctx, scheduling.publish_job_key(vid))
    assert second["attempts"] == 2
    assert 2.0 <= (second["run_at"] - clock.now).total_seconds() <= 4.0
    clock.advance(4.1)
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.published
    assert len(script.calls) == 3
    assert len(outbox_files(tctx)) == 1


def test_transient_gives_up_after_max_attempts(tctx: Context, world: World, clock: Clock) -> None:
    [vid] = schedule(tctx, world, ["Always down"])
    script = Script([Transient("503")] * 20)
    for _ in range(tctx.settings.worker_max_attempts):
        run(tctx, script)
        clock.advance(3600)
    v = variant(tctx, vid)
    assert v.status == VariantStatus.failed
    assert v.error is not None and v.error.startswith(
        f"gave up after {tctx.settings.worker_max_attempts} attempts"
    )
    assert len(script.calls) == tctx.settings.worker_max_attempts
    assert job(tctx, scheduling.publish_job_key(vid))["status"] == "done"


def test_rate_limited_waits_retry_after_and_spares_the_rest_of_the_batch(
    tctx: Context, world: World, clock: Clock
) -> None:
    ids = schedule(tctx, world, ["one", "two", "three"])
    script = Script([RateLimited("slow down", retry_after=120)])
    run(tctx, script)
    assert statuses(tctx, ids) == [VariantStatus.scheduled] * 3
    assert len(script.calls) == 1  # the others of the same account were not sent
    for vid in ids:
        row = job(tctx, scheduling.publish_job_key(vid))
        wait = (row["run_at"] - clock.now).total_seconds()
        assert 120 <= wait <= 132
        assert row["attempts"] == 0  # a rate limit is not a failed attempt
    clock.advance(133)
    run(tctx, script)
    assert statuses(tctx, ids) == [VariantStatus.published] * 3


def test_auth_expired_refreshes_merges_credentials_and_retries_once(
    tctx: Context, world: World
) -> None:
    acc = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "refreshable",
        credentials={"access_token": "old", "refresh_token": "keep-me"},
    )
    [vid] = schedule(tctx, world, ["Needs a fresh token"], account_id=acc.id)
    script = Script([AuthExpired("401 token expired")], refresh={"access_token": "new"})
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.published
    assert script.refreshes == 1
    assert script.tokens_seen == ["old", "new"]
    with tctx.store.transaction() as conn:
        token = account_repo.encrypted_credentials(conn, acc.id)
        assert token is not None
        assert tctx.cipher.decrypt(token) == {"access_token": "new", "refresh_token": "keep-me"}


def test_auth_expired_without_refresh_marks_reconnect_needed(tctx: Context, world: World) -> None:
    ids = schedule(tctx, world, ["first", "second"])
    script = Script([AuthExpired("401 The access token was revoked")])
    run(tctx, script)
    assert statuses(tctx, ids) == [VariantStatus.failed] * 2
    assert len(script.calls) == 1  # the second was not sent with a dead token
    error = variant(tctx, ids[0]).error or ""
    assert "needs reconnecting" in error and "revoked" in error
    with tctx.store.transaction() as conn:
        acc = account_repo.get_account(conn, world.outbox.id)
    assert acc is not None and acc.status == AccountStatus.reconnect_needed
    # A variant of that account scheduled later fails without any network call.
    [later] = schedule(tctx, world, ["third"])
    run(tctx, script)
    assert variant(tctx, later).status == VariantStatus.failed
    assert len(script.calls) == 1


def test_refresh_refused_fails_and_marks_reconnect_needed(tctx: Context, world: World) -> None:
    acc = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "refused",
        credentials={"access_token": "old", "refresh_token": "r"},
    )
    [vid] = schedule(tctx, world, ["x"], account_id=acc.id)
    script = Script([AuthExpired("401")], refresh=AuthExpired("invalid_grant"))
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.failed
    with tctx.store.transaction() as conn:
        stored = account_repo.get_account(conn, acc.id)
        token = account_repo.encrypted_credentials(conn, acc.id)
    assert stored is not None and stored.status == AccountStatus.reconnect_needed
    assert token is not None and tctx.cipher.decrypt(token)["refresh_token"] == "r"


def test_unknown_outcome_is_never_resent_and_reconciles_to_published(
    tctx: Context, world: World, clock: Clock
) -> None:
    [vid] = schedule(tctx, world, ["Did it go out?"])
    script = Script([LOST])
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.unconfirmed
    reconcile = job(tctx, publishing.reconcile_job_key(vid))
    assert reconcile["status"] == "queued"
    assert job(tctx, scheduling.publish_job_key(vid))["status"] == "done"
    clock.advance(publishing.RECONCILE_DELAY + 1)
    run(tctx, script)
    v = variant(tctx, vid)
    assert v.status == VariantStatus.published and v.network_post_id == f"clairon-v{vid}-1"
    assert len(script.calls) == 1  # never sent twice
    assert len(outbox_files(tctx)) == 1


def test_unknown_outcome_proved_absent_is_sent_again(
    tctx: Context, world: World, clock: Clock
) -> None:
    [vid] = schedule(tctx, world, ["Lost before arrival"])
    script = Script([UnknownOutcome("timeout before the server acted")])
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.unconfirmed
    clock.advance(publishing.RECONCILE_DELAY + 1)
    run(tctx, script)  # reconcile: absent -> scheduled, publish job re-armed and run
    assert variant(tctx, vid).status == VariantStatus.published
    assert len(script.calls) == 2
    assert len(outbox_files(tctx)) == 1


def test_reconcile_that_cannot_answer_tries_later(
    tctx: Context, world: World, clock: Clock
) -> None:
    [vid] = schedule(tctx, world, ["?"])
    script = Script([LOST], reconcile_error=Transient("instance down"))
    run(tctx, script)
    clock.advance(publishing.RECONCILE_DELAY + 1)
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.unconfirmed
    row = job(tctx, publishing.reconcile_job_key(vid))
    assert row["status"] == "queued" and row["run_at"] > clock.now
    script.reconcile_error = None
    clock.advance(600)
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.published
    assert len(script.calls) == 1


def test_a_bug_in_a_connector_is_treated_as_unknown_outcome(tctx: Context, world: World) -> None:
    [vid] = schedule(tctx, world, ["boom"])
    run(tctx, Script([KeyError("oops")]))
    assert variant(tctx, vid).status == VariantStatus.unconfirmed


def test_worker_died_mid_publish_is_not_sent_again(
    tctx: Context, world: World, clock: Clock
) -> None:
    """A variant left 'publishing' with its job's lease expired: the next worker must not
    publish it blindly; it reconciles instead (found -> published)."""
    [vid] = schedule(tctx, world, ["Sent by a worker that then died"])
    with tctx.store.transaction(write_lock=True) as conn:
        [claimed] = queue.claim_due_jobs(
            conn, worker_id="dead", now=clock.now, lease_until=clock.now, limit=10
        )
    dead_script = Script()
    with pytest.raises(_Died):
        publishing.publish_variant(
            tctx, vid, connector_factory=lambda c, a: _stop_after_send(dead_script, c, a)
        )
    assert variant(tctx, vid).status == VariantStatus.publishing
    clock.advance(1)  # the dead worker's lease has expired
    script = Script()
    run(tctx, script)
    assert variant(tctx, vid).status == VariantStatus.published
    assert script.calls == []  # the new worker never called publish
    assert len(outbox_files(tctx)) == 1
    assert claimed.id == job(tctx, scheduling.publish_job_key(vid))["id"]


class _Died(BaseException):
    pass


def _stop_after_send(script: Script, ctx: Context, account: object) -> object:
    connector = script.factory(ctx, account)  # type: ignore[arg-type]
    original = connector.publish

    def publish_then_die(request):  # type: ignore[no-untyped-def]
        original(request)
        raise _Died  # the process "dies" before recording anything

    connector.publish = publish_then_die  # type: ignore[method-assign]
    return connector


def test_cancelled_and_rescheduled_variants_are_not_published(
    tctx: Context, world: World, clock: Clock
) -> None:
    cancelled, moved = schedule(tctx, world, ["cancel me", "move me"])
    scheduling.cancel_variant(tctx, world.actor, cancelled)
    with tctx.store.transaction() as conn:  # moved later after the job was armed
        from clairon.store import posts as post_repo

        post_repo.update_variant(conn, moved, scheduled_at=clock.now + timedelta(hours=1))
    script = Script()
    run(tctx, script)
    assert variant(tctx, cancelled).status == VariantStatus.approved
    assert variant(tctx, moved).status == VariantStatus.scheduled
    assert script.calls == []
    row = job(tctx, scheduling.publish_job_key(moved))
    assert row["status"] == "queued"
    assert abs((row["run_at"] - (clock.now + timedelta(hours=1))).total_seconds()) < 1


def test_validate_problems_fail_before_sending(tctx: Context, world: World) -> None:
    acc = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "short",
        settings={"max_length": 10},
    )
    [vid] = schedule(tctx, world, ["short"], account_id=acc.id)
    from clairon.store import posts as post_repo

    with tctx.store.transaction() as conn:
        post_repo.update_variant(conn, vid, text="this text is now far too long")
    script = Script()
    run(tctx, script)
    v = variant(tctx, vid)
    assert v.status == VariantStatus.failed
    assert v.error is not None and "over outbox's limit of 10" in v.error
    assert script.calls == []


def test_outbox_record_names_the_variant(tctx: Context, world: World) -> None:
    [vid] = schedule(tctx, world, ["Recorded"])
    run(tctx, Script())
    log = (tctx.settings.data_dir / "outbox" / "published.log").read_text().splitlines()
    assert [json.loads(line)["variant_id"] for line in log] == [vid]


def test_a_long_running_worker_picks_up_new_credentials(tctx: Context, world: World) -> None:
    """Connectors are reused between batches, but never with stale credentials."""
    acc = accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "rotating",
        credentials={"access_token": "first"},
    )
    script = Script()
    runner = Runner(tctx, connector_factory=script.factory, periodic=False)
    schedule(tctx, world, ["a", "b"], account_id=acc.id)
    runner.run_until_idle()
    schedule(tctx, world, ["c"], account_id=acc.id)
    runner.run_until_idle()
    assert len(runner.connectors) == 1  # one connector served both batches
    accounts.connect_account(
        tctx,
        world.actor,
        world.workspace.id,
        "outbox",
        "rotating",
        credentials={"access_token": "second"},
    )
    schedule(tctx, world, ["d"], account_id=acc.id)
    runner.run_until_idle()
    runner.close()
    assert script.tokens_seen == ["first", "first", "first", "second"]
