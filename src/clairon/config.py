"""One settings object, read once from the environment (prefix ``CLAIRON_``) or a ``.env`` file.

Nothing else in Clairon reads the environment. Unsafe defaults are refused outside development.
"""

from __future__ import annotations

import base64
import hashlib
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from clairon.errors import ConfigError

__all__ = ["DEV_ENCRYPTION_KEY", "DEV_SECRET_KEY", "Mode", "Settings", "get_settings"]

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"
# A fixed Fernet key for development only (32 zero-derived bytes); refused in production.
DEV_ENCRYPTION_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"clairon-dev-key").digest()).decode()


class Mode(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """Every setting Clairon reads. Each field is documented in docs/settings.md (a test checks)."""

    model_config = SettingsConfigDict(
        env_prefix="CLAIRON_", env_file=".env", extra="ignore", frozen=True
    )

    mode: Mode = Field(Mode.development, description="development, test or production.")
    data_dir: Path = Field(Path("var"), description="Where the SQLite file, outbox and media live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite at DATA_DIR/clairon.db (WAL mode)."
    )
    secret_key: str = Field(
        DEV_SECRET_KEY, description="Signs web sessions and CSRF tokens. Required in production."
    )
    encryption_keys: str = Field(
        DEV_ENCRYPTION_KEY,
        description="Comma-separated Fernet keys for credentials at rest; the first encrypts, "
        "all decrypt (rotation). Required in production.",
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL of the web UI/API.")
    host: str = Field("127.0.0.1", description="Address `clairon serve` binds to.")
    port: int = Field(8000, description="Port `clairon serve` listens on.")
    outbox_dir: Path | None = Field(
        None, description="Where the outbox connector writes published variants (DATA_DIR/outbox)."
    )
    worker_poll_seconds: float = Field(0.5, description="How often an idle worker looks for work.")
    worker_batch_size: int = Field(200, description="Jobs claimed per transaction by a worker.")
    worker_lease_seconds: float = Field(
        300.0, description="A claimed job not finished after this long is considered abandoned."
    )
    worker_max_attempts: int = Field(8, description="Attempts before a retried job gives up.")
    http_timeout_seconds: float = Field(20.0, description="Timeout of connector HTTP calls.")
    require_approval: bool = Field(
        True, description="Default approval policy for new workspaces (AI content needs a human)."
    )
    network_app_credentials: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per-network app credentials as JSON, e.g. "
        '{"linkedin": {"client_id": "...", "client_secret": "..."}}.',
    )
    network_base_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Override a network's API base URL (JSON), e.g. for a self-hosted instance.",
    )
    ai_backend: str = Field(
        "local",
        description="AI backend: 'local' (embedded, offline) or 'openai_compat' (any "
        "OpenAI-compatible chat-completions server: Ollama, vLLM, llama.cpp, OpenAI...).",
    )
    ai_base_url: str = Field(
        "http://127.0.0.1:11434/v1",
        description="Base URL of the OpenAI-compatible server (up to and including /v1).",
    )
    ai_model: str = Field("", description="Model name sent to the OpenAI-compatible server.")
    ai_api_key: str = Field("", description="Bearer key for the AI server (empty: none sent).")
    ai_embedding_model: str = Field(
        "", description="Embedding model name on the AI server (empty: same as AI_MODEL)."
    )
    ai_timeout_seconds: float = Field(60.0, description="Timeout of one AI server call.")
    ai_max_retries: int = Field(
        3, description="Retries of an AI call on 429/5xx/timeout/malformed JSON (with backoff)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.mode == Mode.production:
            if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                raise ConfigError(
                    "CLAIRON_SECRET_KEY must be set to a random value of 32+ characters "
                    "in production (the development default is refused)."
                )
            keys = [k.strip() for k in self.encryption_keys.split(",") if k.strip()]
            if not keys or DEV_ENCRYPTION_KEY in keys:
                raise ConfigError(
                    "CLAIRON_ENCRYPTION_KEYS must be set in production "
                    "(generate one with `clairon keys generate`)."
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'clairon.db').as_posix()}"

    @property
    def resolved_outbox_dir(self) -> Path:
        return self.outbox_dir if self.outbox_dir is not None else self.data_dir / "outbox"

    @property
    def encryption_key_list(self) -> list[str]:
        return [k.strip() for k in self.encryption_keys.split(",") if k.strip()]

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        data = self.model_dump()
        data.update(changes)
        return Settings(**data)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    try:
        return Settings()
    except ConfigError:
        raise
    except Exception as exc:  # pydantic's ValidationError, wrapped for a clean CLI message
        raise ConfigError(str(exc)) from exc
