"""What every AI backend is: chat messages in, a :class:`Generation` out (text, usage, latency).

Backends are chosen by :mod:`clairon.ai.registry` from settings, never by code. Callers ask a
backend for a capability by protocol (``isinstance(backend, Translator)``), never by name.

Errors (all :class:`clairon.errors.ClaironError`)::

    NetworkError (clairon.errors)
    ├── RateLimited          429 after every retry (``retry_after`` from the server)
    ├── Transient            5xx / connection refused after every retry
    │   └── BackendTimeout   no answer within the timeout, after every retry
    └── Rejected             4xx other than 429 (bad model name, bad key...)
    AIError
    ├── MalformedOutput      the answer is not the JSON the schema asks for, after every retry
    └── BackendUnsupported   this backend cannot do that (e.g. free translation offline)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from clairon.errors import ClaironError, Transient

__all__ = [
    "AIError",
    "BackendTimeout",
    "BackendUnsupported",
    "Embedder",
    "Generation",
    "GenerationStream",
    "MalformedOutput",
    "Message",
    "Role",
    "TextGenerator",
    "Translator",
    "system",
    "user",
]

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


def system(content: str) -> Message:
    return Message("system", content)


def user(content: str) -> Message:
    return Message("user", content)


class AIError(ClaironError):
    """An AI backend could not give a usable answer."""


class MalformedOutput(AIError):
    """The backend's answer did not match the requested JSON schema (after every retry)."""

    def __init__(self, message: str, *, raw: str = "", attempts: int = 1) -> None:
        super().__init__(message)
        self.raw = raw
        self.attempts = attempts


class BackendUnsupported(AIError):
    """The configured backend cannot perform this operation."""


class BackendTimeout(Transient):
    """The AI server did not answer within the configured timeout (after every retry)."""


@dataclass(frozen=True, slots=True)
class Generation:
    """One AI call: what came out, who produced it, what it cost and how long it took."""

    text: str
    backend: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_seconds: float = 0.0
    attempts: int = 1
    data: BaseModel | None = None  # the validated object when a json_schema was requested
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def label(self) -> dict[str, Any]:
        """The AI-disclosure label of an element produced by this call."""
        return {"backend": self.backend, "model": self.model, "ai": True}


class GenerationStream:
    """Iterate to receive text deltas as they arrive; ``generation`` is set once exhausted."""

    def __init__(self, deltas: Iterator[str], finish: Callable[[str], Generation]) -> None:
        self._deltas = deltas
        self._finish = finish  # called with the full text once the deltas are exhausted
        self._parts: list[str] = []
        self.generation: Generation | None = None

    def __iter__(self) -> Iterator[str]:
        for delta in self._deltas:
            self._parts.append(delta)
            yield delta
        self.generation = self._finish("".join(self._parts))

    def collect(self) -> Generation:
        """Drain the stream and return the final record."""
        for _ in self:
            pass
        assert self.generation is not None
        return self.generation


@runtime_checkable
class TextGenerator(Protocol):
    """Chat completion. ``json_schema`` asks for an object of that pydantic model."""

    backend: str
    model: str

    def generate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: type[BaseModel] | None = None,
        temperature: float = 0.7,
        max_tokens: int | None = None,
    ) -> Generation: ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.7,
        max_tokens: int | None = None,
    ) -> GenerationStream: ...


@runtime_checkable
class Embedder(Protocol):
    backend: str
    model: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@runtime_checkable
class Translator(Protocol):
    """Translate ``text`` into ``target`` (ISO 639-1), leaving ``keep`` terms untouched."""

    backend: str
    model: str

    def translate(
        self, text: str, *, target: str, source: str | None = None, keep: Sequence[str] = ()
    ) -> Generation: ...
