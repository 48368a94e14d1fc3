"""Running the web app (and, on the embedded default, the worker in the same process)."""

from __future__ import annotations

import threading

from clairon.config import get_settings

__all__ = ["run_server"]


def run_server(*, host: str, port: int, with_worker: bool = True) -> None:
    import uvicorn

    from clairon.api.app import create_app

    settings = get_settings()
    app = create_app(settings)
    stop = threading.Event()
    if with_worker:
        from clairon.worker import start_background_worker

        start_background_worker(app.state.ctx, stop)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        stop.set()
