"""The job registry: jobs are plain functions registered by name and payload version.

::

    class VariantPayload(BaseModel):
        variant_id: int

    @job("publish_variant", version=1, payload=VariantPayload)
    def publish_variant(ctx: Context, payload: VariantPayload, run: JobRun) -> Retry | None: ...

A job's payload is JSON validated by the pydantic model registered for its ``(name, version)``.
A version never changes meaning: a new payload shape is a new version (or a new job), and the
old version stays registered until no queued job uses it. Nothing here knows about the store:
the in-process runner, or Celery/Dramatiq tasks, call :meth:`JobRegistry.run`.

A job returns ``None`` when done, or :class:`Retry` to be run again later. It may also
register a *batch* implementation that handles many payloads at once (publishing does, to
write one transaction per batch instead of one per variant); the single function stays the
reference behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from clairon.errors import NotFound, Problem, ValidationFailed
from clairon.services.context import Context

__all__ = [
    "BatchJobFunction",
    "JobFunction",
    "JobRegistry",
    "JobRun",
    "JobSpec",
    "Payload",
    "Retry",
    "default_registry",
    "job",
]


class Payload(BaseModel):
    """Base of job payloads: frozen, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class JobRun:
    """What a job may know about its own execution (Celery's ``self.request`` equivalent)."""

    job_id: int | None = None
    attempt: int = 1
    max_attempts: int = 1


@dataclass(frozen=True, slots=True)
class Retry:
    """Run this job again in ``delay`` seconds. ``counts`` says whether this was a failed
    attempt (counted against ``max_attempts``) or a planned re-run (periodic, rate limit)."""

    delay: float
    reason: str = ""
    counts: bool = True


JobFunction = Callable[[Context, P, JobRun], Retry | None]
BatchJobFunction = Callable[[Context, Sequence[tuple[P, JobRun]]], list[Retry | None]]


@dataclass(frozen=True)
class JobSpec(Generic[P]):
    name: str
    version: int
    payload: type[P]
    function: JobFunction[P]
    batch: BatchJobFunction[P] | None = None

    def parse(self, data: dict[str, Any]) -> P:
        try:
            return self.payload.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed(
                [
                    Problem(".".join(str(p) for p in err["loc"]) or "payload", err["msg"])
                    for err in exc.errors()
                ]
            ) from exc


class JobRegistry:
    def __init__(self) -> None:
        self._specs: dict[tuple[str, int], JobSpec[Any]] = {}

    def register(
        self, name: str, *, version: int = 1, payload: type[P]
    ) -> Callable[[JobFunction[P]], JobFunction[P]]:
        """Decorator: register ``function`` as job ``name`` v``version``."""

        def decorate(function: JobFunction[P]) -> JobFunction[P]:
            key = (name, version)
            if key in self._specs and self._specs[key].function is not function:
                raise ValueError(f"job {name!r} v{version} is already registered")
            self._specs[key] = JobSpec(name, version, payload, function)
            return function

        return decorate

    def register_batch(
        self, name: str, *, version: int = 1
    ) -> Callable[[BatchJobFunction[P]], BatchJobFunction[P]]:
        """Decorator: a faster implementation of an already registered job for many payloads."""

        def decorate(function: BatchJobFunction[P]) -> BatchJobFunction[P]:
            spec = self.get(name, version)
            self._specs[(name, version)] = JobSpec(
                spec.name, spec.version, spec.payload, spec.function, function
            )
            return function

        return decorate

    def get(self, name: str, version: int = 1) -> JobSpec[Any]:
        try:
            return self._specs[(name, version)]
        except KeyError:
            raise NotFound(f"no job {name!r} version {version} is registered") from None

    def names(self) -> list[tuple[str, int]]:
        return sorted(self._specs)

    def payload_json(self, name: str, version: int, payload: BaseModel) -> dict[str, Any]:
        """The JSON to store for a payload (validated against the registered model)."""
        spec = self.get(name, version)
        if not isinstance(payload, spec.payload):
            raise ValidationFailed(f"expected {spec.payload.__name__}", "payload")
        data: dict[str, Any] = payload.model_dump(mode="json")
        return data

    def run(
        self,
        ctx: Context,
        name: str,
        version: int,
        data: dict[str, Any],
        run: JobRun | None = None,
    ) -> Retry | None:
        """Validate the payload and call the job: what any engine does to run one job."""
        spec = self.get(name, version)
        return spec.function(ctx, spec.parse(data), run or JobRun())


default_registry = JobRegistry()
"""The process-wide registry the built-in jobs register into."""


def job(
    name: str, *, version: int = 1, payload: type[P]
) -> Callable[[JobFunction[P]], JobFunction[P]]:
    """Register a job in :data:`default_registry`."""
    return default_registry.register(name, version=version, payload=payload)
