"""Workspace isolation: for EVERY route of the API, a member of workspace A gets 404/403 on
workspace B's objects and B's data is left untouched; B's own owner, making the very same
request, succeeds (so each case really exercises the route, not a malformed request).

``CASES`` maps each route to how its parameters and body are filled. A route added to the app
without a case here makes ``test_every_route_is_covered`` fail.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image

from clairon.domain import MetricSnapshot
from clairon.networks.base import RemoteComment
from clairon.services import inbox, media, metrics, posts, scheduling, users
from clairon.services.context import Actor, Context
from clairon.services.posts import VariantSpec
from clairon.web import mount_web
from tests.api.conftest import Caller, table_dump
from tests.factories import World, make_world

FUTURE = timedelta(days=3)
BRIEF = "Lancement de Lumen Arc le 12 mars 2026. Plus d'infos : https://lumen.example.com/arc"


@dataclass
class Target:
    """Workspace B's objects, one in each state a route needs to succeed."""

    world: World
    owner: Caller
    draft_post: int
    draft_variant: int
    review_post: int
    approved_post: int
    approved_variant: int
    scheduled_variant: int
    scheduled_at: datetime
    inbox_item: int
    media: int

    @property
    def ws(self) -> int:
        return self.world.workspace.id

    @property
    def account(self) -> int:
        return self.world.outbox.id


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buf, format="PNG")
    return buf.getvalue()


def build_target(ctx: Context) -> Target:
    world = make_world(ctx, "Bravo")
    actor, acc = world.actor, world.outbox.id
    spec = [VariantSpec(account_id=acc, language="fr")]
    draft = posts.create_post(ctx, actor, world.workspace.id, "brouillon", spec)
    review = posts.create_post(ctx, actor, world.workspace.id, "en revue", spec)
    posts.submit_for_review(ctx, actor, review.id)
    approved = posts.create_post(
        ctx, actor, world.workspace.id, "validé", [*spec, VariantSpec(acc, language="en")]
    )
    posts.submit_for_review(ctx, actor, approved.id)
    posts.approve_post(ctx, actor, approved.id)
    at = (ctx.now() + FUTURE).replace(microsecond=0)
    scheduled = scheduling.schedule_variant(ctx, actor, approved.variants[1].id, at)
    [item] = inbox.ingest_comments(
        ctx,
        acc,
        [RemoteComment("c1", "root", "fan", "Superbe !", datetime(2026, 1, 1, tzinfo=UTC))],
    )
    metrics.record_metrics(
        ctx, [MetricSnapshot(draft.variants[0].id, ctx.now(), impressions=10, reactions=2)]
    )
    picture = media.register_media(ctx, actor, world.workspace.id, "b.png", _png())
    assert world.owner.id == actor.user_id
    owner = Caller(world.owner, users.issue_api_token(ctx, world.owner.id))
    return Target(
        world=world,
        owner=owner,
        draft_post=draft.id,
        draft_variant=draft.variants[0].id,
        review_post=review.id,
        approved_post=approved.id,
        approved_variant=approved.variants[0].id,
        scheduled_variant=scheduled.id,
        scheduled_at=at,
        inbox_item=item,
        media=picture.id,
    )


