"""The foundation's vertical slice through the HTTP API, and pagination."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from clairon.services.context import Context
from tests.api.conftest import make_caller


def test_create_review_schedule_and_see_on_calendar(ctx: Context, client: TestClient) -> None:
    editor, approver = make_caller(ctx, "editor"), make_caller(ctx, "approver")
    r = client.post(
        "/api/v1/workspaces",
        json={"name": "Maison Lune", "timezone": "Europe/Paris", "languages": ["fr", "en"]},
        headers=editor.headers,
    )
    assert r.status_code == 201, r.text
    ws = r.json()
    assert ws["role"] == "owner" and ws["require_approval"] is True
    r = client.post(
        f"/api/v1/workspaces/{ws['id']}/members",
        json={"email": approver.user.email, "role": "approver"},
        headers=editor.headers,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/v1/workspaces/{ws['id']}/accounts",
        json={"network": "outbox", "handle": "lune", "credentials": {"token": "s3cret"}},
        headers=editor.headers,
    )
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["has_credentials"] is True and "credentials" not in account

    r = client.post(
        f"/api/v1/workspaces/{ws['id']}/posts",
        json={
            "title": "Launch",
            "body": "Notre nouvelle collection arrive.",
            "variants": [{"account_id": account["id"], "language": "fr"}],
        },
        headers=editor.headers,
    )
    assert r.status_code == 201, r.text
    post = r.json()
    assert post["status"] == "draft"
    assert post["variants"][0]["text"] == "Notre nouvelle collection arrive."

    # approving before submission, or by a non-approver, is refused
    r = client.post(f"/api/v1/posts/{post['id']}/approve", headers=approver.headers)
    assert r.status_code == 422
    r = client.post(f"/api/v1/posts/{post['id']}/submit", headers=editor.headers)
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    r = client.post(
        f"/api/v1/posts/{post['id']}/approve", json={"comment": "ok"}, headers=approver.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"

    at = ctx.now().replace(microsecond=0) + timedelta(days=2)
    r = client.post(
        f"/api/v1/posts/{post['id']}/schedule",
        json={"scheduled_at": at.isoformat()},
        headers=approver.headers,
    )
    assert r.status_code == 200, r.text
    assert [v["status"] for v in r.json()] == ["scheduled"]

    r = client.get(
        f"/api/v1/workspaces/{ws['id']}/calendar",
        params={
            "start": (at - timedelta(days=1)).isoformat(),
            "end": (at + timedelta(days=1)).isoformat(),
            "account_id": account["id"],
        },
        headers=editor.headers,
    )
    assert r.status_code == 200, r.text
    [entry] = r.json()
    assert entry["post_id"] == post["id"]
    assert datetime.fromisoformat(entry["scheduled_at"]) == at  # aware, UTC ("Z")

    notes = client.get(f"/api/v1/posts/{post['id']}/review-notes", headers=editor.headers).json()
    assert [n["decision"] for n in notes] == ["submitted", "approved"]

    # cancel takes it off the calendar
    r = client.post(f"/api/v1/variants/{entry['id']}/cancel", headers=editor.headers)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.get(
        f"/api/v1/workspaces/{ws['id']}/calendar",
        params={
            "start": (at - timedelta(days=1)).isoformat(),
            "end": (at + timedelta(days=1)).isoformat(),
        },
        headers=editor.headers,
    )
    assert r.json() == []


def test_reject_needs_a_comment_and_returns_to_draft(ctx: Context, client: TestClient) -> None:
    owner = make_caller(ctx, "owner")
    ws = client.post("/api/v1/workspaces", json={"name": "R"}, headers=owner.headers).json()
    acc = client.post(
        f"/api/v1/workspaces/{ws['id']}/accounts",
        json={"network": "outbox", "handle": "r"},
        headers=owner.headers,
    ).json()
    post = client.post(
        f"/api/v1/workspaces/{ws['id']}/posts",
        json={"body": "Hello", "variants": [{"account_id": acc["id"]}]},
        headers=owner.headers,
    ).json()
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=owner.headers)
    r = client.post(f"/api/v1/posts/{post['id']}/reject", json={}, headers=owner.headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["comment"]
    r = client.post(
        f"/api/v1/posts/{post['id']}/reject", json={"comment": "too vague"}, headers=owner.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "draft"


def test_posts_are_paginated_with_total(ctx: Context, client: TestClient) -> None:
    owner = make_caller(ctx, "owner")
    ws = client.post("/api/v1/workspaces", json={"name": "P"}, headers=owner.headers).json()
    acc = client.post(
        f"/api/v1/workspaces/{ws['id']}/accounts",
        json={"network": "outbox", "handle": "p"},
        headers=owner.headers,
    ).json()
    created = set()
    for i in range(5):
        r = client.post(
            f"/api/v1/workspaces/{ws['id']}/posts",
            json={"body": f"post {i}", "variants": [{"account_id": acc["id"]}]},
            headers=owner.headers,
        )
        created.add(r.json()["id"])
    seen: list[int] = []
    for offset in (0, 2, 4):
        r = client.get(
            f"/api/v1/workspaces/{ws['id']}/posts",
            params={"limit": 2, "offset": offset},
            headers=owner.headers,
        )
        assert r.status_code == 200
        page = r.json()
        assert page["total"] == 5 and r.headers["x-total-count"] == "5"
        assert (page["limit"], page["offset"]) == (2, offset)
        seen += [p["id"] for p in page["items"]]
    assert len(seen) == 5 and set(seen) == created
    r = client.get(
        f"/api/v1/workspaces/{ws['id']}/posts", params={"limit": 0}, headers=owner.headers
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "limit"]
