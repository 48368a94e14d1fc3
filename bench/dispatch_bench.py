"""Dispatch benchmark: 10,000 variants falling due within one minute, published to the outbox
connector by the in-process worker (``clairon.worker.Runner``) in separate processes.

    python bench/dispatch_bench.py                 # full run (about 4 minutes)
    python bench/dispatch_bench.py --quick         # 2,000 variants, 10 s window

Each configuration (SQLite × 1 process, PostgreSQL × 1 and × 2 processes) runs two phases on a
fresh database, with every variant bulk-inserted through the store before it falls due:

* **burst**: all variants due at the same instant (the worst minute): throughput is
  ``variants / (last publish − due time)``; lateness here is queueing delay;
* **spread**: due times uniform over ``--window`` seconds (the "one minute"): lateness
  (``published_at − scheduled_at``) p50 / p95 / max, what a user sees.

Peak memory is the largest worker process's max RSS. Duplicates count variants whose
connector ``publish()`` was called more than once (across all processes) — it must be 0.

Baseline, in the same run: the same number of no-op jobs deferred and run through
procrastinate (one worker process, same PostgreSQL); Clairon's burst throughput is printed
as a ratio of it. PostgreSQL rows need ``--postgres URL`` (default: $CLAIRON_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

import sqlalchemy as sa

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "src"))

from clairon.config import Mode, Settings  # noqa: E402
from clairon.crypto import CredentialCipher  # noqa: E402
from clairon.domain import VariantStatus  # noqa: E402
from clairon.services import accounts, users, workspaces  # noqa: E402
from clairon.services.context import Actor, Context  # noqa: E402
from clairon.services.scheduling import PUBLISH_JOB, publish_job_key  # noqa: E402
from clairon.store import Store  # noqa: E402
from clairon.store import jobs as job_repo  # noqa: E402
from clairon.store import posts as post_repo  # noqa: E402
from clairon.store.db import normalise_url  # noqa: E402
from clairon.store.tables import variants  # noqa: E402


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, mode=Mode.test, data_dir=data_dir, database_url=url
    )


def context_for(url: str, data_dir: Path, *, migrate: bool) -> Context:
    settings = settings_for(url, data_dir)
    store = Store.from_url(url, create=migrate)
    return Context(
        settings=settings, store=store, cipher=CredentialCipher(settings.encryption_key_list)
    )


# --- the worker process ---------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """One worker process: a Runner whose outbox connectors count every publish call."""
    from clairon.services.accounts import build_connector
    from clairon.worker.runner import Runner

    ctx = context_for(args.db, Path(args.data), migrate=False)
    calls: Counter[int] = Counter()
    lock = threading.Lock()

    def counting_factory(c: Context, account: Any) -> Any:
        connector = build_connector(c, account)
        publish = connector.publish

        def counted(request: Any) -> Any:
            with lock:
                calls[request.variant_id] += 1
            return publish(request)

        connector.publish = counted  # type: ignore[method-assign]
        return connector

    runner = Runner(
        ctx,
        batch_size=args.batch,
        concurrency=args.concurrency,
        connector_factory=counting_factory,
        periodic=False,
        worker_id="bench",
    )
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    print("ready", flush=True)
    if args.profile:  # where a worker's time goes: python -m pstats FILE
        import cProfile

        cProfile.runctx("runner.run()", globals(), {"runner": runner}, f"{args.out}.prof")
    else:
        runner.run()
    runner.close()
    out = {
        "calls": dict(calls),
        "claimed": runner.stats.claimed,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "busy_seconds": runner.stats.busy_seconds,
        "batches": runner.stats.batches,
    }
    Path(args.out).write_text(json.dumps(out))


# --- the parent: setup, phases, measurements -----------------------------------------------


@dataclass
class Phase:
    name: str
    published: int
    throughput: float
    p50: float
    p95: float
    max: float
    rss_mb: float
    duplicates: int
    insert_seconds: float


def prepare(ctx: Context, n_accounts: int) -> tuple[Actor, int, list[tuple[int, int]]]:
    """A workspace with outbox accounts and one post per account (variants come later)."""
    owner = users.create_user(ctx, f"bench-{uuid.uuid4().hex[:6]}@example.org", "Bench", None)
    actor = Actor(owner.id)
    ws = workspaces.create_workspace(
        ctx, actor, "Bench", timezone="UTC", languages=["en"], require_approval=False
    )
    pairs: list[tuple[int, int]] = []
    for i in range(n_accounts):
        acc = accounts.connect_account(ctx, actor, ws.id, "outbox", f"bench-{i}")
        with ctx.store.transaction() as conn:
            post_id = post_repo.insert_post(
                conn,
                workspace_id=ws.id,
                title="bench",
                body="bench",
                created_by=owner.id,
                created_at=ctx.now(),
            )
        pairs.append((acc.id, post_id))
    return actor, ws.id, pairs


def insert_due(
    ctx: Context, ws_id: int, pairs: list[tuple[int, int]], due: list[datetime], tag: str
) -> list[int]:
    """Bulk-insert one scheduled variant per due time (round-robin over accounts) + jobs."""
    now = ctx.now()
    rows = []
    for i, at in enumerate(due):
        account_id, post_id = pairs[i % len(pairs)]
        rows.append(
            {
                "post_id": post_id,
                "workspace_id": ws_id,
                "account_id": account_id,
                "network": "outbox",
                "language": "en",
                "ab_letter": "A",
                "text": f"{tag} variant {i}: benchmark post",
                "status": "scheduled",
                "media_ids": [],
                "scheduled_at": at,
                "first_comment": "",
                "options": {},
                "ai": {},
                "version": 1,
                "updated_at": now,
            }
        )
    with ctx.store.transaction(write_lock=True) as conn:
        ids = post_repo.insert_variants_bulk(conn, rows)
        job_repo.enqueue_jobs_bulk(
            conn,
            PUBLISH_JOB,
            [
                ({"variant_id": vid}, at, publish_job_key(vid))
                for vid, at in zip(ids, due, strict=True)
            ],
            now=now,
        )
    return ids


def start_workers(n: int, url: str, data: Path, args: argparse.Namespace, tmp: Path) -> list[Any]:
    procs = []
    for k in range(n):
        out = tmp / f"worker-{uuid.uuid4().hex[:6]}-{k}.json"
        p = subprocess.Popen(
            [
                sys.executable,
                str(HERE),
                "--child",
                "--db",
                url,
                "--data",
                str(data),
                "--batch",
                str(args.batch),
                "--concurrency",
                str(args.concurrency),
                "--out",
                str(out),
                *(["--profile"] if args.profile else []),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append((p, out))
    for p, _ in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return procs


def stop_workers(procs: list[Any]) -> list[dict[str, Any]]:
    for p, _ in procs:
        p.send_signal(signal.SIGTERM)
    results = []
    for p, out in procs:
        p.wait(timeout=60)
        p.stdout.close()
        results.append(json.loads(out.read_text()))
    return results


def run_phase(
    name: str,
    ctx: Context,
    url: str,
    data: Path,
    ws_id: int,
    pairs: list[tuple[int, int]],
    n_procs: int,
    args: argparse.Namespace,
    tmp: Path,
    margin: float,
) -> Phase:
    procs = start_workers(n_procs, url, data, args, tmp)
    t0 = datetime.now(UTC) + timedelta(seconds=margin)
    if name == "burst":
        due = [t0] * args.variants
    else:
        rng = random.Random(42)
        due = sorted(
            t0 + timedelta(seconds=rng.uniform(0, args.window)) for _ in range(args.variants)
        )
    started = time.perf_counter()
    ids = insert_due(ctx, ws_id, pairs, due, f"{name}-{n_procs}")
    insert_seconds = time.perf_counter() - started
    inserted = datetime.now(UTC)
    deadline = time.monotonic() + margin + args.window + 300
    q = sa.select(sa.func.count()).where(
        variants.c.id.in_(ids) if len(ids) < 1000 else variants.c.id >= min(ids),
        variants.c.status == VariantStatus.published.value,
    )
    while time.monotonic() < deadline:
        with ctx.store.transaction() as conn:
            if conn.execute(q).scalar_one() >= len(ids):
                break
        time.sleep(0.2)
    results = stop_workers(procs)
    print(
        f"    {name}: insert {insert_seconds:.2f}s (margin {margin:.2f}s"
        f"{', LATE: lateness includes it' if inserted > t0 else ''}); per process: "
        + ", ".join(
            f"{r['claimed']} jobs in {r['batches']} batches, busy {r['busy_seconds']:.1f}s"
            for r in results
        ),
        file=sys.stderr,
        flush=True,
    )
    with ctx.store.transaction() as conn:
        rows = conn.execute(
            sa.select(variants.c.scheduled_at, variants.c.published_at, variants.c.status).where(
                variants.c.id >= min(ids), variants.c.id <= max(ids)
            )
        ).all()
    late = sorted((r.published_at - r.scheduled_at).total_seconds() for r in rows if r.published_at)
    calls: Counter[str] = Counter()
    for r in results:
        calls.update(r["calls"])
    last = max(r.published_at for r in rows if r.published_at)
    # Nothing can start before the insert commits (a loaded machine may need longer than the
    # margin): throughput counts from whichever came last.
    span = max((last - max(t0, inserted)).total_seconds(), 1e-6)
    cuts = quantiles(late, n=100, method="inclusive") if len(late) > 1 else [late[0]] * 99
    return Phase(
        name=name,
        published=sum(1 for r in rows if r.status == VariantStatus.published.value),
        throughput=len(late) / span if name == "burst" else len(late) / max(span, args.window),
        p50=cuts[49],
        p95=cuts[94],
        max=late[-1],
        rss_mb=max(r["max_rss_kb"] for r in results) / 1024,
        duplicates=sum(1 for n in calls.values() if n > 1),
        insert_seconds=insert_seconds,
    )


def run_config(
    engine: str, n_procs: int, args: argparse.Namespace, tmp: Path
) -> tuple[Phase, Phase]:
    data = tmp / f"data-{engine}-{n_procs}"
    if engine == "sqlite":
        url, drop = f"sqlite:///{(data / 'clairon.db').as_posix()}", None
    else:
        url, drop = fresh_postgres(args.postgres)
    try:
        ctx = context_for(url, data, migrate=True)
        _, ws_id, pairs = prepare(ctx, args.accounts)
        margin = 1.0 + args.variants / 4000  # to insert them all before the first is due
        burst = run_phase("burst", ctx, url, data, ws_id, pairs, n_procs, args, tmp, margin)
        # The spread phase measures lateness: give the insert ample time on a busy machine.
        margin = max(margin, 1.0 + 2.0 * burst.insert_seconds)
        spread = run_phase("spread", ctx, url, data, ws_id, pairs, n_procs, args, tmp, margin)
        ctx.store.dispose()
    finally:
        if drop is not None:
            drop()
    return burst, spread


def fresh_postgres(base: str) -> tuple[str, Any]:
    admin = sa.create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    name = f"clairon_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(normalise_url(base)).set(database=name)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


# --- the baseline: procrastinate ------------------------------------------------------------


def procrastinate_child(args: argparse.Namespace) -> None:
    from procrastinate import App, PsycopgConnector

    conninfo = args.db.replace("postgresql+psycopg://", "postgresql://")
    app = App(connector=PsycopgConnector(conninfo=conninfo))

    @app.task(name="noop")
    async def noop(i: int) -> None:
        return None

    with app.open():
        app.schema_manager.apply_schema()
        noop.batch_defer(*[{"i": i} for i in range(args.variants)])
        started = time.perf_counter()
        app.run_worker(
            wait=False,
            concurrency=args.concurrency,
            install_signal_handlers=False,
            listen_notify=False,
            delete_jobs="successful",
        )
        elapsed = time.perf_counter() - started
    out = {"seconds": elapsed, "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    Path(args.out).write_text(json.dumps(out))


def run_procrastinate(args: argparse.Namespace, tmp: Path) -> tuple[float, float]:
    url, drop = fresh_postgres(args.postgres)
    out = tmp / "procrastinate.json"
    try:
        subprocess.run(
            [
                sys.executable,
                str(HERE),
                "--procrastinate-child",
                "--db",
                url,
                "--variants",
                str(args.variants),
                "--concurrency",
                "10",
                "--out",
                str(out),
            ],
            check=True,
        )
    finally:
        drop()
    result = json.loads(out.read_text())
    return args.variants / result["seconds"], result["max_rss_kb"] / 1024


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="spread phase, seconds")
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--postgres", default=os.environ.get("CLAIRON_TEST_POSTGRES_URL", ""))
    parser.add_argument("--quick", action="store_true", help="2,000 variants, 10 s window")
    parser.add_argument(
        "--configs", default="sqlite:1,postgresql:1,postgresql:2", help="engine:processes,..."
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip procrastinate")
    parser.add_argument("--profile", action="store_true", help="cProfile each worker (debug)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--procrastinate-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.procrastinate_child:
        return procrastinate_child(args)
    if args.quick:
        args.variants, args.window = 2_000, 10.0
    configs = [(c.split(":")[0], int(c.split(":")[1])) for c in args.configs.split(",")]
    if not args.postgres:
        configs = [c for c in configs if c[0] == "sqlite"]
    rows: list[tuple[str, Phase, Phase]] = []
    with tempfile.TemporaryDirectory(prefix="clairon-bench-") as tmpdir:
        tmp = Path(tmpdir) if not args.profile else Path(tempfile.mkdtemp(prefix="bench-prof-"))
        baseline, baseline_rss = (0.0, 0.0)
        if args.postgres and not args.no_baseline:
            baseline, baseline_rss = run_procrastinate(args, tmp)
            print(f"… procrastinate: {baseline:,.0f} jobs/s", file=sys.stderr, flush=True)
        for engine, n in configs:
            print(f"… {engine} × {n} process(es)", file=sys.stderr, flush=True)
            burst, spread = run_config(engine, n, args, tmp)
            rows.append((f"{engine} × {n}", burst, spread))
        print_table(args, rows, baseline, baseline_rss)
        print("… removing the outbox files", file=sys.stderr, flush=True)


def print_table(
    args: argparse.Namespace,
    rows: list[tuple[str, Phase, Phase]],
    baseline: float,
    baseline_rss: float,
) -> None:
    print(
        f"\nDispatch of {args.variants:,} variants to the outbox connector "
        f"(batch {args.batch}, concurrency {args.concurrency}, {args.accounts} accounts, "
        f"{os.cpu_count()} CPUs)\n"
    )
    head = (
        f"{'configuration':<16} {'burst pub/s':>11} {'× procr.':>8} {'burst p95':>9} "
        f"{'spread p50':>10} {'p95':>6} {'max':>6} {'peak RSS':>9} {'dups':>5} {'published':>10}"
    )
    print(head)
    print("-" * len(head))
    for name, burst, spread in rows:
        ratio = f"{burst.throughput / baseline:.2f}" if baseline else "n/a"
        print(
            f"{name:<16} {burst.throughput:>11,.0f} {ratio:>8} {burst.p95:>8.2f}s "
            f"{spread.p50:>9.3f}s {spread.p95:>5.2f}s {spread.max:>5.2f}s "
            f"{max(burst.rss_mb, spread.rss_mb):>7.0f}MB {burst.duplicates + spread.duplicates:>5} "
            f"{burst.published + spread.published:>10,}"
        )
    if baseline:
        print(
            f"{'procrastinate':<16} {baseline:>11,.0f} {'1.00':>8} {'':>9} {'':>10} {'':>6} "
            f"{'':>6} {baseline_rss:>7.0f}MB   (no-op jobs, 1 process, concurrency 10)"
        )
    print(
        f"\nburst: all due at once; spread: due uniformly over {args.window:.0f} s. "
        "Lateness = published_at − scheduled_at. Targets: ≥ 1,000/s SQLite, ≥ 2,000/s "
        "PostgreSQL × 2, spread p95 < 1 s, 0 duplicates."
    )


if __name__ == "__main__":
    main()
