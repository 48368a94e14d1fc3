"""The AI backend comes from settings (``CLAIRON_AI_BACKEND``), never from code.

Built-ins: ``local`` (embedded, offline; the default) and ``openai_compat``. Third-party
backends register a factory ``(Settings) -> backend`` in the ``clairon.ai`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from clairon.ai.base import Embedder, TextGenerator, Translator
from clairon.config import Settings, get_settings
from clairon.errors import ConfigError

__all__ = ["draft_backend", "embedder", "known_backends", "text_generator", "translator"]

Factory = Callable[[Settings], Any]


def _local(settings: Settings) -> Any:
    from clairon.ai.local import LocalBackend

    return LocalBackend()


def _openai_compat(settings: Settings) -> Any:
    from clairon.ai.openai_compat import OpenAICompatBackend

    if not settings.ai_model:
        raise ConfigError("CLAIRON_AI_MODEL must be set when CLAIRON_AI_BACKEND=openai_compat")
    return OpenAICompatBackend.from_settings(settings)


def _factories() -> dict[str, Factory]:
    found: dict[str, Factory] = {"local": _local, "openai_compat": _openai_compat}
    for ep in entry_points(group="clairon.ai"):
        found.setdefault(ep.name, ep.load())
    return found


def known_backends() -> list[str]:
    return sorted(_factories())


def _backend(settings: Settings | None) -> Any:
    settings = settings or get_settings()
    factories = _factories()
    try:
        factory = factories[settings.ai_backend]
    except KeyError:
        raise ConfigError(
            f"unknown AI backend '{settings.ai_backend}' (known: {', '.join(sorted(factories))})"
        ) from None
    return factory(settings)


def text_generator(settings: Settings | None = None) -> TextGenerator:
    backend = _backend(settings)
    if not isinstance(backend, TextGenerator):
        raise ConfigError(f"AI backend '{backend}' cannot generate text")
    return backend


def draft_backend(settings: Settings | None = None) -> TextGenerator:
    """The backend that writes drafts (the embedded one also implements DraftWriter)."""
    return text_generator(settings)


def embedder(settings: Settings | None = None) -> Embedder:
    backend = _backend(settings)
    if not isinstance(backend, Embedder):
        raise ConfigError(f"AI backend '{settings and settings.ai_backend}' cannot embed")
    return backend


def translator(settings: Settings | None = None) -> Translator:
    backend = _backend(settings)
    if not isinstance(backend, Translator):
        raise ConfigError(f"AI backend '{settings and settings.ai_backend}' cannot translate")
    return backend
