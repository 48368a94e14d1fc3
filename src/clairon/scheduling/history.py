"""Past posts as plain records, and loading them from a CSV export.

A :class:`PastPost` is what the best-time model learns from: when a post went out
(UTC), how many people saw it, how many engaged, and *when those counts were read*
(a post younger than about two days still shows partial counts).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from clairon.errors import Problem, ValidationFailed

__all__ = ["CSV_COLUMNS", "PastPost", "load_history_csv", "parse_history_csv"]

CSV_COLUMNS: tuple[str, ...] = (
    "published_at",
    "impressions",
    "reach",
    "engagements",
    "reactions",
    "comments",
    "shares",
    "clicks",
    "observed_at",
    "content_type",
)
_COMPONENTS = ("reactions", "comments", "shares", "clicks")


@dataclass(frozen=True)
class PastPost:
    """One published post and its counts.

    ``impressions`` (or ``reach`` when impressions are unknown) is the audience size;
    ``engagements`` is the total; when it is ``None`` the components
    (reactions + comments + shares + clicks) are summed. ``observed_at`` defaults to
    "long after publication" (counts are final). All datetimes must be timezone-aware.
    """

    published_at: datetime
    impressions: float | None = None
    engagements: float | None = None
    reactions: float = 0.0
    comments: float = 0.0
    shares: float = 0.0
    clicks: float = 0.0
    observed_at: datetime | None = None
    content_type: str | None = None
    reach: float | None = None

    def __post_init__(self) -> None:
        if self.published_at.tzinfo is None:
            raise ValidationFailed("published_at must be timezone-aware", "published_at")
        if self.observed_at is not None and self.observed_at.tzinfo is None:
            raise ValidationFailed("observed_at must be timezone-aware", "observed_at")
        for name in ("impressions", "reach", "engagements", *_COMPONENTS):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise ValidationFailed(f"{name} must be a finite number >= 0", name)

    @property
    def total_engagements(self) -> float:
        """Engagements, or the sum of the components when the total is absent."""
        if self.engagements is not None:
            return float(self.engagements)
        return float(self.reactions + self.comments + self.shares + self.clicks)

    @property
    def audience_size(self) -> float | None:
        """Impressions, or reach when impressions are absent."""
        return self.impressions if self.impressions is not None else self.reach

    @property
    def age_hours(self) -> float:
        """Hours between publication and the reading of the counts (inf if final)."""
        if self.observed_at is None:
            return math.inf
        return (self.observed_at - self.published_at).total_seconds() / 3600.0


def _parse_time(raw: str, column: str, row: int, problems: list[Problem]) -> datetime | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        problems.append(Problem(f"row {row} / {column}", f"not an ISO-8601 datetime: {text!r}"))
        return None
    if value.tzinfo is None:
        problems.append(Problem(f"row {row} / {column}", "needs a UTC offset (e.g. +02:00 or Z)"))
        return None
    return value.astimezone(UTC)


def _parse_number(raw: str, column: str, row: int, problems: list[Problem]) -> float | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(f"row {row} / {column}", f"not a number: {text!r}"))
        return None
    if not math.isfinite(value) or value < 0:
        problems.append(Problem(f"row {row} / {column}", f"must be >= 0, got {text!r}"))
        return None
    return value


def _parse_row(row: dict[str, str], number: int, problems: list[Problem]) -> PastPost | None:
    before = len(problems)
    published = _parse_time(row.get("published_at") or "", "published_at", number, problems)
    if published is None and len(problems) == before:
        problems.append(Problem(f"row {number} / published_at", "missing"))
    observed = _parse_time(row.get("observed_at") or "", "observed_at", number, problems)
    impressions = _parse_number(row.get("impressions") or "", "impressions", number, problems)
    reach = _parse_number(row.get("reach") or "", "reach", number, problems)
    engagements = _parse_number(row.get("engagements") or "", "engagements", number, problems)
    parts = {c: _parse_number(row.get(c) or "", c, number, problems) for c in _COMPONENTS}
    if engagements is None and all(v is None for v in parts.values()) and len(problems) == before:
        problems.append(
            Problem(f"row {number}", "needs engagements or reactions/comments/shares/clicks")
        )
    if published is not None and observed is not None and observed < published:
        problems.append(Problem(f"row {number} / observed_at", "before published_at"))
    if len(problems) > before or published is None:
        return None
    content = (row.get("content_type") or "").strip().lower() or None
    return PastPost(
        published_at=published,
        impressions=impressions,
        engagements=engagements,
        reactions=parts["reactions"] or 0.0,
        comments=parts["comments"] or 0.0,
        shares=parts["shares"] or 0.0,
        clicks=parts["clicks"] or 0.0,
        observed_at=observed,
        content_type=content,
        reach=reach,
    )


def parse_history_csv(lines: Iterable[str]) -> list[PastPost]:
    """Parse CSV text (header + rows). Raises ``ValidationFailed`` listing every bad row.

    Row numbers count the header as row 1, like a spreadsheet.
    """
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "published_at" not in header:
        raise ValidationFailed("missing column published_at", "header")
    reader.fieldnames = header
    posts: list[PastPost] = []
    problems: list[Problem] = []
    for offset, row in enumerate(reader):
        post = _parse_row(row, offset + 2, problems)
        if post is not None:
            posts.append(post)
    if problems:
        raise ValidationFailed(problems)
    return posts


def load_history_csv(text: str | Sequence[str]) -> list[PastPost]:
    """Parse a whole CSV document given as one string or as lines."""
    if isinstance(text, str):
        return parse_history_csv(io.StringIO(text))
    return parse_history_csv(text)
