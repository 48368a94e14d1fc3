"""Clairon's typed errors as HTTP answers.

``ValidationFailed`` becomes a 422 in FastAPI's own shape, so clients parse one format::

    {"detail": [{"loc": ["variants", 0, "text"], "field": "variants[0].text",
                 "msg": "...", "type": "value_error"}]}

``loc`` is the path of the field inside the request (body, query or path), ``field`` the same
path as one string. Request-shape errors found by pydantic keep FastAPI's format unchanged
(``loc`` starts with ``body``, ``query`` or ``path``).
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from clairon.errors import (
    Conflict,
    InvalidTransition,
    NetworkError,
    NotFound,
    PermissionDenied,
    Problem,
    ValidationFailed,
)

__all__ = ["install_error_handlers", "location_path", "problem_detail"]

_PATH = re.compile(r"^[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*$")
_PART = re.compile(r"([A-Za-z_][\w-]*)|\[(\d+)\]")


def location_path(location: str) -> tuple[list[str | int], str]:
    """Split ``variants[0].media[1] cat.png`` into ``["variants", 0, "media", 1]`` and the
    remainder (``cat.png``), which is not a field name but helps the reader."""
    path, _, rest = location.strip().partition(" ")
    # "row 3 / scheduled_at" is prose, not a path followed by a file name
    prose = bool(rest) and not any(c in path for c in ".[")
    if not path or prose or not _PATH.match(path):
        return ([location] if location else []), ""
    loc: list[str | int] = []
    for name, index in _PART.findall(path):
        loc.append(int(index) if index else name)
    return loc, rest.strip()


def problem_detail(problem: Problem) -> dict[str, object]:
    loc, rest = location_path(problem.location)
    msg = f"{rest}: {problem.message}" if rest else problem.message
    return {
        "loc": loc,
        "field": problem.location.partition(" ")[0] if loc else problem.location,
        "msg": msg,
        "type": "value_error",
    }


def _detail(status: int, exc: Exception, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


async def _validation_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationFailed)
    return JSONResponse({"detail": [problem_detail(p) for p in exc.problems]}, status_code=422)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return _detail(404, exc)


async def _permission_denied(request: Request, exc: Exception) -> JSONResponse:
    return _detail(403, exc)


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    return _detail(409, exc)


async def _network_error(request: Request, exc: Exception) -> JSONResponse:
    return _detail(502, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ValidationFailed, _validation_failed)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(PermissionDenied, _permission_denied)
    app.add_exception_handler(InvalidTransition, _conflict)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(NetworkError, _network_error)
