"""Authentication: tokens from e-mail + password, 401 without or with a bad token."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from clairon.api.deps import CurrentActor
from clairon.services.context import Actor, Context
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


def test_web_session_user_is_the_actor(ctx: Context) -> None:
    """The web layer identifies a logged-in browser through ``request.state.user_id``
    (on an app without clairon.web, whose middleware would reset it without a session)."""
    user = make_user(ctx, "browser")

    class FakeSession:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                scope.setdefault("state", {})["user_id"] = user.id
            await self.app(scope, receive, send)

    app = FastAPI()
    app.state.ctx = ctx

    @app.get("/whoami")
    def whoami(actor: CurrentActor) -> dict[str, int | None]:
        assert isinstance(actor, Actor)
        return {"user_id": actor.user_id}

    app.add_middleware(FakeSession)
    with TestClient(app) as client:
        assert client.get("/whoami").json() == {"user_id": user.id}
        # an explicit token wins, and a bad one is refused even with a session
        assert client.get("/whoami", headers={"Authorization": "Bearer nope"}).status_code == 401
