"""Social accounts of a workspace. Credentials go in, never come out."""

from __future__ import annotations

from fastapi import APIRouter

from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.schemas import AccountIn, AccountOut
from clairon.services import accounts

__all__ = ["router"]

router = APIRouter(tags=["accounts"])


@router.get("/workspaces/{workspace_id}/accounts", response_model=list[AccountOut])
def list_accounts(workspace_id: int, ctx: CtxDep, actor: CurrentActor) -> list[AccountOut]:
    return [AccountOut.model_validate(a) for a in accounts.list_accounts(ctx, actor, workspace_id)]


@router.post("/workspaces/{workspace_id}/accounts", response_model=AccountOut, status_code=201)
def connect(workspace_id: int, body: AccountIn, ctx: CtxDep, actor: CurrentActor) -> AccountOut:
    """Connect an account (or reconnect it: new credentials are merged over the stored ones)."""
    account = accounts.connect_account(
        ctx,
        actor,
        workspace_id,
        body.network,
        body.handle,
        credentials=body.credentials,
        display_name=body.display_name,
        token_expires_at=body.token_expires_at,
        settings=body.settings,
    )
    return AccountOut.model_validate(account)


@router.get("/accounts/{account_id}", response_model=AccountOut)
def get_account(account_id: int, ctx: CtxDep, actor: CurrentActor) -> AccountOut:
    return AccountOut.model_validate(accounts.get_account(ctx, actor, account_id))
