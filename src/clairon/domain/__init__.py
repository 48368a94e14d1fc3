"""Pure domain: entities, roles and the post lifecycle. No I/O here."""

from clairon.domain.lifecycle import LEGAL_TRANSITIONS, VariantStatus, check_transition
from clairon.domain.models import (
    AccountStatus,
    AuditEvent,
    Campaign,
    InboxItem,
    InboxKind,
    Media,
    Membership,
    MetricSnapshot,
    Post,
    SocialAccount,
    User,
    Variant,
    Workspace,
)
from clairon.domain.roles import Action, Role, role_allows

__all__ = [
    "LEGAL_TRANSITIONS",
    "AccountStatus",
    "Action",
    "AuditEvent",
    "Campaign",
    "InboxItem",
    "InboxKind",
    "Media",
    "Membership",
    "MetricSnapshot",
    "Post",
    "Role",
    "SocialAccount",
    "User",
    "Variant",
    "VariantStatus",
    "Workspace",
    "check_transition",
    "role_allows",
]
