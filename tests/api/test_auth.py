"""Authentication: tokens from e-mail + password, 401 without or with a bad token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clairon.services.context import Context
from tests.api.conftest import make_caller
from tests.factories import make_user


def test_login_issues_a_token_that_authenticates(ctx: Context, client: TestClient) -> None:
    user = make_user(ctx, "login", password="correct-horse")
    r = client.post("/api/v1/tokens", json={"email": user.email, "password": "correct-horse"})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert r.json()["user"]["id"] == user.id
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_wrong_password_is_401(ctx: Context, client: TestClient) -> None:
    user = make_user(ctx, "login", password="correct-horse")
    r = client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong-horse!"})
    assert r.status_code == 401
    r = client.post("/api/v1/tokens", json={"email": "nobody@example.org", "password": "x" * 9})
    assert r.status_code == 401


def test_no_token_is_401(client: TestClient) -> None:
    for path in ("/api/v1/me", "/api/v1/workspaces", "/api/v1/posts/1"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"] == "Bearer"


def test_bad_token_is_401(ctx: Context, client: TestClient) -> None:
    make_caller(ctx)
    for header in ("Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "token"):
        r = client.get("/api/v1/workspaces", headers={"Authorization": header})
        assert r.status_code == 401, header


def test_health_needs_no_token(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_openapi_lists_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/workspaces/{workspace_id}/posts" in schema["paths"]
    assert "/api/v1/tokens" in schema["paths"]