Params = Callable[[Target], dict[str, int]]
Body = Callable[[Target], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    params: Params
    json: Body | None = None
    query: Body | None = None
    upload: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _ws(t: Target) -> dict[str, int]:
    return {"workspace_id": t.ws}


def _rule(t: Target) -> dict[str, Any]:
    return {"workspace_id": t.ws, "rule_id": "links"}  # the rule the POST case creates


def _schedule_body(t: Target) -> dict[str, Any]:
    return {"scheduled_at": (t.scheduled_at + timedelta(hours=1)).isoformat()}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/workspaces/{workspace_id}"): Case(_ws),
    ("PATCH", "/api/v1/workspaces/{workspace_id}"): Case(
        _ws, json=lambda t: {"require_approval": True}
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/members"): Case(_ws),
    ("POST", "/api/v1/workspaces/{workspace_id}/members"): Case(
        _ws, json=lambda t: {"email": "newcomer@example.org", "role": "viewer"}
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/accounts"): Case(_ws),
    ("POST", "/api/v1/workspaces/{workspace_id}/accounts"): Case(
        _ws, json=lambda t: {"network": "outbox", "handle": "intruder"}
    ),
    ("GET", "/api/v1/accounts/{account_id}"): Case(lambda t: {"account_id": t.account}),
    ("POST", "/api/v1/workspaces/{workspace_id}/media"): Case(_ws, upload=True),
    ("GET", "/api/v1/media/{media_id}"): Case(lambda t: {"media_id": t.media}),
    ("POST", "/api/v1/workspaces/{workspace_id}/posts"): Case(
        _ws, json=lambda t: {"body": "intrusion", "variants": [{"account_id": t.account}]}
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/posts"): Case(_ws),
    ("GET", "/api/v1/posts/{post_id}"): Case(lambda t: {"post_id": t.draft_post}),
    ("POST", "/api/v1/posts/{post_id}/variants"): Case(
        lambda t: {"post_id": t.draft_post},
        json=lambda t: {"variants": [{"account_id": t.account, "language": "en"}]},
    ),
    ("PATCH", "/api/v1/variants/{variant_id}"): Case(
        lambda t: {"variant_id": t.draft_variant}, json=lambda t: {"text": "défiguré"}
    ),
    ("POST", "/api/v1/posts/{post_id}/submit"): Case(lambda t: {"post_id": t.draft_post}),
    ("POST", "/api/v1/posts/{post_id}/approve"): Case(lambda t: {"post_id": t.review_post}),
    ("POST", "/api/v1/posts/{post_id}/reject"): Case(
        lambda t: {"post_id": t.review_post}, json=lambda t: {"comment": "non"}
    ),
    ("GET", "/api/v1/posts/{post_id}/review-notes"): Case(lambda t: {"post_id": t.review_post}),
    ("POST", "/api/v1/posts/{post_id}/schedule"): Case(
        lambda t: {"post_id": t.approved_post}, json=_schedule_body
    ),
    ("POST", "/api/v1/variants/{variant_id}/schedule"): Case(
        lambda t: {"variant_id": t.approved_variant}, json=_schedule_body
    ),
    ("POST", "/api/v1/variants/{variant_id}/cancel"): Case(
        lambda t: {"variant_id": t.scheduled_variant}
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/calendar"): Case(
        _ws,
        query=lambda t: {
            "start": (t.scheduled_at - timedelta(days=1)).isoformat(),
            "end": (t.scheduled_at + timedelta(days=1)).isoformat(),
        },
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/inbox"): Case(_ws),
    ("PATCH", "/api/v1/inbox/{item_id}"): Case(
        lambda t: {"item_id": t.inbox_item}, json=lambda t: {"status": "hidden"}
    ),
    ("GET", "/api/v1/variants/{variant_id}/metrics"): Case(
        lambda t: {"variant_id": t.draft_variant}
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/drafts"): Case(
        _ws, json=lambda t: {"brief": BRIEF, "account_ids": [t.account], "languages": ["fr"]}
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/drafts/stream"): Case(
        _ws, json=lambda t: {"brief": BRIEF, "account_id": t.account, "language": "fr"}
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/drafts/accept"): Case(
        _ws,
        json=lambda t: {
            "drafts": [
                {
                    "account_id": t.account,
                    "network": "outbox",
                    "language": "fr",
                    "ab_letter": "A",
                    "text": "Lancement le 12 mars.",
                }
            ]
        },
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/rules"): Case(_ws),
    ("POST", "/api/v1/workspaces/{workspace_id}/rules"): Case(
        _ws,
        json=lambda t: {
            "name": "links",
            "when": {"contains_link": True},
            "actions": [{"type": "hide"}],
        },
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/rules/{rule_id}/dry-run"): Case(_rule),
    ("GET", "/api/v1/workspaces/{workspace_id}/assistant"): Case(_ws),
    ("PUT", "/api/v1/workspaces/{workspace_id}/assistant"): Case(
        _ws, json=lambda t: {"auto_send": True, "threshold": 0.9, "synonyms": "a: b"}
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/knowledge"): Case(_ws),
    ("POST", "/api/v1/workspaces/{workspace_id}/knowledge"): Case(
        _ws,
        json=lambda t: {
            "entries": [
                {
                    "id": "ship",
                    "question": "Shipping cost?",
                    "answer": "4.90 euros.",
                    "language": "en",
                }
            ]
        },
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/brand-voice"): Case(_ws),
    ("PUT", "/api/v1/workspaces/{workspace_id}/brand-voice"): Case(
        _ws, json=lambda t: {"tone": ["warm"], "dont_words": ["cheap"]}
    ),
}

# Routes without an object in their path: they act on the caller only (checked below).
CALLER_SCOPED = {
    ("POST", "/api/v1/tokens"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/workspaces"),
    ("POST", "/api/v1/workspaces"),
}

# Everything that is not the JSON API: docs, schema, health, and the web UI's own pages
# (those are mounted by clairon.web and tested there).
DOCS_AND_HEALTH = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/healthz"}


def _flat_routes(app: FastAPI) -> list[tuple[str, set[str], bool]]:
    """(path, methods, is a JSON API route) for every route, routers included.

    FastAPI >= 0.16x keeps included routers as lazy branches in ``app.routes``; its
    ``iter_route_contexts`` flattens them (older versions list the routes themselves)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        return [
            (
                str(getattr(r, "path", "")),
                set(getattr(r, "methods", None) or ()),
                isinstance(r, APIRoute),
            )
            for r in app.routes
        ]
    return [
        (str(c.path), set(c.methods or ()), isinstance(c.original_route, APIRoute))
        for c in iter_route_contexts(app.routes)
    ]


def _web_paths(ctx: Context) -> set[str]:
    """What clairon.web mounts on an app of its own (its pages are tested in tests/web)."""
    bare = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    bare.state.ctx = ctx
    mount_web(bare)
    return {path for path, _, _ in _flat_routes(bare)}


def test_every_route_is_covered(ctx: Context, app: FastAPI) -> None:
    routes = _flat_routes(app)
    api = {
        (method, path)
        for path, methods, is_api in routes
        if is_api and path.startswith("/api/")
        for method in methods
    }
    assert len(api) > 20  # the enumeration itself works
    assert api == set(CASES) | CALLER_SCOPED, (
        "routes without an isolation case: "
        f"{sorted(api - set(CASES) - CALLER_SCOPED)}; stale cases: "
        f"{sorted((set(CASES) | CALLER_SCOPED) - api)}"
    )
    documented = {
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in ops
    }
    assert documented == api
    for method, path in CASES:
        assert "{" in path, f"{method} {path} has no object to isolate: move it to CALLER_SCOPED"
    for method, path in CALLER_SCOPED:
        assert "{" not in path, f"{method} {path} takes an object id: it needs a case"
    web = _web_paths(ctx)
    assert not any(p.startswith("/api/") for p in web)
    skipped = {path for path, _, is_api in routes if not (is_api and path.startswith("/api/"))}
    assert skipped == DOCS_AND_HEALTH | web


def _request(client: TestClient, caller: Caller, route: tuple[str, str], t: Target) -> Any:
    method, template = route
    case = CASES[route]
    kwargs: dict[str, Any] = {"headers": caller.headers}
    if case.json is not None:
        kwargs["json"] = case.json(t)
    if case.query is not None:
        kwargs["params"] = case.query(t)
    if case.upload:
        kwargs["files"] = {"file": ("pic.png", _png(), "image/png")}
    return client.request(method, template.format(**case.params(t)), **kwargs)


def test_other_workspace_gets_404_or_403(ctx: Context, client: TestClient) -> None:
    target = build_target(ctx)
    alpha = make_world(ctx, "Alpha")  # A owns workspace A, with every right there, and only there
    intruder = Caller(alpha.owner, users.issue_api_token(ctx, alpha.owner.id))
    before = table_dump(ctx)
    for route in CASES:
        refused = _request(client, intruder, route, target)
        assert refused.status_code in (403, 404), (route, refused.text)
        assert "Bravo" not in refused.text and "brouillon" not in refused.text, route
        assert table_dump(ctx) == before, f"{route}: a refused request changed the database"


def test_each_case_succeeds_for_the_workspace_owner(ctx: Context, client: TestClient) -> None:
    """The control: the same requests, made by B's owner, succeed (in ``CASES`` order, which
    is chosen so that each request finds its object in the state it needs)."""
    target = build_target(ctx)
    for route in CASES:
        allowed = _request(client, target.owner, route, target)
        assert 200 <= allowed.status_code < 300, (route, allowed.text)


def test_caller_scoped_routes_show_only_the_callers_objects(
    ctx: Context, client: TestClient
) -> None:
    target = build_target(ctx)
    alpha = make_world(ctx, "Alpha")
    intruder = Caller(alpha.owner, users.issue_api_token(ctx, alpha.owner.id))
    mine = client.get("/api/v1/workspaces", headers=intruder.headers).json()
    assert [w["id"] for w in mine] == [alpha.workspace.id]
    me = client.get("/api/v1/me", headers=intruder.headers).json()
    assert me["id"] == alpha.owner.id
    r = client.post(
        "/api/v1/tokens", json={"email": target.owner.user.email, "password": "wrong-pass"}
    )
    assert r.status_code == 401
    created = client.post("/api/v1/workspaces", json={"name": "Bravo"}, headers=intruder.headers)
    assert created.status_code == 201
    assert created.json()["id"] != target.ws and created.json()["slug"] != "bravo"


def test_references_to_another_workspace_are_refused(ctx: Context, client: TestClient) -> None:
    """Ids of B's account, media or variant inside A's own requests are not found."""
    target = build_target(ctx)
    alpha = make_world(ctx, "Alpha")
    a = Caller(alpha.owner, users.issue_api_token(ctx, alpha.owner.id))
    own = posts.create_post(
        ctx, Actor(alpha.owner.id), alpha.workspace.id, "à nous", [VariantSpec(alpha.outbox.id)]
    )
    before = table_dump(ctx)
    r = client.post(
        f"/api/v1/workspaces/{alpha.workspace.id}/posts",
        json={"body": "x", "variants": [{"account_id": target.account}]},
        headers=a.headers,
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["variants", 0, "account_id"]
    r = client.patch(
        f"/api/v1/variants/{own.variants[0].id}",
        json={"media_ids": [target.media]},
        headers=a.headers,
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["variant", "media_ids", 0]
    assert table_dump(ctx) == before
    start = (target.scheduled_at - timedelta(days=1)).isoformat()
    end = (target.scheduled_at + timedelta(days=1)).isoformat()
    r = client.get(
        f"/api/v1/workspaces/{alpha.workspace.id}/calendar",
        params={"start": start, "end": end, "account_id": target.account},
        headers=a.headers,
    )
    assert r.status_code == 200 and r.json() == []
    r = client.get(
        f"/api/v1/workspaces/{alpha.workspace.id}/inbox",
        params={"variant_id": target.draft_variant},
        headers=a.headers,
    )
    assert r.status_code == 200 and r.json()["total"] == 0
