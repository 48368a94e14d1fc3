"""The kill test: worker processes are SIGKILLed at random points and restarted, and still
every variant ends published exactly once.

500 variants fall due across 50 Mastodon accounts on the local Mastodon server (a separate
process that logs every status POST it receives, see ``raw_log_server``). Worker processes
(``python -m clairon.cli.worker_cmd``) are killed with SIGKILL 5 times at random moments and
restarted. At the end, for every variant: the server received exactly one POST with its
idempotency key, created exactly one status, and the variant is ``published`` with that
status's id (directly, or after being marked ``unconfirmed`` and reconciled).

SQLite runs one worker; PostgreSQL (when CLAIRON_TEST_POSTGRES_URL is set) runs two.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clairon.crypto import CredentialCipher
from clairon.domain import VariantStatus
from clairon.services import accounts
from clairon.services.context import Actor, Context
from clairon.store import Store
from clairon.store.tables import audit_events, variants
from tests.conftest import make_settings
from tests.factories import make_user
from tests.worker.bulk import schedule_bulk

REPO = Path(__file__).resolve().parents[2]
ACCOUNTS = 50
VARIANTS = 500
KILLS = 5

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    raw, created = tmp_path / "raw_posts.jsonl", tmp_path / "created.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.worker.raw_log_server",
            "--raw",
            str(raw),
            "--log",
            str(created),
            "--delay",
            "0.03",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    yield f"http://127.0.0.1:{port}", raw, created
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def start_worker(env: dict[str, str], log: Path, n: int) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "clairon.cli.worker_cmd",
                "--batch-size",
                "10",
                "--concurrency",
                "4",
                "--no-periodic",
                "--id",
                f"kill-{n}",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def counts(ctx: Context) -> dict[str, int]:
    with ctx.store.transaction() as conn:
        rows = conn.execute(select(variants.c.status, func.count()).group_by(variants.c.status))
        return {str(s): int(n) for s, n in rows}


def history(ctx: Context, resent: dict[str, int], posts: list[dict[str, object]]) -> str:
    """What happened to the variants sent more than once (for the failure message)."""
    lines = [str(p) for p in posts if p["key"] in resent]
    with ctx.store.transaction() as conn:
        for key in resent:
            vid = key.split("-")[1].removeprefix("v")
            q = select(audit_events).where(audit_events.c.object_id == vid)
            lines += [
                f"{r.at} {r.action} {r.after}" for r in conn.execute(q.order_by(audit_events.c.id))
            ]
    return "\n".join(lines)


def wait_for_progress(ctx: Context, timeout: float = 30.0) -> None:
    """Until the (re)started workers have published at least one more variant."""
    before = counts(ctx)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if counts(ctx).get("published", 0) > before.get("published", 0):
            return
        time.sleep(0.05)
    raise AssertionError(f"no progress in {timeout}s: {before}")


def test_sigkill_never_loses_or_doubles_a_post(
    tmp_path: Path, database_url: str, server: tuple[str, Path, Path]
) -> None:
    base_url, raw_log, created_log = server
    workers = 2 if database_url.startswith("postgres") else 1
    settings = make_settings(tmp_path, database_url=database_url)
    store = Store.from_url(settings.resolved_database_url)
    ctx = Context(
        settings=settings, store=store, cipher=CredentialCipher(settings.encryption_key_list)
    )
    from clairon.services import workspaces

    owner = Actor(make_user(ctx, "owner").id)
    ws = workspaces.create_workspace(
        ctx, owner, "Kill", timezone="UTC", languages=["en"], require_approval=False
    )
    account_ids = [
        accounts.connect_account(
            ctx,
            owner,
            ws.id,
            "mastodon",
            f"acct{i}",
            credentials={"access_token": f"token-acct{i}"},
            settings={"base_url": base_url},
        ).id
        for i in range(ACCOUNTS)
    ]
    texts = {
        aid: [f"Kill test post {k} of account {aid}" for k in range(VARIANTS // ACCOUNTS)]
        for aid in account_ids
    }
    ids = schedule_bulk(ctx, ws.id, owner, texts, due=ctx.now())
    assert len(ids) == VARIANTS

    env = {
        **os.environ,
        "CLAIRON_MODE": "test",
        "CLAIRON_DATA_DIR": str(settings.data_dir),
        "CLAIRON_DATABASE_URL": database_url,
        "CLAIRON_WORKER_LEASE_SECONDS": "2",
        "CLAIRON_WORKER_POLL_SECONDS": "0.1",
        "CLAIRON_HTTP_TIMEOUT_SECONDS": "5",
    }
    log = tmp_path / "workers.log"
    rng = random.Random()
    procs = [start_worker(env, log, n) for n in range(workers)]
    started = time.monotonic()
    progress: list[dict[str, int]] = []
    try:
        for k in range(KILLS):
            wait_for_progress(ctx)  # the (re)started worker is publishing: kill it mid-run
            time.sleep(rng.uniform(0.0, 1.5))
            victim = rng.randrange(workers)
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].wait()
            progress.append(counts(ctx))
            procs[victim] = start_worker(env, log, workers + k)
        deadline = time.monotonic() + 75
        while time.monotonic() < deadline:
            if counts(ctx).get(VariantStatus.published.value, 0) == VARIANTS:
                break
            time.sleep(0.5)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    elapsed = time.monotonic() - started

    final = counts(ctx)
    assert final == {"published": VARIANTS}, (final, progress, log.read_text()[-3000:])
    # Every kill must land while work is left, or the test proves nothing.
    assert all(p.get("published", 0) < VARIANTS for p in progress), progress

    posts = [json.loads(line) for line in raw_log.read_text().splitlines()]
    sent = Counter(p["key"] for p in posts)
    # A POST cut by SIGKILL mid-body reaches the server incomplete and is refused (422):
    # nothing was created, so reconciliation proves it absent and it is sent again. A second
    # POST after one the server *accepted* is what must never happen.
    accepted = Counter(p["key"] for p in posts if 200 <= int(p["status"]) < 300)
    created = [json.loads(line) for line in created_log.read_text().splitlines()]
    made = Counter(c["idempotency_key"] for c in created if c["event"] == "status_created")
    status_of = {c["idempotency_key"]: c["id"] for c in created}
    keys = {vid: f"clairon-v{vid}-1" for vid in ids}
    assert sorted(sent) == sorted(keys.values())
    resent = {k: n for k, n in accepted.items() if n != 1}
    assert resent == {}, f"status POSTed again after success: {history(ctx, resent, posts)}"
    assert sorted(accepted) == sorted(keys.values())
    assert all(n == 1 for n in made.values()) and len(made) == VARIANTS
    with ctx.store.transaction() as conn:
        network_ids = dict(
            (int(r[0]), r[1])
            for r in conn.execute(select(variants.c.id, variants.c.network_post_id))
        )
        reconciled = conn.execute(
            select(func.count()).where(audit_events.c.action == "variant.reconciled")
        ).scalar_one()
        unconfirmed = conn.execute(
            select(func.count()).where(audit_events.c.action == "variant.unconfirmed")
        ).scalar_one()
    assert {vid: network_ids[vid] for vid in ids} == {vid: status_of[keys[vid]] for vid in ids}
    assert reconciled == unconfirmed  # every unconfirmed variant was settled by reconciliation
    print(
        f"\nkill test ({workers} worker(s)): {VARIANTS} published in {elapsed:.1f}s "
        f"through {KILLS} SIGKILLs; {unconfirmed} unconfirmed then reconciled; "
        f"{sum(sent.values()) - VARIANTS} cut-off POSTs refused by the server and re-sent; "
        f"states at kills: {progress}"
    )
    store.dispose()
