"""``clairon worker``: run the in-process job runner until SIGTERM/SIGINT (graceful stop).

Also runnable as ``python -m clairon.cli.worker_cmd [OPTIONS]`` (same options).
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

import typer

from clairon.config import get_settings
from clairon.errors import ConfigError
from clairon.services.context import Context

__all__ = ["worker"]


def worker(
    once: bool = typer.Option(False, "--once", help="Run what is due now, then exit."),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, help="Jobs claimed per transaction (WORKER_BATCH_SIZE)."
    ),
    concurrency: int = typer.Option(
        4, "--concurrency", min=1, help="Network calls in flight (capped per account)."
    ),
    worker_id: str | None = typer.Option(
        None, "--id", help="A name for this worker in the job table (default: host name)."
    ),
    periodic: bool = typer.Option(
        True, "--periodic/--no-periodic", help="Also run token refresh and comment polling."
    ),
) -> None:
    """Publish due posts and run background jobs until stopped (Ctrl-C or SIGTERM)."""
    from clairon.worker.runner import Runner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        settings = get_settings()
    except ConfigError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    ctx = Context.from_settings(settings)
    runner = Runner(
        ctx,
        worker_id=worker_id,
        batch_size=batch_size,
        concurrency=concurrency,
        periodic=periodic,
    )

    def graceful(signum: int, frame: FrameType | None) -> None:
        logging.getLogger(__name__).info("signal %s: finishing the current batch", signum)
        runner.stop()

    previous = {sig: signal.signal(sig, graceful) for sig in (signal.SIGTERM, signal.SIGINT)}
    logging.getLogger(__name__).info(
        "worker %s started (batch %d, concurrency %d)",
        runner.worker_id,
        runner.batch_size,
        runner.concurrency,
    )
    try:
        stats = runner.run(until_idle=once)
    finally:
        runner.close()
        ctx.store.dispose()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    typer.echo(
        f"worker {runner.worker_id} stopped: {stats.done} done, {stats.retried} retried, "
        f"{stats.dead} dead"
    )


if __name__ == "__main__":
    typer.run(worker)
