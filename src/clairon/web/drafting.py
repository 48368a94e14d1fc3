"""The composer's "Draft with AI" panel: a brief (typed or a file), accounts, languages and
A/B variants in; drafts out, streamed as they are written, shown as per-network previews with
their counter, AI label and highlighted violations; accepted (and edited) drafts become a post
that goes through review like any other.

``POST /w/{id}/drafts/stream`` answers NDJSON read by ``static/drafting.js`` with ``fetch()``:
``{"target": label, "key": k}``, ``{"delta": text, "key": k}``..., ``{"cards": html}`` per
account x language, then ``{"done": true}`` (or ``{"error": message}``). Without JavaScript the
form posts to ``POST /w/{id}/drafts`` and gets the same previews on a page of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response, StreamingResponse

from clairon.content import Draft
from clairon.domain import SocialAccount, Workspace
from clairon.errors import ClaironError, Problem, ValidationFailed
from clairon.services import accounts, drafting, workspaces
from clairon.services.counters import count_text
from clairon.web.rendering import (
    CSP,
    TEMPLATES,
    CurrentUser,
    Viewer,
    WebRoute,
    context_of,
    flash,
    redirect,
    render,
)

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

BRIEF_KINDS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
               ".xml": "rss", ".rss": "rss"}  # fmt: skip
MAX_BRIEF_BYTES = 1_000_000


async def _form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


@dataclass(frozen=True)
class _Ask:
    """What the panel's form asks for."""

    brief: str
    kind: str
    account_ids: list[int]
    languages: list[str]
    variants: int


async def _ask(form: FormData) -> _Ask:
    text = str(form.get("brief") or "")
    kind = "auto"
    upload = form.get("brief_file")
    raw = b""
    if isinstance(upload, UploadFile):  # closed at once, even an empty file field
        try:
            raw = await upload.read(MAX_BRIEF_BYTES + 1) if upload.filename else b""
        finally:
            await upload.close()
    if isinstance(upload, UploadFile) and upload.filename:
        if len(raw) > MAX_BRIEF_BYTES:
            raise ValidationFailed("the brief file is over 1 MB", "brief_file")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed("the brief file is not UTF-8 text", "brief_file") from None
        suffix = "." + upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
        kind = BRIEF_KINDS.get(suffix, "auto")
    if not text.strip():
        raise ValidationFailed("write a brief or choose a brief file", "brief")
    ids = [int(v) for v in form.getlist("account_ids") if isinstance(v, str) and v.isdigit()]
    if not ids:
        raise ValidationFailed("choose at least one account", "accounts")
    languages = [v for v in form.getlist("languages") if isinstance(v, str) and v.strip()]
    raw_n = str(form.get("variants") or "1")
    variants = int(raw_n) if raw_n.isdigit() else 1
    return _Ask(text, kind, ids, languages, variants)


def _segments(draft: Draft) -> list[tuple[str, str]]:
    """The text cut into (piece, violation message or "") so violations can be marked."""
    spans = sorted(
        (v for v in draft.violations if 0 <= v.span[0] < v.span[1] <= len(draft.text)),
        key=lambda v: v.span,
    )
    out: list[tuple[str, str]] = []
    at = 0
    for v in spans:
        start, end = v.span
        if start < at:
            continue  # overlapping findings: the first one is marked
        if start > at:
            out.append((draft.text[at:start], ""))
        out.append((draft.text[start:end], v.message))
        at = end
    if at < len(draft.text):
        out.append((draft.text[at:], ""))
    return out


def _payload(draft: Draft) -> str:
    data = draft.as_dict()
    data.pop("latency_seconds", None)
    return json.dumps(data, ensure_ascii=False)


def _cards(
    drafts: Sequence[Draft], names: dict[int, str], start: int, workspace_id: int
) -> tuple[str, int]:
    template = TEMPLATES.get_template("_ai_draft_card.html")
    html = []
    for i, draft in enumerate(drafts, start=start):
        account_id = int(draft.account)
        html.append(
            template.render(
                d=draft,
                i=i,
                account_id=account_id,
                account=names.get(account_id, draft.network),
                segments=_segments(draft),
                payload=_payload(draft),
                workspace_id=workspace_id,
            )
        )
    return "".join(html), start + len(drafts)


def _names(accs: Sequence[SocialAccount]) -> dict[int, str]:
    return {a.id: f"{a.network} · {a.handle}" for a in accs}


def _line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False) + "\n").encode()


