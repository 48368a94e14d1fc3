"""The FAQ knowledge base: its entries, uploading a JSONL/CSV/Markdown file (all or nothing:
every bad row is named and nothing is imported), deleting an entry, trying a question, and the
inbox's on-demand "Suggested reply" for a question, and the workspace's assistant policy
(auto-send, its confidence threshold, extra synonym rings).

Everyone in the workspace reads; roles that compose (owner, editor) change the entries; the
policy is the managers' (owner)."""

from __future__ import annotations

import math
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from clairon.domain import Workspace
from clairon.errors import NotFound, Problem, ValidationFailed
from clairon.inbox.assistant import DEFAULT_THRESHOLD, AssistantAnswer
from clairon.inbox.kb import KnowledgeBase, parse_csv, parse_jsonl, parse_markdown
from clairon.services import knowledge, workspaces
from clairon.web.rendering import CurrentUser, Viewer, WebRoute, context_of, flash, redirect, render

__all__ = ["parse_upload", "router"]

router = APIRouter(route_class=WebRoute)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_QUESTION_CHARS = 2_000


def parse_upload(filename: str, data: bytes) -> KnowledgeBase:
    """The entries of an uploaded file, by its extension; raises on anything unreadable."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"the file is not UTF-8 (byte {exc.start})", "file") from None
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".jsonl":
        return parse_jsonl(text)
    if suffix == ".csv":
        return parse_csv(text)
    if suffix in (".md", ".markdown"):
        return parse_markdown(text, source=PurePath(filename).stem or "page")
    raise ValidationFailed("upload a .jsonl, .csv or .md file", "file")


def _page(
    request: Request,
    me: Viewer,
    workspace: Workspace,
    *,
    question: str = "",
    answer: AssistantAnswer | None = None,
    problems: tuple[Problem, ...] | list[Problem] = (),
    policy: knowledge.AssistantPolicy | None = None,
    policy_problems: tuple[Problem, ...] | list[Problem] = (),
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    kb = knowledge.list_kb(ctx, me.actor, workspace.id)
    return render(
        request,
        "knowledge.html",
        me=me,
        workspace=workspace,
        entries=kb.entries,
        question=question,
        answer=answer,
        problems=problems,
        can_edit=me.can(workspace.id, "compose"),
        can_manage=me.can(workspace.id, "manage"),
        policy=policy or knowledge.assistant_policy(ctx, me.actor, workspace.id),
        policy_problems=policy_problems,
        status_code=status_code,
    )


@router.get("/w/{workspace_id}/knowledge")
def knowledge_page(request: Request, me: CurrentUser, workspace_id: int, q: str = "") -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    question = q.strip()[:MAX_QUESTION_CHARS]
    answer = None
    if question:
        try:
            (answer,) = knowledge.answer_for_workspace(ctx, me.actor, ws.id, [question])
        except NotFound as exc:  # no knowledge base yet
            flash(request, str(exc), "error")
    return _page(request, me, ws, question=question, answer=answer)


@router.post("/w/{workspace_id}/knowledge/upload")
async def upload(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    file: Annotated[UploadFile, File()],
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        kb = parse_upload(file.filename or "", data)
    except ValidationFailed as exc:
        return _page(request, me, ws, problems=exc.problems, status_code=422)
    if kb.problems or not kb.entries:
        problems = kb.problems or (Problem("file", "no entry found"),)
        return _page(request, me, ws, problems=problems, status_code=422)
    added, updated = knowledge.import_kb(ctx, me.actor, ws.id, kb)
    flash(request, f"Imported {added} new and {updated} updated entries.", "success")
    return redirect(request, f"/w/{ws.id}/knowledge")


@router.post("/w/{workspace_id}/knowledge/delete")
def delete(
    request: Request, me: CurrentUser, workspace_id: int, entry_id: Annotated[str, Form()]
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    knowledge.delete_entry(ctx, me.actor, ws.id, entry_id)
    flash(request, f"Entry “{entry_id}” deleted.", "success")
    return redirect(request, f"/w/{ws.id}/knowledge")


@router.post("/w/{workspace_id}/knowledge/assistant")
def assistant_settings(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    threshold: Annotated[str, Form()] = "",
    synonyms: Annotated[str, Form()] = "",
    auto_send: Annotated[str, Form()] = "",
) -> Response:
    """Save the workspace's assistant policy; a bad value or ring line is named, nothing saved."""
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    try:
        value = float(threshold.replace(",", ".")) if threshold.strip() else DEFAULT_THRESHOLD
    except ValueError:
        value = math.nan  # what was typed is shown again, with the problem
    policy = knowledge.AssistantPolicy(bool(auto_send), value, synonyms.replace("\r\n", "\n"))
    try:
        if math.isnan(value):
            raise ValidationFailed(f"not a number: {threshold!r}", "threshold")
        knowledge.set_assistant_policy(ctx, me.actor, ws.id, policy)
    except ValidationFailed as exc:
        return _page(request, me, ws, policy=policy, policy_problems=exc.problems, status_code=422)
    flash(request, "Assistant settings saved.", "success")
    return redirect(request, f"/w/{ws.id}/knowledge")


@router.get("/inbox/{item_id}/suggestion")
def suggestion(request: Request, me: CurrentUser, item_id: int) -> Response:
    """HTMX fragment: the assistant's drafted reply to one inbox item, or why a human should."""
    ctx = context_of(request)
    try:
        answer = knowledge.suggest_reply(ctx, me.actor, item_id)
    except NotFound as exc:
        if "knowledge base" not in str(exc):
            raise
        answer = None
    return render(request, "_suggestion.html", me=me, answer=answer)
