from __future__ import annotations

from datetime import timedelta

import pytest

from clairon.domain import Role, VariantStatus
from clairon.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from clairon.services import posts, scheduling
from clairon.services.context import Context
from clairon.store import audit as audit_repo
from tests.factories import add_member, make_world


def test_create_review_approve_schedule(ctx: Context) -> None:
    w = make_world(ctx)
    post = posts.create_post(ctx, w.actor, w.workspace.id, "Bonjour le monde",
                             [posts.VariantSpec(account_id=w.outbox.id)])
    assert post.status == VariantStatus.draft
    with pytest.raises(ValidationFailed, match="approval is required"):
        scheduling.schedule_post(ctx, w.actor, post.id, ctx.now() + timedelta(hours=1))
    post = posts.submit_for_review(ctx, w.actor, post.id)
    assert post.status == VariantStatus.in_review
    approver = add_member(ctx, w, Role.approver)
    post = posts.approve_post(ctx, approver, post.id, "ok")
    assert post.status == VariantStatus.approved
    at = ctx.now() + timedelta(hours=2)
    scheduled = scheduling.schedule_post(ctx, w.actor, post.id, at)
    assert scheduled[0].status == VariantStatus.scheduled
    assert scheduled[0].scheduled_at == at
    with ctx.store.transaction() as conn:
        actions = [e.action for e in audit_repo.list_events(conn, w.workspace.id)]
    assert {"post.create", "post.submit", "post.approve", "variant.schedule"} <= set(actions)


def test_editor_cannot_approve_and_viewer_cannot_compose(ctx: Context) -> None:
    w = make_world(ctx)
    editor = add_member(ctx, w, Role.editor)
    viewer = add_member(ctx, w, Role.viewer)
    post = posts.create_post(ctx, editor, w.workspace.id, "Hello",
                             [posts.VariantSpec(account_id=w.outbox.id)])
    posts.submit_for_review(ctx, editor, post.id)
    with pytest.raises(PermissionDenied):
        posts.approve_post(ctx, editor, post.id)
    with pytest.raises(PermissionDenied):
        posts.create_post(ctx, viewer, w.workspace.id, "x",
                          [posts.VariantSpec(account_id=w.outbox.id)])


def test_other_workspace_is_invisible(ctx: Context) -> None:
    a = make_world(ctx, "Alpha")
    b = make_world(ctx, "Beta")
    post = posts.create_post(ctx, b.actor, b.workspace.id, "secret",
                             [posts.VariantSpec(account_id=b.outbox.id)])
    with pytest.raises(NotFound):
        posts.get_post(ctx, a.actor, post.id)
    with pytest.raises(NotFound):
        posts.create_post(ctx, a.actor, b.workspace.id, "x",
                          [posts.VariantSpec(account_id=b.outbox.id)])
    with pytest.raises(ValidationFailed, match="account"):
        posts.create_post(ctx, a.actor, a.workspace.id, "x",
                          [posts.VariantSpec(account_id=b.outbox.id)])


def test_past_schedule_and_illegal_transition(ctx: Context) -> None:
    w = make_world(ctx, require_approval=False)
    post = posts.create_post(ctx, w.actor, w.workspace.id, "x",
                             [posts.VariantSpec(account_id=w.outbox.id)])
    with pytest.raises(ValidationFailed, match="scheduled_at"):
        scheduling.schedule_post(ctx, w.actor, post.id, ctx.now() - timedelta(hours=1))
    variant = scheduling.schedule_post(ctx, w.actor, post.id, ctx.now() + timedelta(hours=1))[0]
    cancelled = scheduling.cancel_variant(ctx, w.actor, variant.id)
    assert cancelled.status == VariantStatus.approved
    with pytest.raises(InvalidTransition):
        scheduling.cancel_variant(ctx, w.actor, variant.id)


def test_credentials_encrypted_and_merged_on_reconnect(ctx: Context) -> None:
    from clairon.services import accounts
    from clairon.store import accounts as account_repo

    w = make_world(ctx)
    credentials = {"access_token": "A1", "refresh_token": "refresh-secret-R1"}
    acc = accounts.connect_account(
        ctx, w.actor, w.workspace.id, "outbox", "tok", credentials=credentials
    )
    with ctx.store.transaction() as conn:
        raw = account_repo.encrypted_credentials(conn, acc.id)
    # A secret long enough never to show up by chance in the base64 ciphertext ("R1" did, 3 %).
    assert raw is not None and b"refresh-secret" not in raw
    accounts.connect_account(ctx, w.actor, w.workspace.id, "outbox", "tok",
                             credentials={"access_token": "A2"})
    creds = accounts.account_context(ctx, accounts.get_account(ctx, w.actor, acc.id)).credentials
    assert creds == {"access_token": "A2", "refresh_token": "refresh-secret-R1"}
