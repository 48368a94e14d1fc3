"""Server-rendered web UI (Jinja2 + HTMX), mounted on the API app."""

from __future__ import annotations

from typing import Any

__all__ = ["mount_web"]


def mount_web(app: Any) -> None:
    """Attach the web pages, static files and session middleware to the FastAPI app."""
