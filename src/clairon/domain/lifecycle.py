"""The variant lifecycle, enforced in exactly one place.

``draft → in_review → approved → scheduled → publishing → published | failed | unconfirmed``

Side roads: a reviewer sends a variant back to ``draft``; a scheduled variant can be cancelled
back to ``approved``; a transient failure while publishing puts it back to ``scheduled`` (retry);
``unconfirmed`` is resolved by reconciliation to ``published`` (found on the network) or back to
``scheduled`` (proved absent, safe to send again); a ``failed`` variant can be edited (``draft``)
or re-scheduled by a person.
"""

from __future__ import annotations

from enum import StrEnum

from clairon.errors import InvalidTransition

__all__ = ["LEGAL_TRANSITIONS", "VariantStatus", "check_transition"]


class VariantStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    scheduled = "scheduled"
    publishing = "publishing"
    published = "published"
    failed = "failed"
    unconfirmed = "unconfirmed"


S = VariantStatus

LEGAL_TRANSITIONS: dict[VariantStatus, frozenset[VariantStatus]] = {
    S.draft: frozenset({S.in_review, S.approved}),
    S.in_review: frozenset({S.approved, S.draft}),
    S.approved: frozenset({S.scheduled, S.draft, S.in_review}),
    S.scheduled: frozenset({S.publishing, S.approved, S.draft}),
    S.publishing: frozenset({S.published, S.failed, S.unconfirmed, S.scheduled}),
    S.unconfirmed: frozenset({S.published, S.failed, S.scheduled}),
    S.failed: frozenset({S.draft, S.scheduled, S.approved}),
    S.published: frozenset(),
}

EDITABLE = frozenset({S.draft, S.in_review, S.approved, S.failed})


def check_transition(current: VariantStatus, target: VariantStatus) -> None:
    """Raise :class:`InvalidTransition` unless ``current → target`` is legal."""
    if target not in LEGAL_TRANSITIONS[current]:
        allowed = ", ".join(sorted(LEGAL_TRANSITIONS[current])) or "nothing (final state)"
        raise InvalidTransition(
            f"a variant in state '{current}' cannot become '{target}' (allowed: {allowed})"
        )
