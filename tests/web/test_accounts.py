"""The accounts page and the OAuth connect flow through the web, end to end with a local OAuth
provider (authorisation code + PKCE) and a test-only connector registered as ``testnet``."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clairon.config import Settings
from clairon.domain import AccountStatus, SocialAccount
from clairon.networks.registry import connector_class, known_networks
from clairon.services import accounts
from clairon.services.context import Actor, Context
from clairon.store import accounts as account_repo
from clairon.store.tables import accounts as account_table
from tests.conftest import make_settings
from tests.oauth_provider import APP_CREDENTIALS, CLIENT_ID, NETWORK, Provider, running_provider
from tests.web.conftest import Seed, login

BASE_URL = "http://clairon.example.org"  # http: the TestClient does not send Secure cookies


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as p:
        yield p


@pytest.fixture
def settings(tmp_path: Path, database_url: str, provider: Provider) -> Settings:
    return make_settings(
        tmp_path,
        database_url=database_url,
        base_url=BASE_URL,
        network_app_credentials=APP_CREDENTIALS,
    )


def start(client: TestClient, seed: Seed) -> str:
    response = client.get(
        f"/w/{seed.workspace.id}/accounts/connect/{NETWORK}", follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def come_back(client: TestClient, location: str) -> object:
    """Follow the provider's redirect to Clairon's callback (same path and query)."""
    url = urlparse(location)
    assert f"{url.scheme}://{url.netloc}" == BASE_URL and url.path == "/oauth/callback"
    return client.get(f"{url.path}?{url.query}", follow_redirects=False)


def connect(client: TestClient, seed: Seed, provider: Provider) -> None:
    response = come_back(client, provider.authorize(start(client, seed)))
    assert getattr(response, "status_code", None) == 303
    assert getattr(response, "headers", {})["location"] == f"/w/{seed.workspace.id}/accounts"


def stored(ctx: Context, seed: Seed, handle: str) -> tuple[SocialAccount, dict[str, str], bytes]:
    with ctx.store.transaction() as conn:
        account = account_repo.find_account(conn, seed.workspace.id, NETWORK, handle)
        assert account is not None
        raw = conn.execute(
            select(account_table.c.credentials).where(account_table.c.id == account.id)
        ).scalar_one()
        token = account_repo.encrypted_credentials(conn, account.id)
    assert token is not None
    return account, ctx.cipher.decrypt(token), bytes(raw)


def test_page_lists_accounts_and_a_connect_button_per_oauth_network(
    client: TestClient, seed: Seed, ctx: Context
) -> None:
    login(client, seed.owner)
    page = client.get(f"/w/{seed.workspace.id}/accounts")
    assert page.status_code == 200
    html = page.text
    assert f'href="/w/{seed.workspace.id}/accounts"' in html  # in the nav
    assert seed.outbox.handle in html and seed.short.handle in html
    assert '<span class="badge active">active</span>' in html
    assert f'href="/w/{seed.workspace.id}/accounts/connect/{NETWORK}"' in html
    assert "Connect TestNet" in html
    assert f"<code>{BASE_URL}/oauth/callback</code>" in html
    for network in known_networks():
        cls = connector_class(network)
        if cls.oauth is None:  # token networks are offered in the token form
            assert f'<option value="{network}">' in html
        elif network != NETWORK:  # no app credentials configured for them here
            assert f"{cls.display_name or network}: app credentials missing" in html


def test_connect_redirects_with_pkce_and_state_then_stores_encrypted_tokens(
    client: TestClient, seed: Seed, ctx: Context, provider: Provider
) -> None:
    login(client, seed.owner)
    location = start(client, seed)
    url = urlparse(location)
    assert location.startswith(f"{provider.url}/oauth/authorize?")
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == f"{BASE_URL}/oauth/callback"
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert q["scope"] == "post.write profile" and len(q["state"]) > 40
    callback = come_back(client, provider.authorize(location))
    assert getattr(callback, "status_code", None) == 303
    # The verifier sent to the token endpoint is the one the challenge was made from.
    [exchange] = provider.token_requests
    digest = hashlib.sha256(exchange["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == q["code_challenge"]
    assert exchange["redirect_uri"] == q["redirect_uri"]
    account, creds, raw = stored(ctx, seed, "alice")
    assert account.status == AccountStatus.active and account.display_name == "Alice"
    assert creds["access_token"].startswith("AT-1-") and creds["refresh_token"] == "RT-1"
    assert creds["access_token"].encode() not in raw and b"RT-1" not in raw
    assert account.token_expires_at is not None
    expected = datetime.now(UTC) + timedelta(hours=2)
    assert abs((account.token_expires_at - expected).total_seconds()) < 60
    page = client.get(f"/w/{seed.workspace.id}/accounts").text
    assert f"Connected {NETWORK} account alice." in page
    assert 'data-account="' + str(account.id) + '"' in page


def test_reconnect_keeps_the_refresh_token_and_clears_the_banner(
    client: TestClient, seed: Seed, ctx: Context, provider: Provider
) -> None:
    login(client, seed.owner)
    connect(client, seed, provider)
    account, first, _ = stored(ctx, seed, "alice")
    accounts.mark_reconnect_needed(ctx, account.id, "token refresh refused: invalid_grant")
    for path in (f"/w/{seed.workspace.id}/calendar", f"/w/{seed.workspace.id}/accounts"):
        html = client.get(path).text
        assert 'class="flash error banner" role="alert"' in html, path
        assert f"{NETWORK} · alice" in html and "Reconnect needed" in html
    html = client.get(f"/w/{seed.workspace.id}/accounts").text
    assert '<span class="badge reconnect_needed">reconnect needed</span>' in html
    assert "button small" in html and "Reconnect</a>" in html
    provider.send_refresh = False  # re-consent: a new access token only
    connect(client, seed, provider)
    account, again, _ = stored(ctx, seed, "alice")
    assert account.status == AccountStatus.active
    assert again["access_token"] != first["access_token"]
    assert again["refresh_token"] == first["refresh_token"] == "RT-1"
    assert "banner" not in client.get(f"/w/{seed.workspace.id}/calendar").text


def test_denied_by_the_user(
    client: TestClient, seed: Seed, ctx: Context, provider: Provider
) -> None:
    login(client, seed.owner)
    provider.deny = True
    response = come_back(client, provider.authorize(start(client, seed)))
    assert getattr(response, "status_code", None) == 400
    text = getattr(response, "text", "")
    assert "Connection cancelled" in text and "declined" in text
    assert f'href="/w/{seed.workspace.id}/accounts"' in text
    assert provider.token_requests == []
    names = [
        a.network for a in accounts.list_accounts(ctx, Actor(seed.owner.id), seed.workspace.id)
    ]
    assert NETWORK not in names


def test_expired_state_is_refused(
    client: TestClient, seed: Seed, ctx: Context, provider: Provider
) -> None:
    login(client, seed.owner)
    back = provider.authorize(start(client, seed))
    later = datetime.now(UTC) + timedelta(minutes=16)
    ctx.clock = lambda: later
    response = come_back(client, back)
    assert getattr(response, "status_code", None) == 400
    assert "took too long" in getattr(response, "text", "")
    assert provider.token_requests == []


def test_tampered_state_is_refused(
    client: TestClient, seed: Seed, ctx: Context, provider: Provider
) -> None:
    login(client, seed.owner)
    back = provider.authorize(start(client, seed))
    q = parse_qs(urlparse(back).query)
    state = q["state"][0]
    forged = state[:-6] + ("AAAAAA" if not state.endswith("AAAAAA") else "BBBBBB")
    response = client.get("/oauth/callback", params={"code": q["code"][0], "state": forged})
    assert response.status_code == 400
    assert "tampered" in response.text
    response = client.get("/oauth/callback", params={"code": q["code"][0], "state": "x"})
    assert response.status_code == 400 and provider.token_requests == []


def test_token_endpoint_down_is_a_clear_network_error(
    client: TestClient, seed: Seed, provider: Provider
) -> None:
    login(client, seed.owner)
    provider.token_status = [503]
    response = come_back(client, provider.authorize(start(client, seed)))
    assert getattr(response, "status_code", None) == 502
    assert "The network did not answer" in getattr(response, "text", "")


def test_the_callback_belongs_to_the_user_who_started(
    client: TestClient, seed: Seed, provider: Provider
) -> None:
    login(client, seed.owner)
    back = provider.authorize(start(client, seed))
    client.post("/logout", data={"csrf_token": login(client, seed.owner)})
    login(client, seed.editor)
    response = come_back(client, back)
    assert getattr(response, "status_code", None) == 404


def test_editors_cannot_connect(client: TestClient, seed: Seed, provider: Provider) -> None:
    login(client, seed.editor)
    page = client.get(f"/w/{seed.workspace.id}/accounts").text
    assert "Connect TestNet" not in page and "Save webhook" not in page
    response = client.get(
        f"/w/{seed.workspace.id}/accounts/connect/{NETWORK}", follow_redirects=False
    )
    assert response.status_code == 403
    assert provider.authorize_requests == []


def test_token_form_adds_an_account(client: TestClient, seed: Seed, ctx: Context) -> None:
    csrf = login(client, seed.owner)
    url = f"/w/{seed.workspace.id}/accounts/token"
    data = {"csrf_token": csrf, "network": "outbox", "handle": "newsroom", "access_token": "tok"}
    page = client.post(url, data={**data, "more": '{"app_password": "pw"}'}).text
    assert "Added outbox account newsroom." in page
    with ctx.store.transaction() as conn:
        added = account_repo.find_account(conn, seed.workspace.id, "outbox", "newsroom")
        assert added is not None
        token = account_repo.encrypted_credentials(conn, added.id)
    assert token is not None
    assert ctx.cipher.decrypt(token) == {"access_token": "tok", "app_password": "pw"}
    page = client.post(url, data={**data, "handle": ""}).text
    assert "Account not added" in page and "handle" in page
    page = client.post(url, data={**data, "more": "[1]"}).text
    assert "JSON object" in page
    assert client.post(url, data={**data, "csrf_token": "forged"}).status_code == 403


def test_webhook_form_shows_the_secret_once(client: TestClient, seed: Seed) -> None:
    csrf = login(client, seed.owner)
    url = f"/w/{seed.workspace.id}/notifications/webhook"
    page = client.post(url, data={"csrf_token": csrf, "url": "https://hooks.example.org/c"}).text
    assert "signing secret, shown only now" in page
    secret = page.split("shown only now: ")[1].split("<")[0].strip()
    assert len(secret) >= 32
    again = client.get(f"/w/{seed.workspace.id}/accounts").text
    assert 'value="https://hooks.example.org/c"' in again and secret not in again
    bad = client.post(url, data={"csrf_token": csrf, "url": "ftp://nope"}).text
    assert "Webhook not saved" in bad
    client.post(url, data={"csrf_token": csrf, "url": "http://127.0.0.1:9/nobody"})
    test = client.post(f"/w/{seed.workspace.id}/notifications/test", data={"csrf_token": csrf})
    assert "test notification failed" in test.text  # nothing listens on port 9
    assert '<span class="badge failed">failed</span>' in test.text
