"""The Clairon exception tree. Errors are typed because they drive behaviour.

::

    ClaironError
    ├── ConfigError                  settings missing or unsafe (refuse to start)
    ├── ValidationFailed             bad input; carries a list of Problem(location, message)
    ├── NotFound                     object absent *or* not visible to the actor (no leak)
    ├── PermissionDenied             visible, but the actor's role may not do this
    ├── InvalidTransition            lifecycle move not allowed (draft -> published ...)
    ├── Conflict                     concurrent change / duplicate
    └── NetworkError                 raised by connectors; the worker reads the type
        ├── AuthExpired              token expired/revoked        -> refresh, then retry once
        ├── RateLimited(retry_after) 429 / quota                  -> back off, retry later
        ├── Rejected(reason)         the network said no (4xx)     -> never retry, mark failed
        ├── Transient                5xx, connect error before send -> retry with backoff+jitter
        └── UnknownOutcome           request sent, answer lost     -> mark unconfirmed, reconcile;
                                                                      NEVER retried blindly
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AuthExpired",
    "ClaironError",
    "ConfigError",
    "Conflict",
    "InvalidTransition",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "RateLimited",
    "Rejected",
    "Transient",
    "UnknownOutcome",
    "ValidationFailed",
]


class ClaironError(Exception):
    """Base of every error Clairon raises on purpose."""


class ConfigError(ClaironError):
    """Settings are missing, malformed or unsafe for the current mode."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (``row 3 / scheduled_at``) and what."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ValidationFailed(ClaironError):
    """Input rejected; nothing was written. ``problems`` lists every fault found."""

    def __init__(self, problems: Sequence[Problem] | str, location: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(location, problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class NotFound(ClaironError):
    """The object does not exist, or the actor may not see it (same answer on purpose)."""


class PermissionDenied(ClaironError):
    """The actor can see the object but their role does not allow this action."""


class InvalidTransition(ClaironError):
    """A lifecycle change that the state machine forbids."""


class Conflict(ClaironError):
    """The change collides with another one (duplicate, concurrent update)."""


class NetworkError(ClaironError):
    """Raised by connectors. Subclasses tell the worker what to do next."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class AuthExpired(NetworkError):
    """The access token is expired or revoked: refresh, then try again once."""


class RateLimited(NetworkError):
    """The network asks us to slow down; ``retry_after`` is in seconds."""

    def __init__(
        self, message: str, *, retry_after: float = 60.0, status: int | None = 429, body: str = ""
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class Rejected(NetworkError):
    """The network refused the request for a reason that retrying will not fix."""

    def __init__(self, reason: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(reason, status=status, body=body)
        self.reason = reason


class Transient(NetworkError):
    """A failure that happened before the network could act (5xx, connection refused)."""


class UnknownOutcome(NetworkError):
    """The request left but no answer came back: the post may or may not exist."""
