"""Threads and first comments as chains of self-replies, for networks without idempotency keys.

Once the main post exists, a failing thread part or first comment must not raise: the worker
would retry the whole variant and post the main text twice. :func:`publish_chain` reports the
gap instead (``missing_parts``, ``partial_error``); :func:`reconcile_chain` reports which parts
of a reconciled post exist. Both use the keys Mastodon's connector uses: ``thread_ids``,
``first_comment_id``, ``missing_parts``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from clairon.errors import NetworkError
from clairon.networks.base import PublishRequest

__all__ = ["publish_chain", "reconcile_chain"]

Ref = TypeVar("Ref")


def _parts(request: PublishRequest) -> list[tuple[str, str]]:
    parts = [(f"thread[{i}]", text) for i, text in enumerate(request.thread, start=2)]
    if request.first_comment:
        parts.append(("first_comment", request.first_comment))
    return parts


def publish_chain(
    request: PublishRequest,
    main: Ref,
    create: Callable[[str, Ref], Ref],
    id_of: Callable[[Ref], str] = str,
) -> dict[str, Any]:
    """Post the thread parts (each replying to the previous one) and the first comment
    (replying to ``main``) with ``create(text, parent)``; never raises a NetworkError."""
    extra: dict[str, Any] = {}
    parts = _parts(request)
    parent, thread_ids = main, []
    for index, (name, text) in enumerate(parts):
        try:
            made = create(text, main if name == "first_comment" else parent)
        except NetworkError as exc:
            extra["missing_parts"] = [n for n, _ in parts[index:]]
            extra["partial_error"] = f"{type(exc).__name__}: {exc}"
            break
        if name == "first_comment":
            extra["first_comment_id"] = id_of(made)
        else:
            parent = made
            thread_ids.append(id_of(made))
    if thread_ids:
        extra["thread_ids"] = thread_ids
    return extra


def reconcile_chain(
    request: PublishRequest,
    main_id: str,
    own_replies: Mapping[tuple[str | None, str], str],
    normalise: Callable[[str], str] = str.strip,
) -> dict[str, Any]:
    """Which parts of a found post exist. ``own_replies`` maps (parent id, normalised text)
    to the id of the account's own reply."""
    extra: dict[str, Any] = {"reconciled": True}
    missing: list[str] = []
    parent, thread_ids = main_id, []
    for i, part in enumerate(request.thread, start=2):
        found = own_replies.get((parent, normalise(part)))
        if found is None:
            missing += [f"thread[{j}]" for j in range(i, len(request.thread) + 2)]
            break
        parent = found
        thread_ids.append(found)
    if thread_ids:
        extra["thread_ids"] = thread_ids
    if request.first_comment:
        comment = own_replies.get((main_id, normalise(request.first_comment)))
        if comment is None:
            missing.append("first_comment")
        else:
            extra["first_comment_id"] = comment
    if missing:
        extra["missing_parts"] = missing
    return extra
