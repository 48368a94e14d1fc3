"""Posts, variants, media, campaigns and review notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from clairon.domain import Campaign, Media, Post, Variant, VariantStatus
from clairon.store.rows import to_media, to_post, to_variant
from clairon.store.tables import campaigns, media, posts, review_notes, variants

__all__ = [
    "add_review_note",
    "get_media",
    "get_post",
    "get_variant",
    "insert_campaign",
    "insert_media",
    "insert_post",
    "insert_variant",
    "list_posts",
    "list_review_notes",
    "list_variants_in_range",
    "update_variant",
    "variants_of_post",
]


def insert_post(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(posts).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def get_post(conn: Connection, post_id: int) -> Post | None:
    row = conn.execute(select(posts).where(posts.c.id == post_id)).mappings().first()
    if row is None:
        return None
    return to_post(row, tuple(variants_of_post(conn, post_id)))


def list_posts(
    conn: Connection,
    workspace_id: int,
    *,
    status: VariantStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Post], int]:
    q = select(posts).where(posts.c.workspace_id == workspace_id)
    if status is not None:
        q = q.where(
            posts.c.id.in_(select(variants.c.post_id).where(variants.c.status == status.value))
        )
    total = int(conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())
    rows = list(conn.execute(q.order_by(posts.c.id.desc()).limit(limit).offset(offset)).mappings())
    ids = [r["id"] for r in rows]
    by_post: dict[int, list[Variant]] = {i: [] for i in ids}
    if ids:
        vq = select(variants).where(variants.c.post_id.in_(ids)).order_by(variants.c.id)
        for vr in conn.execute(vq).mappings():
            by_post[vr["post_id"]].append(to_variant(vr))
    return [to_post(r, tuple(by_post[r["id"]])) for r in rows], total


def insert_variant(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(variants).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def get_variant(conn: Connection, variant_id: int) -> Variant | None:
    row = conn.execute(select(variants).where(variants.c.id == variant_id)).mappings().first()
    return to_variant(row) if row else None


def variants_of_post(conn: Connection, post_id: int) -> list[Variant]:
    q = select(variants).where(variants.c.post_id == post_id).order_by(variants.c.id)
    return [to_variant(r) for r in conn.execute(q).mappings()]


def update_variant(
    conn: Connection, variant_id: int, *, expect_status: VariantStatus | None = None, **values: Any
) -> bool:
    """Update one variant; with ``expect_status`` only if it is still in that state
    (compare-and-set). Returns whether a row changed."""
    q = update(variants).where(variants.c.id == variant_id)
    if expect_status is not None:
        q = q.where(variants.c.status == expect_status.value)
    return bool(conn.execute(q.values(**values)).rowcount)


def list_variants_in_range(
    conn: Connection,
    workspace_id: int,
    start: datetime,
    end: datetime,
    *,
    account_ids: Sequence[int] | None = None,
) -> list[Variant]:
    q = select(variants).where(
        variants.c.workspace_id == workspace_id,
        variants.c.scheduled_at >= start,
        variants.c.scheduled_at < end,
    )
    if account_ids:
        q = q.where(variants.c.account_id.in_(list(account_ids)))
    return [to_variant(r) for r in conn.execute(q.order_by(variants.c.scheduled_at)).mappings()]


def insert_media(conn: Connection, **values: Any) -> Media:
    new_id = conn.execute(insert(media).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    m = get_media(conn, int(new_id))
    assert m is not None
    return m


def get_media(conn: Connection, media_id: int) -> Media | None:
    row = conn.execute(select(media).where(media.c.id == media_id)).mappings().first()
    return to_media(row) if row else None


def insert_campaign(conn: Connection, **values: Any) -> Campaign:
    new_id = conn.execute(insert(campaigns).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    row = conn.execute(select(campaigns).where(campaigns.c.id == new_id)).mappings().one()
    return Campaign(
        id=row["id"],
        workspace_id=row["workspace_id"],
        name=row["name"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        description=row["description"],
    )


def add_review_note(conn: Connection, **values: Any) -> None:
    conn.execute(insert(review_notes).values(**values))


def list_review_notes(conn: Connection, post_id: int) -> list[dict[str, Any]]:
    q = select(review_notes).where(review_notes.c.post_id == post_id).order_by(review_notes.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]
