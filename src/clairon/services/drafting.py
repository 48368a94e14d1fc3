"""Drafting with AI inside a workspace: brief -> drafts per account and language -> a post.

Targets come from each account's network and its connector's ``limits()``; hashtags are ranked
with the workspace's own engagement history; the workspace's brand voice is stored in
``workspaces.settings["brand_voice"]``. A post made from drafts starts as ``draft`` like any
other: where the approval policy is on, a human must approve it before it can be scheduled,
and every variant keeps its AI label (``Variant.ai``), with ``edited_by_human`` when a person
changed the text before accepting it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from clairon.ai import draft_backend
from clairon.content import (
    BrandVoice,
    Brief,
    Composer,
    Draft,
    SourceRef,
    Target,
    Violation,
    engagement_by_hashtag,
    labels_for,
    load_brief,
    parse_brief,
)
from clairon.domain import Action, Post, SocialAccount, Workspace
from clairon.errors import Problem, ValidationFailed
from clairon.services import posts
from clairon.services.accounts import build_connector
from clairon.services.context import Actor, Context, audit, authorize
from clairon.store import accounts as account_repo
from clairon.store import metrics as metric_repo
from clairon.store import posts as post_repo
from clairon.store import workspaces as ws_repo

__all__ = [
    "MAX_TARGETS",
    "MAX_VARIANTS",
    "AcceptedDraft",
    "create_post_from_drafts",
    "draft_for_accounts",
    "draft_from_dict",
    "get_brand_voice",
    "set_brand_voice",
    "stream_for_account",
    "variant_ai_for",
]

MAX_VARIANTS = 5
MAX_TARGETS = 40  # accounts x languages in one request
VOICE_KEY = "brand_voice"

BriefInput = str | Path | Brief


@dataclass(frozen=True, slots=True)
class AcceptedDraft:
    """A draft a person accepted for an account; ``text`` is their edit (``None``: as drafted)."""

    account_id: int
    draft: Draft
    text: str | None = None


# --- brand voice ---


def _voice_of(ws: Workspace) -> BrandVoice:
    stored = ws.settings.get(VOICE_KEY)
    if not isinstance(stored, Mapping):
        return BrandVoice()
    return BrandVoice.model_validate(stored)


def get_brand_voice(ctx: Context, actor: Actor, workspace_id: int) -> BrandVoice:
    """The workspace's brand voice (the default voice when none was set)."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.read)
        ws = ws_repo.get_workspace(conn, workspace_id)
        assert ws is not None
        return _voice_of(ws)


def set_brand_voice(
    ctx: Context, actor: Actor, workspace_id: int, voice: BrandVoice | Mapping[str, Any]
) -> BrandVoice:
    """Validate and store the workspace's brand voice (managers only; audit-logged)."""
    try:
        checked = voice if isinstance(voice, BrandVoice) else BrandVoice.model_validate(voice)
    except ValidationError as exc:
        raise ValidationFailed(
            [
                Problem(".".join(["voice", *(str(p) for p in e["loc"])]), e["msg"])
                for e in exc.errors()
            ]
        ) from None
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.manage)
        ws = ws_repo.get_workspace(conn, workspace_id)
        assert ws is not None
        before = _voice_of(ws)
        stored = checked.model_dump(mode="json")
        ws_repo.update_workspace(conn, workspace_id, settings={**ws.settings, VOICE_KEY: stored})
        changed = sorted(k for k, v in stored.items() if before.model_dump(mode="json")[k] != v)
        audit(
            conn,
            ctx,
            actor,
            workspace_id,
            "workspace.brand_voice",
            "workspace",
            workspace_id,
            before={"name": before.name},
            after={"name": checked.name, "changed": changed},
        )
    return checked


# --- drafting ---


def _brief(brief: BriefInput, kind: str) -> Brief:
    if isinstance(brief, Brief):
        return brief
    if isinstance(brief, Path):
        return load_brief(brief)
    return parse_brief(brief, kind=kind)


def _hashtag_history(conn: Connection, account_ids: Sequence[int]) -> dict[str, float]:
    """Mean engagement rate by hashtag over the accounts' published, measured variants."""
    measured: list[tuple[str, float]] = []
    for account_id in account_ids:
        history = metric_repo.published_history(conn, account_id)
        latest = {snap.variant_id: snap for _, snap in history}
        texts = post_repo.get_variants(conn, list(latest))
        for vid, snap in latest.items():
            if vid in texts and snap.impressions > 0:
                measured.append((texts[vid].text, snap.engagements / snap.impressions))
    return engagement_by_hashtag(measured)


def _checked_accounts(
    conn: Connection, workspace_id: int, account_ids: Sequence[int]
) -> list[SocialAccount]:
    found: list[SocialAccount] = []
    problems: list[Problem] = []
    for i, account_id in enumerate(account_ids):
        account = account_repo.get_account(conn, account_id)
        if account is None or account.workspace_id != workspace_id:
            problems.append(Problem(f"account_ids[{i}]", f"account {account_id} not found"))
        else:
            found.append(account)
    if not account_ids:
        problems.append(Problem("account_ids", "choose at least one account"))
    if problems:
        raise ValidationFailed(problems)
    return found


