"""Bulk import of scheduled posts from rows (CSV). All rows are checked first; nothing is
written unless every row is valid (or the caller asks to skip the invalid ones)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from clairon.domain import Action, VariantStatus
from clairon.errors import Problem, ValidationFailed
from clairon.services.context import Actor, Context, audit, authorize
from clairon.services.posts import VariantSpec, _insert_variant, validate_variant_text
from clairon.services.scheduling import PUBLISH_JOB, publish_job_key
from clairon.store import accounts as account_repo
from clairon.store import jobs as job_repo
from clairon.store import posts as repo
from clairon.store import workspaces as ws_repo

__all__ = ["IMPORT_COLUMNS", "ImportReport", "import_posts"]

IMPORT_COLUMNS = ("account", "text", "scheduled_at", "language", "title", "first_comment", "ab")
REQUIRED = ("account", "text")


@dataclass
class ImportReport:
    created_posts: list[int] = field(default_factory=list)
    scheduled: int = 0
    skipped_rows: list[Problem] = field(default_factory=list)


def _parse_time(value: str, tz: ZoneInfo) -> datetime:
    raw = value.strip().replace(" ", "T", 1) if "T" not in value else value.strip()
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if parsed.tzinfo is None:  # local wall time of the workspace
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def import_posts(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    rows: Sequence[Mapping[str, str]],
    *,
    first_row_number: int = 2,
    skip_invalid: bool = False,
    approve: bool = False,
) -> ImportReport:
    """Each row is one post for one account (``account`` = handle or ``network:handle``).
    ``scheduled_at`` is ISO-8601; without an offset it is read in the workspace's time zone.
    ``approve`` marks rows approved (needs the approver role); otherwise they go to review
    (or straight to the calendar when the workspace does not require approval)."""
    report = ImportReport()
    with ctx.store.transaction(write_lock=True) as conn:
        authorize(conn, actor, workspace_id, Action.compose)
        if approve:
            authorize(conn, actor, workspace_id, Action.approve)
        ws = ws_repo.get_workspace(conn, workspace_id)
        assert ws is not None
        tz = ZoneInfo(ws.timezone)
        accounts = account_repo.list_accounts(conn, workspace_id)
        by_key = {a.handle: a for a in accounts} | {f"{a.network}:{a.handle}": a for a in accounts}
        now = ctx.now()
        valid: list[tuple[int, VariantSpec, str, str, datetime | None, str]] = []
        problems: list[Problem] = []
        for offset, row in enumerate(rows):
            n = first_row_number + offset
            row_problems: list[Problem] = []
            for col in REQUIRED:
                if not (row.get(col) or "").strip():
                    row_problems.append(Problem(f"row {n} / {col}", "is required"))
            account = by_key.get((row.get("account") or "").strip())
            if row.get("account") and account is None:
                row_problems.append(
                    Problem(
                        f"row {n} / account", f"no account '{row['account']}' in this workspace"
                    )
                )
            when: datetime | None = None
            if (row.get("scheduled_at") or "").strip():
                try:
                    when = _parse_time(row["scheduled_at"], tz)
                    if when < now - timedelta(seconds=5):
                        row_problems.append(
                            Problem(
                                f"row {n} / scheduled_at", f"{row['scheduled_at']} is in the past"
                            )
                        )
                except ValueError:
                    row_problems.append(
                        Problem(
                            f"row {n} / scheduled_at",
                            f"'{row['scheduled_at']}' is not an ISO-8601 date-time "
                            "(e.g. 2026-12-01T09:30 or 2026-12-01T09:30+01:00)",
                        )
                    )
            language = (row.get("language") or "").strip() or ws.languages[0]
            if account is not None and not row_problems:
                spec = VariantSpec(
                    account_id=account.id,
                    language=language,
                    text=row["text"],
                    ab_letter=(row.get("ab") or "A").strip(),
                    first_comment=(row.get("first_comment") or "").strip(),
                )
                for p in validate_variant_text(ctx, conn, workspace_id, spec, row["text"], "x"):
                    field_name = p.location.split(".", 1)[1] if "." in p.location else "text"
                    row_problems.append(Problem(f"row {n} / {field_name}", p.message))
                if not row_problems:
                    valid.append(
                        (n, spec, row["text"], language, when, (row.get("title") or "").strip())
                    )
            problems += row_problems
        if problems and not skip_invalid:
            raise ValidationFailed(problems)
        report.skipped_rows = problems
        for _n, spec, text, language, when, title in valid:
            post_id = repo.insert_post(
                conn,
                workspace_id=workspace_id,
                title=title,
                body=text,
                created_by=actor.user_id or 0,
                created_at=now,
            )
            vid = _insert_variant(conn, ctx, workspace_id, post_id, spec, text, language)
            status = VariantStatus.draft
            if approve or not ws.require_approval:
                status = VariantStatus.approved
            elif ws.require_approval:
                status = VariantStatus.in_review
            if when is not None and status == VariantStatus.approved:
                status = VariantStatus.scheduled
                job_repo.enqueue_job(
                    conn,
                    PUBLISH_JOB,
                    {"variant_id": vid},
                    run_at=when,
                    now=now,
                    dedupe_key=publish_job_key(vid),
                    max_attempts=ctx.settings.worker_max_attempts,
                )
                report.scheduled += 1
            repo.update_variant(
                conn,
                vid,
                status=status.value,
                scheduled_at=when if status == VariantStatus.scheduled else None,
            )
            report.created_posts.append(post_id)
        audit(
            conn,
            ctx,
            actor,
            workspace_id,
            "posts.import",
            "workspace",
            workspace_id,
            after={
                "created": len(report.created_posts),
                "scheduled": report.scheduled,
                "skipped": len(problems),
            },
        )
    return report
