"""Reading and acting on the other resources: members, accounts, media, inbox, metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from clairon.domain import MetricSnapshot
from clairon.networks.base import RemoteComment
from clairon.services import inbox, metrics
from clairon.services.context import Context
from tests.api.conftest import make_caller


def test_members_roles_and_permissions(ctx: Context, client: TestClient) -> None:
    owner, viewer = make_caller(ctx, "owner"), make_caller(ctx, "viewer")
    ws = client.post("/api/v1/workspaces", json={"name": "Team"}, headers=owner.headers).json()
    r = client.post(
        f"/api/v1/workspaces/{ws['id']}/members",
        json={"email": viewer.user.email, "role": "viewer"},
        headers=owner.headers,
    )
    assert r.status_code == 201
    members = client.get(f"/api/v1/workspaces/{ws['id']}/members", headers=viewer.headers).json()
    assert sorted((m["user"]["email"], m["role"]) for m in members) == sorted(
        [(owner.user.email, "owner"), (viewer.user.email, "viewer")]
    )
    got = client.get(f"/api/v1/workspaces/{ws['id']}", headers=viewer.headers).json()
    assert got["role"] == "viewer"
    # a viewer sees but may not change: 403 (not 404, the workspace is visible to them)
    r = client.post(
        f"/api/v1/workspaces/{ws['id']}/accounts",
        json={"network": "outbox", "handle": "v"},
        headers=viewer.headers,
    )
    assert r.status_code == 403
    r = client.patch(
        f"/api/v1/workspaces/{ws['id']}", json={"require_approval": False}, headers=viewer.headers
    )
    assert r.status_code == 403
    r = client.patch(
        f"/api/v1/workspaces/{ws['id']}", json={"require_approval": False}, headers=owner.headers
    )
    assert r.status_code == 200 and r.json()["require_approval"] is False


def test_duplicate_slug_is_a_conflict(ctx: Context, client: TestClient) -> None:
    owner = make_caller(ctx)
    body = {"name": "Same", "slug": "same"}
    assert client.post("/api/v1/workspaces", json=body, headers=owner.headers).status_code == 201
    r = client.post("/api/v1/workspaces", json=body, headers=owner.headers)
    assert r.status_code == 409 and "same" in r.json()["detail"]


def test_accounts_list_and_reconnect_keep_credentials_secret(
    ctx: Context, client: TestClient
) -> None:
    owner = make_caller(ctx)
    ws = client.post("/api/v1/workspaces", json={"name": "Acc"}, headers=owner.headers).json()
    url = f"/api/v1/workspaces/{ws['id']}/accounts"
    first = client.post(
        url,
        json={"network": "outbox", "handle": "h", "credentials": {"refresh": "r1"}},
        headers=owner.headers,
    ).json()
    again = client.post(
        url,
        json={"network": "outbox", "handle": "h", "credentials": {"access": "a2"}},
        headers=owner.headers,
    ).json()
    assert again["id"] == first["id"]
    listed = client.get(url, headers=owner.headers).json()
    assert [a["id"] for a in listed] == [first["id"]]
    assert "r1" not in str(listed) and "a2" not in str(listed)
    one = client.get(f"/api/v1/accounts/{first['id']}", headers=owner.headers).json()
    assert one["has_credentials"] is True and one["network"] == "outbox"


def test_inbox_pagination_and_status(ctx: Context, client: TestClient) -> None:
    owner = make_caller(ctx)
    ws = client.post("/api/v1/workspaces", json={"name": "Inb"}, headers=owner.headers).json()
    acc = client.post(
        f"/api/v1/workspaces/{ws['id']}/accounts",
        json={"network": "outbox", "handle": "i"},
        headers=owner.headers,
    ).json()
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    inbox.ingest_comments(
        ctx,
        acc["id"],
        [
            RemoteComment(f"c{i}", "root", f"fan{i}", f"comment {i}", t0 + timedelta(minutes=i))
            for i in range(3)
        ],
    )
    url = f"/api/v1/workspaces/{ws['id']}/inbox"
    page = client.get(url, params={"limit": 2}, headers=owner.headers)
    assert page.status_code == 200
    assert page.json()["total"] == 3 and page.headers["x-total-count"] == "3"
    assert len(page.json()["items"]) == 2
    rest = client.get(url, params={"limit": 2, "offset": 2}, headers=owner.headers).json()
    ids = [i["id"] for i in page.json()["items"]] + [i["id"] for i in rest["items"]]
    assert len(set(ids)) == 3
    r = client.patch(f"/api/v1/inbox/{ids[0]}", json={"status": "done"}, headers=owner.headers)
    assert r.status_code == 200 and r.json()["status"] == "done"
    r = client.patch(f"/api/v1/inbox/{ids[0]}", json={"status": "archived"}, headers=owner.headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["status"]
    open_items = client.get(url, params={"status": "open"}, headers=owner.headers).json()
    assert open_items["total"] == 2


def test_metrics_of_a_variant(ctx: Context, client: TestClient) -> None:
    owner = make_caller(ctx)
    ws = client.post("/api/v1/workspaces", json={"name": "Met"}, headers=owner.headers).json()
    acc = client.post(
        f"/api/v1/workspaces/{ws['id']}/accounts",
        json={"network": "outbox", "handle": "m"},
        headers=owner.headers,
    ).json()
    post = client.post(
        f"/api/v1/workspaces/{ws['id']}/posts",
        json={"body": "m", "variants": [{"account_id": acc["id"]}]},
        headers=owner.headers,
    ).json()
    vid = post["variants"][0]["id"]
    t0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
    metrics.record_metrics(
        ctx,
        [
            MetricSnapshot(vid, t0, impressions=100, reactions=5, comments=2),
            MetricSnapshot(vid, t0 + timedelta(hours=1), impressions=150, reactions=9, shares=1),
        ],
    )
    r = client.get(f"/api/v1/variants/{vid}/metrics", headers=owner.headers)
    assert r.status_code == 200
    rows = r.json()
    assert [m["impressions"] for m in rows] == [100, 150]
    assert [m["engagements"] for m in rows] == [7, 10]
    assert datetime.fromisoformat(rows[0]["observed_at"]) == t0