def _prepare(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    account_ids: Sequence[int],
    languages: Sequence[str],
    voice: BrandVoice | None,
) -> tuple[Composer, list[Target]]:
    """Authorize, check the accounts and languages, and build the composer and targets."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.compose)
        ws = ws_repo.get_workspace(conn, workspace_id)
        assert ws is not None
        chosen = _checked_accounts(conn, workspace_id, account_ids)
        history = _hashtag_history(conn, [a.id for a in chosen])
    langs = [lang.strip().lower() for lang in languages if lang.strip()] or [ws.languages[0]]
    bad = [
        Problem(f"languages[{i}]", f"'{lang}' is not a language code")
        for i, lang in enumerate(langs)
        if not (2 <= len(lang) <= 8 and lang.replace("-", "").isalpha())
    ]
    if bad:
        raise ValidationFailed(bad)
    if len(chosen) * len(langs) > MAX_TARGETS:
        raise ValidationFailed(
            f"at most {MAX_TARGETS} account x language pairs per request", "languages"
        )
    targets: list[Target] = []
    for account in chosen:
        connector = build_connector(ctx, account)
        try:
            limits = connector.limits()
        finally:
            connector.close()
        targets += [Target(account.network, lang, limits, str(account.id)) for lang in langs]
    composer = Composer(
        draft_backend(ctx.settings), voice=voice or _voice_of(ws), history=history or None
    )
    return composer, targets


def draft_for_accounts(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    brief: BriefInput,
    account_ids: Sequence[int],
    languages: Sequence[str] = (),
    n_variants: int = 1,
    voice: BrandVoice | None = None,
    *,
    brief_kind: str = "auto",
) -> list[Draft]:
    """Checked drafts for every account x language x A/B variant. ``Draft.account`` is the
    account id (as text). Nothing is stored: accept drafts with :func:`create_post_from_drafts`.
    Languages default to the workspace's first; the voice to the workspace's brand voice."""
    if not 1 <= n_variants <= MAX_VARIANTS:
        raise ValidationFailed(f"between 1 and {MAX_VARIANTS} variants", "variants")
    composer, targets = _prepare(ctx, actor, workspace_id, account_ids, languages, voice)
    return composer.compose(_brief(brief, brief_kind), targets, n_variants)


def stream_for_account(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    brief: BriefInput,
    account_id: int,
    language: str = "",
    voice: BrandVoice | None = None,
    *,
    brief_kind: str = "auto",
) -> Iterator[str | Draft]:
    """Variant A for one account as it is written: text pieces, then the checked Draft.

    Everything that can be refused (access, account, language, brief) is checked before this
    returns, so a caller can still answer with an error status; the iterator only writes."""
    composer, [target] = _prepare(
        ctx, actor, workspace_id, [account_id], [language] if language else [], voice
    )
    parsed = _brief(brief, brief_kind)
    return composer.stream(parsed, target)


# --- accepting drafts ---


def variant_ai_for(draft: Draft, text: str | None = None) -> dict[str, Any]:
    """``Variant.ai`` for an accepted draft: its labels (a caption label at least: whatever
    comes through here is AI-produced) and ``edited_by_human`` when the text was changed."""
    ai = draft.variant_ai()
    if not draft.ai_generated:
        labels = labels_for(["caption"], draft.backend or "unknown", draft.model or "unknown")
        ai["labels"] = {**ai["labels"], **labels}
        ai["parts"] = sorted(ai["labels"])
    if text is not None and text.strip() != draft.text.strip():
        ai["edited_by_human"] = True
    return ai


def _variant_spec(item: AcceptedDraft | Draft) -> posts.VariantSpec:
    if isinstance(item, Draft):
        item = AcceptedDraft(_account_of(item), item)
    draft = item.draft
    text = item.text if item.text is not None else draft.text
    options: dict[str, Any] = {"thread": list(draft.thread)} if draft.thread else {}
    return posts.VariantSpec(
        account_id=item.account_id,
        language=draft.language,
        text=text,
        ab_letter=draft.ab_letter or "A",
        first_comment=draft.first_comment,
        options=options,
        ai=variant_ai_for(draft, item.text),
    )


def _account_of(draft: Draft) -> int:
    if not draft.account.isdigit():
        raise ValidationFailed("the draft names no account id", "account_id")
    return int(draft.account)


def create_post_from_drafts(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    drafts_accepted: Sequence[AcceptedDraft | Draft],
    *,
    title: str = "",
    body: str = "",
    submit: bool = False,
) -> Post:
    """One post with a variant per accepted draft (labelled, first comment and thread kept).
    It starts as ``draft``; ``submit`` sends it for review (never approves it)."""
    if not drafts_accepted:
        raise ValidationFailed("accept at least one draft", "drafts")
    specs = [_variant_spec(item) for item in drafts_accepted]
    post = posts.create_post(
        ctx, actor, workspace_id, body or specs[0].text, specs, title=title.strip()
    )
    if submit:
        post = posts.submit_for_review(ctx, actor, post.id, "drafted with AI")
    return post


def draft_from_dict(data: Mapping[str, Any]) -> Draft:
    """A :class:`Draft` back from ``Draft.as_dict()`` (or the API's draft JSON)."""
    violations = tuple(
        Violation(str(v["rule"]), (int(v["span"][0]), int(v["span"][1])), str(v["message"]))
        for v in data.get("violations") or ()
    )
    sources = tuple(SourceRef(int(s["index"]), str(s["text"])) for s in data.get("sources") or ())
    return Draft(
        network=str(data.get("network", "")),
        language=str(data.get("language", "")),
        ab_letter=str(data.get("ab_letter") or "A"),
        text=str(data.get("text", "")),
        difference=str(data.get("difference", "")),
        first_comment=str(data.get("first_comment", "")),
        hashtags=tuple(str(t) for t in data.get("hashtags") or ()),
        thread=tuple(str(t) for t in data.get("thread") or ()),
        violations=violations,
        labels={str(k): dict(v) for k, v in (data.get("labels") or {}).items()},
        sources=sources,
        notes=tuple(str(n) for n in data.get("notes") or ()),
        account=str(data.get("account", "")),
        length=int(data.get("length") or 0),
        max_length=int(data.get("max_length") or 0),
        backend=str(data.get("backend", "")),
        model=str(data.get("model", "")),
    )
