"""OAuth 2 authorisation-code flow with PKCE (RFC 6749, RFC 7636), shared by connectors.

A connector that supports it sets ``oauth = OAuthConfig(...)``. Nothing here names a network.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient

__all__ = [
    "OAuthConfig",
    "TokenSet",
    "authorization_url",
    "exchange_code",
    "make_pkce",
    "refresh_tokens",
]


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    pkce: bool = True
    client_auth: str = "body"  # "body" (client_id/secret in the form) or "basic"
    scope_separator: str = " "
    extra_authorize_params: dict[str, str] = field(default_factory=dict)
    client_id_param: str = "client_id"  # TikTok calls it "client_key"


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def as_credentials(self) -> dict[str, str]:
        creds = {"access_token": self.access_token}
        if self.refresh_token:
            creds["refresh_token"] = self.refresh_token
        return creds


def make_pkce() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorization_url(
    config: OAuthConfig,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str | None = None,
) -> str:
    params: dict[str, str] = {
        "response_type": "code",
        config.client_id_param: client_id,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if config.scopes:
        params["scope"] = config.scope_separator.join(config.scopes)
    if config.pkce and code_challenge:
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = "S256"
    params.update(config.extra_authorize_params)
    sep = "&" if "?" in config.authorize_url else "?"
    return f"{config.authorize_url}{sep}{urlencode(params)}"


def _token_request(
    http: httpx.Client,
    config: OAuthConfig,
    data: dict[str, str],
    client_id: str,
    client_secret: str,
    now: datetime | None,
) -> TokenSet:
    headers = {"Accept": "application/json"}
    if config.client_auth == "basic":
        pair = f"{client_id}:{client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    else:
        data[config.client_id_param] = client_id
        if client_secret:
            data["client_secret"] = client_secret
    try:
        response = http.post(config.token_url, data=data, headers=headers)
    except httpx.TimeoutException as exc:
        raise Transient(f"token endpoint timed out: {exc}") from exc
    except httpx.TransportError as exc:
        raise Transient(f"token endpoint unreachable: {exc}") from exc
    if response.status_code == 429:
        raise RateLimited(
            "token endpoint rate limited",
            retry_after=float(response.headers.get("Retry-After", "60") or 60),
        )
    if response.status_code >= 500:
        raise Transient(
            f"token endpoint error {response.status_code}",
            status=response.status_code,
            body=response.text[:500],
        )
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        raise Rejected(
            f"token endpoint answered non-JSON ({response.status_code})",
            status=response.status_code,
            body=response.text[:500],
        ) from None
    if response.status_code >= 400 or "access_token" not in body:
        error = str(body.get("error", "")) or f"HTTP {response.status_code}"
        description = str(body.get("error_description", "") or body.get("message", ""))
        message = f"{error}: {description}".strip(": ")
        if error in ("invalid_grant", "invalid_token", "unauthorized_client"):
            raise AuthExpired(
                f"the network refused the grant ({message}); reconnect needed",
                status=response.status_code,
                body=response.text[:500],
            )
        raise Rejected(message, status=response.status_code, body=response.text[:500])
    moment = now or datetime.now(UTC)
    expires_in = body.get("expires_in")
    expires_at = moment + timedelta(seconds=int(expires_in)) if expires_in else None
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        expires_at=expires_at,
        scope=str(body.get("scope", "")),
        raw=body,
    )


def exchange_code(
    http: httpx.Client,
    config: OAuthConfig,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str | None = None,
    now: datetime | None = None,
) -> TokenSet:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if config.pkce and code_verifier:
        data["code_verifier"] = code_verifier
    return _token_request(http, config, data, client_id, client_secret, now)


def refresh_tokens(
    http: httpx.Client,
    config: OAuthConfig,
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    now: datetime | None = None,
) -> TokenSet:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return _token_request(http, config, data, client_id, client_secret, now)
