"""Metric snapshots per variant over time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from clairon.domain import MetricSnapshot
from clairon.store.tables import metric_snapshots

__all__ = ["insert_snapshots", "snapshots_of"]

_FIELDS = (
    "impressions",
    "reach",
    "reactions",
    "comments",
    "shares",
    "clicks",
    "saves",
    "video_views",
)


def insert_snapshots(conn: Connection, snapshots: list[MetricSnapshot]) -> None:
    if not snapshots:
        return
    conn.execute(
        insert(metric_snapshots),
        [
            {
                "variant_id": s.variant_id,
                "observed_at": s.observed_at,
                **{f: getattr(s, f) for f in _FIELDS},
            }
            for s in snapshots
        ],
    )


def snapshots_of(conn: Connection, variant_id: int) -> list[MetricSnapshot]:
    q = (
        select(metric_snapshots)
        .where(metric_snapshots.c.variant_id == variant_id)
        .order_by(metric_snapshots.c.observed_at)
    )
    return [
        MetricSnapshot(
            variant_id=r["variant_id"], observed_at=r["observed_at"], **{f: r[f] for f in _FIELDS}
        )
        for r in conn.execute(q).mappings()
    ]


def published_history(conn: Connection, account_id: int) -> list[tuple[datetime, MetricSnapshot]]:
    """Each published variant of an account with its latest metric snapshot."""
    from clairon.store.tables import variants

    q = (
        select(variants.c.published_at, metric_snapshots)
        .join(metric_snapshots, metric_snapshots.c.variant_id == variants.c.id)
        .where(
            variants.c.account_id == account_id,
            variants.c.status == "published",
            variants.c.published_at.is_not(None),
        )
        .order_by(metric_snapshots.c.variant_id, metric_snapshots.c.observed_at)
    )
    latest: dict[int, tuple[datetime, MetricSnapshot]] = {}
    for r in conn.execute(q).mappings():
        latest[r["variant_id"]] = (
            r["published_at"],
            MetricSnapshot(
                variant_id=r["variant_id"],
                observed_at=r["observed_at"],
                **{f: r[f] for f in _FIELDS},
            ),
        )
    return sorted(latest.values(), key=lambda item: item[0])