def _stream_events(
    request: Request, me: Viewer, ws: Workspace, ask: _Ask, names: dict[int, str]
) -> Iterator[bytes]:
    ctx = context_of(request)
    languages = ask.languages or [ws.languages[0]]
    index = 0
    try:
        for account_id in ask.account_ids:
            for language in languages:
                key = f"{account_id}-{language}"
                label = f"{names.get(account_id, account_id)} ({language})"
                yield _line({"target": label, "key": key})
                events = drafting.stream_for_account(
                    ctx, me.actor, ws.id, ask.brief, account_id, language, brief_kind=ask.kind
                )
                first: Draft | None = None
                for event in events:
                    if isinstance(event, Draft):
                        first = event
                    else:
                        yield _line({"delta": event, "key": key})
                assert first is not None
                found = [first]
                if ask.variants > 1:
                    more = drafting.draft_for_accounts(ctx, me.actor, ws.id, ask.brief,
                                                       [account_id], [language], ask.variants,
                                                       brief_kind=ask.kind)  # fmt: skip
                    found += [d for d in more if d.ab_letter != first.ab_letter]
                html, index = _cards(found, names, index, ws.id)
                yield _line({"cards": html, "key": key})
    except ClaironError as exc:
        yield _line({"error": _message(exc)})
        return
    yield _line({"done": True, "count": index})


def _message(exc: ClaironError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(p.message for p in exc.problems)
    return str(exc)


@router.post("/w/{workspace_id}/drafts/stream")
async def stream(request: Request, me: CurrentUser, workspace_id: int, form: FormDep) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    try:
        ask = await _ask(form)
    except ValidationFailed as exc:
        return Response(_line({"error": _message(exc)}), 422, media_type="application/x-ndjson")
    names = _names(accounts.list_accounts(ctx, me.actor, ws.id))
    response = StreamingResponse(
        _stream_events(request, me, ws, ask, names), media_type="application/x-ndjson"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # let a reverse proxy pass lines at once
    return response


@router.post("/w/{workspace_id}/drafts")
async def drafts_page(
    request: Request, me: CurrentUser, workspace_id: int, form: FormDep
) -> Response:
    """The panel without JavaScript: every draft at once, on a page of its own."""
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    names = _names(accounts.list_accounts(ctx, me.actor, ws.id))
    problems: list[Problem] = []
    html = ""
    try:
        ask = await _ask(form)
        found = drafting.draft_for_accounts(ctx, me.actor, ws.id, ask.brief, ask.account_ids,
                                            ask.languages, ask.variants,
                                            brief_kind=ask.kind)  # fmt: skip
        html, _ = _cards(found, names, 0, ws.id)
    except ValidationFailed as exc:
        problems = list(exc.problems)
    return render(
        request,
        "ai_drafts.html",
        me=me,
        workspace=ws,
        cards=html,
        problems=problems,
        status_code=422 if problems else 200,
    )


@router.post("/w/{workspace_id}/drafts/count")
def count(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    form: FormDep,
    account_id: Annotated[int, Form()],
    index: Annotated[int, Form()],
) -> Response:
    """The live counter of an edited draft, by the account's own counting rule."""
    text = str(form.get(f"text_{index}") or "")
    found = count_text(context_of(request), me.actor, workspace_id, [account_id], text)
    if not found:  # not an account of this workspace: nothing to count
        return Response("", media_type="text/html", headers={"Content-Security-Policy": CSP})
    c = found[0]
    body = f'<span class="len">{c.length}</span> / {c.max_length} {c.unit}' + (
        f' <span class="why">{-c.remaining} too long</span>' if c.over else ""
    )
    response = Response(body, media_type="text/html")
    response.headers["Content-Security-Policy"] = CSP
    return response


@router.post("/w/{workspace_id}/drafts/accept")
async def accept(request: Request, me: CurrentUser, workspace_id: int, form: FormDep) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    chosen = [int(v) for v in form.getlist("accept") if isinstance(v, str) and v.isdigit()]
    accepted: list[drafting.AcceptedDraft] = []
    for i in chosen:
        raw = form.get(f"draft_{i}")
        if not isinstance(raw, str):
            continue
        try:
            draft = drafting.draft_from_dict(json.loads(raw))
        except (ValueError, KeyError, TypeError):
            flash(request, "A draft came back damaged: draft again.", "error")
            return redirect(request, f"/w/{ws.id}/compose")
        edited = form.get(f"text_{i}")
        text = edited.replace("\r\n", "\n") if isinstance(edited, str) else None
        accepted.append(drafting.AcceptedDraft(int(draft.account or 0), draft, text))
    if not accepted:
        flash(request, "Tick at least one draft to use.", "error")
        return redirect(request, f"/w/{ws.id}/compose")
    submit = form.get("intent") == "submit"
    try:
        post = drafting.create_post_from_drafts(
            ctx, me.actor, ws.id, accepted, title=str(form.get("title") or ""), submit=submit
        )
    except ValidationFailed as exc:
        flash(request, "The drafts were not saved: " + _message(exc), "error")
        return redirect(request, f"/w/{ws.id}/compose")
    flash(request, "Post created from AI drafts" + (", sent for review." if submit else "."),
          "success")  # fmt: skip
    return redirect(request, f"/posts/{post.id}")
