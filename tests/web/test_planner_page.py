"""The editorial planner page: proposes slots, keeps locked/moved posts where the user put them
and re-plans the others around them, never proposes a rejected instant again, applies the plan
through the normal scheduling, and is closed to other workspaces and to forged forms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from httpx import Response

from clairon.domain import VariantStatus
from clairon.services import posts
from clairon.services.context import Actor, Context
from tests.web.conftest import Seed, login, seed_workspace
from tests.web.test_besttime_page import _history

PARIS = ZoneInfo("Europe/Paris")
MIN_GAP = timedelta(hours=3)
_HIDDEN = re.compile(r'<input type="hidden" name="(lock|reject|slot)" value="([^"]+)">')


def _approved_posts(ctx: Context, seed: Seed, n: int) -> list[int]:
    """n approved, unscheduled posts for the outbox account; returns their variant ids."""
    owner = Actor(seed.owner.id)
    out = []
    for i in range(n):
        post = posts.create_post(
            ctx,
            owner,
            seed.workspace.id,
            f"planned post {i}",
            [posts.VariantSpec(account_id=seed.outbox.id)],
        )
        posts.submit_for_review(ctx, owner, post.id)
        posts.approve_post(ctx, owner, post.id)
        out.append(post.variants[0].id)
    return out


def _start(ctx: Context) -> date:
    return ctx.now().astimezone(PARIS).date() + timedelta(days=1)


def _options(ctx: Context) -> dict[str, str]:
    return {"from": _start(ctx).isoformat(), "weeks": "1", "per_week.outbox": "3"}


def _state(html: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"lock": [], "reject": [], "slot": []}
    for name, value in _HIDDEN.findall(html):
        out[name].append(value)
    return out


def _slots(html: str) -> dict[int, tuple[int, datetime]]:
    """variant id -> (account id, instant) of every proposed row."""
    out = {}
    for value in _state(html)["slot"]:
        variant, account, at = value.split("@")
        out[int(variant)] = (int(account), datetime.fromisoformat(at))
    return out


def _post(
    client: TestClient, ws_id: int, csrf: str, html: str, ctx: Context, **extra: str
) -> Response:
    data: dict[str, str | list[str]] = {"csrf_token": csrf, **_options(ctx), **_state(html)}
    data.update(extra)
    return client.post(f"/w/{ws_id}/plan", data=data, follow_redirects=False)


def _setup(client: TestClient, ctx: Context, seed: Seed) -> tuple[str, str, list[int]]:
    _history(ctx, seed, 10)
    variants = _approved_posts(ctx, seed, 4)
    csrf = login(client, seed.owner)
    page = client.get(
        f"/w/{seed.workspace.id}/plan?from={_start(ctx).isoformat()}&weeks=1&cadence=outbox=3"
    )
    assert page.status_code == 200, page.text
    return csrf, page.text, variants


def _local_input(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def test_the_page_proposes_explained_slots(client: TestClient, ctx: Context, seed: Seed) -> None:
    _, html, variants = _setup(client, ctx, seed)
    slots = _slots(html)
    assert len(slots) == 3 and set(slots) <= set(variants)
    assert all(account == seed.outbox.id for account, _ in slots.values())
    assert all(at > ctx.now() for _, at in slots.values())
    assert "engagement (90% interval" in html and "planned post" in html
    assert 'value="move:' in html and 'value="lock:' in html and 'value="reject:' in html
    # The fourth post does not fit the cadence of 3 a week: it is listed as not placed.
    assert "Not placed (1)" in html


def test_a_moved_post_keeps_its_slot_and_the_others_keep_their_distance(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    csrf, html, _ = _setup(client, ctx, seed)
    slots = _slots(html)
    (moved, _), (neighbour, (_, neighbour_at)) = sorted(slots.items())[:2]
    target = neighbour_at + timedelta(hours=1)  # inside the neighbour's minimum gap
    answer = _post(
        client, seed.workspace.id, csrf, html, ctx,
        op=f"move:{moved}", **{f"move_{moved}": _local_input(target)},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert "Moved to" in answer.text
    # Re-plan (twice) around the lock: the moved post stays exactly there.
    page = answer.text
    for _ in range(2):
        page = _post(client, seed.workspace.id, csrf, page, ctx, op="replan").text
        after = _slots(page)
        assert after[moved] == (seed.outbox.id, target)
        assert f'name="lock" value="{moved}@{target.isoformat()}"' in page
        others = [at for vid, (_, at) in after.items() if vid != moved]
        assert len(others) == 2
        assert all(abs(at - target) >= MIN_GAP for at in others)
        assert after[neighbour][1] != neighbour_at  # it had to make room


def test_a_locked_slot_survives_replanning(client: TestClient, ctx: Context, seed: Seed) -> None:
    csrf, html, _ = _setup(client, ctx, seed)
    variant, (_, at) = sorted(_slots(html).items())[-1]
    page = _post(client, seed.workspace.id, csrf, html, ctx, op=f"lock:{variant}").text
    page = _post(client, seed.workspace.id, csrf, page, ctx, op="replan", explore="1").text
    assert _slots(page)[variant][1] == at
    assert "locked</span>" in page and f'value="unlock:{variant}"' in page


def test_a_rejected_instant_is_not_proposed_again(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    csrf, html, _ = _setup(client, ctx, seed)
    variant, (_, rejected_at) = sorted(_slots(html).items())[0]
    page = _post(client, seed.workspace.id, csrf, html, ctx, op=f"reject:{variant}").text
    assert f'name="reject" value="{seed.outbox.id}@{rejected_at.isoformat()}"' in page
    for _ in range(2):
        slots = _slots(page)
        assert len(slots) == 3 and variant in slots
        assert rejected_at not in {at for _, at in slots.values()}
        page = _post(client, seed.workspace.id, csrf, page, ctx, op="replan").text


def test_apply_schedules_the_plan_shown(client: TestClient, ctx: Context, seed: Seed) -> None:
    csrf, html, _ = _setup(client, ctx, seed)
    variant = sorted(_slots(html))[0]
    target = datetime.combine(_start(ctx) + timedelta(days=2), datetime.min.time(), PARIS)
    target = target.replace(hour=16, minute=30).astimezone(UTC)
    page = _post(
        client, seed.workspace.id, csrf, html, ctx,
        op=f"move:{variant}", **{f"move_{variant}": _local_input(target)},
    ).text  # fmt: skip
    shown = _slots(page)
    answer = _post(client, seed.workspace.id, csrf, page, ctx, op="apply")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/w/{seed.workspace.id}/calendar")
    assert "Scheduled 3 post(s)" in client.get(answer.headers["location"]).text
    owner = Actor(seed.owner.id)
    scheduled, _ = posts.list_posts(ctx, owner, seed.workspace.id, status=VariantStatus.scheduled)
    at_by_variant = {v.id: v.scheduled_at for p in scheduled for v in p.variants}
    assert at_by_variant == {vid: at for vid, (_, at) in shown.items()}
    assert at_by_variant[variant] == target


def test_a_move_to_the_past_or_a_skipped_time_is_refused(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    csrf, html, _ = _setup(client, ctx, seed)
    variant, slot = sorted(_slots(html).items())[0]
    past = ctx.now() - timedelta(hours=2)
    answer = _post(
        client, seed.workspace.id, csrf, html, ctx,
        op=f"move:{variant}", **{f"move_{variant}": _local_input(past)},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "is in the past" in answer.text
    assert _state(answer.text)["lock"] == []  # nothing was locked
    # 02:30 on the last Sunday of March does not exist in Paris (the clocks jump to 03:00).
    year = ctx.now().year + 1
    last_sunday = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    answer = _post(
        client, seed.workspace.id, csrf, html, ctx,
        op=f"move:{variant}", **{f"move_{variant}": f"{last_sunday}T02:30"},
    )  # fmt: skip
    assert answer.status_code == 422 and "does not exist in Europe/Paris" in answer.text
    assert _slots(answer.text)[variant] == slot


def test_other_workspace_is_404_and_forged_posts_are_403(
    client: TestClient, ctx: Context, seed: Seed
) -> None:
    other = seed_workspace(ctx, "Other")
    csrf = login(client, seed.owner)
    assert client.get(f"/w/{other.workspace.id}/plan").status_code == 404
    answer = client.post(f"/w/{other.workspace.id}/plan", data={"csrf_token": csrf, "op": "replan"})
    assert answer.status_code == 404
    forged = client.post(f"/w/{seed.workspace.id}/plan", data={"op": "apply"})
    assert forged.status_code == 403
