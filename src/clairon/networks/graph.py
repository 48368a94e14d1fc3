"""Meta Graph API plumbing shared by the Facebook Pages, Instagram and Threads connectors.

Graph answers errors as ``{"error": {"message", "type", "code", "error_subcode",
"is_transient", "fbtrace_id"}}``, usually with HTTP 400 whatever the cause, so the mapping reads
the code: 190 (and HTTP 401) -> AuthExpired; 4, 17, 32, 613, 80001-80014 (business use case)
and HTTP 429 -> RateLimited, waiting ``estimated_time_to_regain_access`` (minutes) from the
``X-Business-Use-Case-Usage`` / ``X-App-Usage`` headers (an hour if absent); 1, 2,
``is_transient`` and 5xx -> Transient; anything else -> Rejected with ``error_user_msg`` or
``message``. A non-repeatable call whose answer is lost -> UnknownOutcome.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any, ClassVar, NoReturn

import httpx

from clairon.errors import (
    AuthExpired,
    NetworkError,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from clairon.networks.base import Connector

__all__ = [
    "GRAPH_VERSION",
    "ContainerConnector",
    "GraphConnector",
    "parse_graph_time",
    "retry_after_seconds",
]

GRAPH_VERSION = "v23.0"
RATE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
TRANSIENT_CODES = frozenset({1, 2})


def parse_graph_time(value: str) -> datetime:
    """Graph times look like ``2026-11-24T14:00:00+0000``."""
    value = value.replace("Z", "+00:00")
    if len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
        value = f"{value[:-2]}:{value[-2:]}"
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def retry_after_seconds(response: httpx.Response) -> float:
    """The longest ``estimated_time_to_regain_access`` (minutes) in the usage headers, else
    ``Retry-After``, else an hour (Graph's rolling windows are one hour long)."""
    waits: list[float] = []
    for name in ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage"):
        try:
            usage = json.loads(response.headers.get(name, "") or "null")
        except ValueError:
            continue
        if isinstance(usage, dict) and all(isinstance(v, list) for v in usage.values()):
            entries = [e for v in usage.values() for e in v]
        else:
            entries = [usage]
        for entry in entries:
            if isinstance(entry, dict) and entry.get("estimated_time_to_regain_access"):
                waits.append(float(entry["estimated_time_to_regain_access"]) * 60)
    if waits:
        return max(waits)
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return 3600.0


class GraphConnector(Connector):
    """A connector speaking ``{base_url}/{version}/...`` with a bearer token."""

    api_version: ClassVar[str] = GRAPH_VERSION
    # Graph takes a POST's parameters as a form; the Threads API documents them in the query.
    post_params_in_query: ClassVar[bool] = False

    def _call(
        self,
        method: str,
        path: str,
        *,
        repeatable: bool = True,
        token: str | None = None,
        files: dict[str, Any] | None = None,
        versioned: bool = True,
        **params: Any,
    ) -> dict[str, Any]:
        """One Graph call; ``params`` go in the query (GET, DELETE) or the form (POST)."""
        prefix = f"/{self.api_version}" if versioned else ""
        url = path if path.startswith("http") else f"{self.base_url}{prefix}{path}"
        fields = {k: _param(v) for k, v in params.items() if v is not None}
        headers = {"Authorization": f"Bearer {token or self._token()}"}
        kwargs: dict[str, Any] = {"headers": headers}
        if method == "POST" and not self.post_params_in_query:
            kwargs["data"] = fields
            if files:
                kwargs["files"] = files
        else:
            kwargs["params"] = fields
        response = self._request(
            method, url, label=f"{method} {path}", repeatable=repeatable, **kwargs
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code < 400 and isinstance(body, dict) and "error" not in body:
            return body
        self._raise(response, body)

    def _raise(self, response: httpx.Response, body: Any) -> NoReturn:
        status, text, name = response.status_code, response.text[:2000], self.display_name
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            if status < 400:
                raise Transient(f"{name} sent an unexpected body ({status})", status=status)
            error = {"message": text.strip()[:300] or f"HTTP {status}"}
        code = int(error.get("code") or 0)
        message = str(error.get("error_user_msg") or error.get("message") or f"HTTP {status}")
        if code == 190 or status == 401:
            raise AuthExpired(f"{name} refused the token: {message}", status=status, body=text)
        if code in RATE_CODES or status == 429:
            raise RateLimited(
                f"{name} rate limit (code {code or status}): {message}",
                retry_after=retry_after_seconds(response),
                status=status,
                body=text,
            )
        if code in TRANSIENT_CODES or error.get("is_transient") or status >= 500:
            raise Transient(f"{name} error {code or status}: {message}", status=status, body=text)
        raise Rejected(message, status=status, body=text)

    def _pages(self, path: str, max_pages: int, **params: Any) -> list[list[dict[str, Any]]]:
        """Up to ``max_pages`` pages of an edge (``data`` + ``paging.cursors.after``)."""
        pages: list[list[dict[str, Any]]] = []
        for _ in range(max_pages):
            page = self._call("GET", path, **params)
            pages.append(list(page.get("data") or []))
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            params["after"] = after
        return pages


class ContainerConnector(GraphConnector):
    """Meta's two-step publishing (Instagram, Threads): a container, polled until it is ready,
    then ``POST /{user-id}/{publish_edge}?creation_id=`` (not repeatable). When that call fails
    or its answer is lost, the container's status says whether it was published anyway."""

    status_field: ClassVar[str] = "status_code"  # the container's state
    detail_field: ClassVar[str] = "status"  # why it failed, when it did
    publish_edge: ClassVar[str] = "media_publish"
    ready_states: ClassVar[frozenset[str | None]] = frozenset({"FINISHED", "PUBLISHED"})
    container_poll_interval: ClassVar[float] = 5.0
    container_poll_timeout: ClassVar[float] = 300.0

    @property
    def user_id(self) -> str:
        raise NotImplementedError

    def _status(self, container: str) -> dict[str, Any]:
        fields = f"{self.status_field},{self.detail_field}"
        return self._call("GET", f"/{container}", fields=fields)

    def _wait_until_finished(self, container: str) -> None:
        settings, name = self.account.settings, self.display_name
        interval = float(settings.get("container_poll_interval", self.container_poll_interval))
        deadline = time.monotonic() + float(
            settings.get("container_poll_timeout", self.container_poll_timeout)
        )
        while True:
            state = self._status(container)
            status = state.get(self.status_field)
            if status in self.ready_states:
                return
            if status == "ERROR":
                detail = state.get(self.detail_field) or "ERROR"
                raise Rejected(f"{name} could not process the media: {detail}")
            if status == "EXPIRED":
                raise Transient(f"{name} container {container} expired before publishing")
            if time.monotonic() + interval > deadline:
                raise Transient(f"{name} is still processing container {container}; try later")
            time.sleep(interval)

    def _publish(self, container: str) -> str:
        edge = self.publish_edge
        try:
            body = self._call(
                "POST", f"/{self.user_id}/{edge}", repeatable=False, creation_id=container
            )
        except UnknownOutcome:
            raise
        except NetworkError as exc:
            self._settle_failed_publish(container, exc)
            raise
        if "id" not in body:
            raise UnknownOutcome(f"{edge} answered without a media id")
        return str(body["id"])

    def _settle_failed_publish(self, container: str, error: NetworkError) -> None:
        """The publish call failed: is the container published anyway?"""
        edge = self.publish_edge
        try:
            status = self._status(container).get(self.status_field)
        except NetworkError as exc:
            if isinstance(error, Rejected | RateLimited | AuthExpired):
                return  # a clear refusal: nothing was published
            raise UnknownOutcome(
                f"{edge} failed ({error}) and container {container} could not be checked ({exc})"
            ) from exc
        if status == "PUBLISHED":
            raise UnknownOutcome(
                f"{edge} answered an error ({error}) but container {container} is published"
            ) from error


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
