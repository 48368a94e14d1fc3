"""The composer: one message for several accounts, with live per-network counters.

The counters are computed on the server (``services.counters``), from each account's connector
rule, and swapped in by HTMX while the user types; the same rules validate the post. Each
account may get its own adapted text (``text_<account id>``); empty means the message."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from clairon.domain import Workspace
from clairon.errors import Problem, ValidationFailed
from clairon.services import accounts, posts, workspaces
from clairon.services.context import Actor, Context
from clairon.services.counters import TextCount, count_text
from clairon.web.rendering import CurrentUser, Viewer, WebRoute, context_of, flash, redirect, render

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

AccountIds = Annotated[list[int], Form()]
_VARIANT = re.compile(r"^variants\[(\d+)\](.*)$")


async def _form(request: Request) -> FormData:
    return await request.form()  # parsed once by Starlette, cached on the request


FormDep = Annotated[FormData, Depends(_form)]


def _adapted(form: FormData) -> dict[int, str]:
    """The per-account texts that are not empty, by account id."""
    out: dict[int, str] = {}
    for key, value in form.multi_items():
        named = key.startswith("text_") and key[5:].isdigit()
        if named and isinstance(value, str) and value.strip():
            out[int(key[5:])] = value
    return out


def _counts(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    chosen: list[int],
    body: str,
    adapted: dict[int, str],
) -> list[TextCount]:
    """Each chosen account's count of the text it will publish, in the order chosen."""
    by_text: dict[str, list[int]] = {}
    for account_id in chosen:
        by_text.setdefault(adapted.get(account_id, body), []).append(account_id)
    found: dict[int, TextCount] = {}
    for text, ids in by_text.items():
        for count in count_text(ctx, actor, workspace_id, ids, text):
            found[count.account_id] = count
    return [found[i] for i in chosen if i in found]


def _composer(
    request: Request,
    me: Viewer,
    ws: Workspace,
    *,
    title: str = "",
    body: str = "",
    selected: list[int] | None = None,
    adapted: dict[int, str] | None = None,
    language: str = "",
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    account_list = accounts.list_accounts(ctx, me.actor, ws.id)
    chosen = selected if selected is not None else [a.id for a in account_list[:1]]
    return render(
        request,
        "composer.html",
        me=me,
        workspace=ws,
        accounts=account_list,
        selected=set(chosen),
        adapted=adapted or {},
        title=title,
        body=body,
        language=language or ws.languages[0],
        counts=_counts(ctx, me.actor, ws.id, chosen, body, adapted or {}),
        problems=problems or [],
        status_code=status_code,
    )


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
    form: FormDep,
    body: Annotated[str, Form()] = "",
    account_ids: AccountIds = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    adapted = _adapted(form)
    counts = _counts(context_of(request), me.actor, workspace_id, account_ids, body, adapted)
    return render(request, "_counters.html", counts=counts, adapted=adapted)


@router.post("/w/{workspace_id}/compose")
def create(
    request: Request,
    me: CurrentUser,
    workspace_id: int,
    form: FormDep,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    intent: Annotated[str, Form()] = "draft",
    account_ids: AccountIds = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    ctx = context_of(request)
    ws = workspaces.get_workspace(ctx, me.actor, workspace_id)
    adapted = _adapted(form)
    if not account_ids:
        return _composer(
            request,
            me,
            ws,
            title=title,
            body=body,
            selected=[],
            adapted=adapted,
            language=language,
            problems=[Problem("accounts", "choose at least one account")],
            status_code=422,
        )
    specs = [
        posts.VariantSpec(account_id=a, language=language, text=adapted.get(a, ""))
        for a in account_ids
    ]
    try:
        post = posts.create_post(ctx, me.actor, ws.id, body, specs, title=title.strip())
    except ValidationFailed as exc:
        names = {
            a.id: f"{a.network} · {a.handle}" for a in accounts.list_accounts(ctx, me.actor, ws.id)
        }
        labels = [names.get(i, f"account {i}") for i in account_ids]
        return _composer(
            request,
            me,
            ws,
            title=title,
            body=body,
            selected=account_ids,
            adapted=adapted,
            language=language,
            problems=_named(exc.problems, labels),
            status_code=422,
        )
    if intent == "submit":
        posts.submit_for_review(ctx, me.actor, post.id)
        flash(request, "Post sent for review.", "success")
    else:
        flash(request, "Draft saved.", "success")
    return redirect(request, f"/posts/{post.id}")
