"""The HTTP API: ``create_app`` builds the FastAPI application (JSON API + web UI)."""

from clairon.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
