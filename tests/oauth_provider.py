"""A local OAuth 2 provider (RFC 6749 authorisation code + RFC 7636 PKCE S256) and a test-only
connector that connects through it, for the web and CLI connect-flow tests.

The provider checks what a real one checks: the client id and secret, the redirect URI bound
to the code, the PKCE verifier against the challenge, single-use codes. ``/me`` answers who
owns a bearer token (what ``Connector.whoami`` asks).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from clairon.errors import AuthExpired
from clairon.networks.base import Capability, Connector, Limits
from clairon.networks.oauth import OAuthConfig
from clairon.networks.registry import register_connector

NETWORK = "testnet"
CLIENT_ID = "clairon-app"
CLIENT_SECRET = "app-secret-123"
APP_CREDENTIALS = {NETWORK: {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}}


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    user: str


@dataclass
class Provider:
    url: str = ""
    user: str = "alice"  # who approves the next authorisation
    deny: bool = False  # the user clicks "Cancel"
    send_refresh: bool = True  # some networks send no new refresh token on re-consent
    token_status: list[int] = field(default_factory=list)  # forced statuses of /token
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> user
    issued: int = 0

    def authorize(self, url: str) -> str:
        """What the browser does at the provider: returns the redirect back to Clairon."""
        response = httpx.get(url, follow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def _issue(self, user: str) -> dict[str, Any]:
        self.issued += 1
        access = f"AT-{self.issued}-{secrets.token_hex(4)}"
        self.tokens[access] = user
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": 7200,
            "scope": "post.write profile",
        }
        if self.send_refresh:
            body["refresh_token"] = f"RT-{self.issued}"
        return body

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if self.token_status:
            status = self.token_status.pop(0)
            return status, {"error": "server_error" if status >= 500 else "invalid_request"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == "authorization_code":
            grant = self.grants.pop(form.get("code", ""), None)  # single use
            if grant is None or grant.redirect_uri != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "bad code"}
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE mismatch"}
            return 200, self._issue(grant.user)
        if form.get("grant_type") == "refresh_token":
            return 200, self._issue(self.user)
        return 400, {"error": "unsupported_grant_type"}


class ProviderConnector(Connector):
    """Connects through :class:`Provider`; publishes nothing (not needed by these tests)."""

    network: ClassVar[str] = NETWORK
    display_name: ClassVar[str] = "TestNet"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.oauth, Capability.refresh_token}
    )

    def limits(self) -> Limits:
        return Limits(NETWORK, 500)

    def whoami(self) -> tuple[str, str]:
        token = self.account.credentials.get("access_token", "")
        response = self.http.get(
            f"{self.base_url}/me", headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code == 401:
            raise AuthExpired("token refused", status=401)
        me = response.json()
        return str(me["username"]), str(me["name"])


def connector_for(url: str) -> type[Connector]:
    """The ``testnet`` connector class, pointed at a provider running at ``url``."""
    return type(
        "TestNetConnector",
        (ProviderConnector,),
        {
            "oauth": OAuthConfig(
                authorize_url=f"{url}/oauth/authorize",
                token_url=f"{url}/oauth/token",
                scopes=("post.write", "profile"),
            ),
            "default_base_url": url,
        },
    )


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/oauth/authorize":
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                provider.authorize_requests.append(q)
                back: dict[str, str] = {"state": q.get("state", "")}
                if provider.deny:
                    back["error"] = "access_denied"
                    back["error_description"] = "The user denied the request"
                else:
                    code = secrets.token_urlsafe(12)
                    provider.grants[code] = Grant(
                        q.get("client_id", ""),
                        q.get("redirect_uri", ""),
                        q.get("code_challenge", ""),
                        provider.user,
                    )
                    back["code"] = code
                self.send_response(302)
                self.send_header("Location", f"{q.get('redirect_uri', '')}?{urlencode(back)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif url.path == "/me":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                user = provider.tokens.get(token)
                if user is None:
                    self._json(401, {"error": "invalid_token"})
                else:
                    self._json(200, {"username": user, "name": user.title()})
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            if urlparse(self.path).path != "/oauth/token":
                self._json(404, {"error": "not_found"})
                return
            status, body = provider.token(form)
            self._json(status, body)

    return Handler


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider on a free local port, with its connector registered as ``testnet``."""
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    undo = register_connector(NETWORK, connector_for(provider.url))
    try:
        yield provider
    finally:
        undo()
        server.shutdown()
        server.server_close()
