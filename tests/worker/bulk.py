"""Bulk scheduling through the store, for tests that need hundreds of due variants fast."""

from __future__ import annotations

from datetime import datetime

from clairon.domain import VariantStatus
from clairon.services.context import Actor, Context
from clairon.services.scheduling import PUBLISH_JOB, publish_job_key
from clairon.store import accounts as account_repo
from clairon.store import jobs as job_repo
from clairon.store import posts as post_repo


def schedule_bulk(
    ctx: Context,
    workspace_id: int,
    owner: Actor,
    texts: dict[int, list[str]],
    *,
    due: datetime,
) -> list[int]:
    """One post per account with its texts as scheduled variants, plus their publish jobs."""
    now = ctx.now()
    ids: list[int] = []
    with ctx.store.transaction(write_lock=True) as conn:
        for account_id, account_texts in texts.items():
            account = account_repo.get_account(conn, account_id)
            assert account is not None
            post_id = post_repo.insert_post(
                conn,
                workspace_id=workspace_id,
                title="bulk",
                body=account_texts[0],
                created_by=owner.user_id or 0,
                created_at=now,
            )
            rows = [
                {
                    "post_id": post_id,
                    "workspace_id": workspace_id,
                    "account_id": account_id,
                    "network": account.network,
                    "language": "en",
                    "ab_letter": "A",
                    "text": text,
                    "status": VariantStatus.scheduled.value,
                    "media_ids": [],
                    "scheduled_at": due,
                    "first_comment": "",
                    "options": {},
                    "ai": {},
                    "version": 1,
                    "updated_at": now,
                }
                for text in account_texts
            ]
            ids += post_repo.insert_variants_bulk(conn, rows)
        job_repo.enqueue_jobs_bulk(
            conn,
            PUBLISH_JOB,
            [({"variant_id": vid}, due, publish_job_key(vid)) for vid in ids],
            now=now,
            max_attempts=ctx.settings.worker_max_attempts,
        )
    return ids
