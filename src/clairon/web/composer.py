"""The composer: one message for several accounts, with live per-network counters.

The counters are computed on the server (``services.counters``), from each account's connector
rule, and swapped in by HTMX while the user types; the same rules validate the post."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from clairon.domain import Workspace
from clairon.errors import Problem, ValidationFailed
from clairon.services import accounts, posts, workspaces
from clairon.services.counters import TextCount, count_text
from clairon.web.rendering import CurrentUser, Viewer, WebRoute, context_of, flash, redirect, render

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

AccountIds = Annotated[list[int], Form()]
_VARIANT = re.compile(r"^variants\[(\d+)\](.*)$")


def _composer(
    request: Request,
    me: Viewer,
    ws: Workspace,
    *,
    title: str = "",
    body: str = "",
    selected: list[int] | None = None,
    language: str = "",
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    account_list = accounts.list_accounts(ctx, me.actor, ws.id)
    chosen = selected if selected is not None else [a.id for a in account_list[:1]]
    counts = count_text(ctx, me.actor, ws.id, chosen, body) if chosen else []
    return render(
        request,
        "composer.html",
        me=me,
        workspace=ws,
        accounts=account_list,
        selected=set(chosen),
        title=title,
        body=body,
        language=language or ws.languages[0],
        counts=counts,
        problems=problems or [],
        status_code=status_code,
    )


def ctx_labels(request: Request, me: Viewer, workspace_id: int, ids: list[int]) -> list[str]:
    """``network · handle`` of each chosen account, in the order of the variants."""
    names = {
        a.id: f"{a.network} · {a.handle}"
        for a in accounts.list_accounts(context_of(request), me.actor, workspace_id)
    }
    return [names.get(i, f"account {i}") for i in ids]


def _named(problems: list[Problem], labels: list[str]) -> list[Problem]:
    """``variants[1].text`` → ``outbox · acme-short, text``: people think in accounts."""
    out: list[Problem] = []
    for p in problems:
        match = _VARIANT.match(p.location)
        if match and int(match.group(1)) < len(labels):
            rest = match.group(2).lstrip(".")
            where = labels[int(match.group(1))] + (f", {rest}" if rest else "")
            out.append(Problem(where, p.message))
        else:
            out.append(p)
    return out


@router.get("/w/{workspace_id}/compose")
def composer_page(request: Request, me: CurrentUser, workspace_id: int) -> Response:
    ws = workspaces.get_workspace(context_of(request), me.actor, workspace_id)
    return _composer(request, me, ws)


@router.post("/w/{workspace_id}/compose/counters")
def counters(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    body: Annotated[str, Form()] = "",
    account_ids: AccountIds = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    counts: list[TextCount] = count_text(
        context_of(request), me.actor, workspace_id, account_ids, body
    )
    return render(request, "_counters.html", counts=counts)


@router.post("/w/{workspace_id}/compose")
def create(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    intent: Annotated[str, Form()] = "draft",
    account_ids: AccountIds = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    if not account_ids:
        return _composer(
            request,
            me,
            ws,
            title=title,
            body=body,
            selected=[],
            language=language,
            problems=[Problem("accounts", "choose at least one account")],
            status_code=422,
        )
    specs = [posts.VariantSpec(account_id=a, language=language) for a in account_ids]
    try:
        post = posts.create_post(ctx, me.actor, ws.id, body, specs, title=title.strip())
    except ValidationFailed as exc:
        return _composer(
            request,
            me,
            ws,
            title=title,
            body=body,
            selected=account_ids,
            language=language,
            problems=_named(exc.problems, ctx_labels(request, me, ws.id, account_ids)),
            status_code=422,
        )
    if intent == "submit":
        posts.submit_for_review(ctx, me.actor, post.id)
        flash(request, "Post sent for review.", "success")
    else:
        flash(request, "Draft saved.", "success")
    return redirect(request, f"/posts/{post.id}")
