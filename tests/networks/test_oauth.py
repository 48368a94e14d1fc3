"""OAuth 2 + PKCE against a local token endpoint that speaks RFC 6749 (form in, JSON out)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient
from clairon.networks.oauth import (
    OAuthConfig,
    authorization_url,
    exchange_code,
    make_pkce,
    refresh_tokens,
)


class TokenServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.next_status: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                outer.requests.append({"form": form, "auth": self.headers.get("Authorization")})
                status = outer.next_status.pop(0) if outer.next_status else 200
                if status == 200 and form.get("refresh_token") == "revoked":
                    status = 400
                if status == 200:
                    body: dict[str, Any] = {
                        "access_token": "AT-" + form["grant_type"],
                        "token_type": "bearer",
                        "expires_in": 3600,
                        "scope": "w_member_social",
                    }
                    if form["grant_type"] == "authorization_code":
                        body["refresh_token"] = "RT-1"
                elif status == 400:
                    body = {"error": "invalid_grant", "error_description": "token revoked"}
                elif status == 429:
                    body = {"error": "rate_limited"}
                else:
                    body = {"error": "server_error"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if status == 429:
                    self.send_header("Retry-After", "42")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    server = TokenServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _config(server: TokenServer, client_auth: str = "body") -> OAuthConfig:
    return OAuthConfig(
        authorize_url="https://example.invalid/oauth/authorize",
        token_url=f"{server.url}/oauth/token",
        scopes=("a", "b"),
        client_auth=client_auth,
    )


def test_pkce_matches_rfc7636_construction() -> None:
    import base64
    import hashlib

    verifier, challenge = make_pkce()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == expected.decode()


def test_authorization_url_carries_pkce_state_and_scopes(token_server: TokenServer) -> None:
    url = authorization_url(
        _config(token_server),
        client_id="cid",
        redirect_uri="http://x/cb",
        state="S",
        code_challenge="C",
    )
    query = parse_qs(urlparse(url).query)
    assert query["code_challenge"] == ["C"] and query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["a b"] and query["state"] == ["S"]
    assert query["response_type"] == ["code"]


def test_exchange_and_refresh(token_server: TokenServer) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    with httpx.Client() as http:
        tokens = exchange_code(
            http,
            _config(token_server),
            client_id="cid",
            client_secret="sec",
            code="CODE",
            redirect_uri="http://x/cb",
            code_verifier="V",
            now=now,
        )
        assert tokens.access_token == "AT-authorization_code"
        assert tokens.refresh_token == "RT-1"
        assert tokens.expires_at == now + timedelta(hours=1)
        form = token_server.requests[-1]["form"]
        assert form["code_verifier"] == "V" and form["client_secret"] == "sec"
        refreshed = refresh_tokens(
            http,
            _config(token_server, "basic"),
            client_id="cid",
            client_secret="sec",
            refresh_token="RT-1",
        )
        assert refreshed.refresh_token is None  # the caller keeps the old one (merge)
        assert token_server.requests[-1]["auth"].startswith("Basic ")
        assert "client_secret" not in token_server.requests[-1]["form"]


def test_error_classes(token_server: TokenServer) -> None:
    with httpx.Client() as http:
        with pytest.raises(AuthExpired, match="reconnect"):
            refresh_tokens(
                http,
                _config(token_server),
                client_id="c",
                client_secret="s",
                refresh_token="revoked",
            )
        token_server.next_status = [429]
        with pytest.raises(RateLimited) as limited:
            refresh_tokens(
                http, _config(token_server), client_id="c", client_secret="s", refresh_token="ok"
            )
        assert limited.value.retry_after == 42
        token_server.next_status = [503]
        with pytest.raises(Transient):
            refresh_tokens(
                http, _config(token_server), client_id="c", client_secret="s", refresh_token="ok"
            )
        token_server.next_status = [403]
        with pytest.raises(Rejected):
            refresh_tokens(
                http, _config(token_server), client_id="c", client_secret="s", refresh_token="ok"
            )
