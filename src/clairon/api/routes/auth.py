"""API tokens: exchange an e-mail and password for a bearer token; who am I."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.schemas import TokenIn, TokenOut, UserOut
from clairon.errors import NotFound
from clairon.services import users

__all__ = ["router"]

router = APIRouter(tags=["auth"])


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenIn, ctx: CtxDep) -> TokenOut:
    """Log in: returns a new API token (shown once)."""
    try:
        user = users.authenticate(ctx, body.email, body.password)
    except NotFound:
        raise HTTPException(
            401, "unknown e-mail or wrong password", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    token = users.issue_api_token(ctx, user.id, body.name)
    return TokenOut(token=token, user=UserOut.model_validate(user))


@router.get("/me", response_model=UserOut)
def me(ctx: CtxDep, actor: CurrentActor) -> UserOut:
    """The authenticated user."""
    assert actor.user_id is not None
    return UserOut.model_validate(users.get_user(ctx, actor.user_id))
