"""AI backends behind one protocol, chosen by settings (``CLAIRON_AI_BACKEND``).

The embedded default lives in :mod:`clairon.ai.local` (imported lazily: it uses the content
composer, which itself uses these protocols).
"""

from __future__ import annotations

from clairon.ai.base import (
    AIError,
    BackendTimeout,
    BackendUnsupported,
    Embedder,
    Generation,
    GenerationStream,
    MalformedOutput,
    Message,
    TextGenerator,
    Translator,
    system,
    user,
)
from clairon.ai.openai_compat import OpenAICompatBackend
from clairon.ai.registry import draft_backend, embedder, known_backends, text_generator, translator

__all__ = [
    "AIError",
    "BackendTimeout",
    "BackendUnsupported",
    "Embedder",
    "Generation",
    "GenerationStream",
    "MalformedOutput",
    "Message",
    "OpenAICompatBackend",
    "TextGenerator",
    "Translator",
    "draft_backend",
    "embedder",
    "known_backends",
    "system",
    "text_generator",
    "translator",
    "user",
]
