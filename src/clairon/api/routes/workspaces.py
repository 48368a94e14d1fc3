"""Workspaces (brands, clients) and their members."""

from __future__ import annotations

from fastapi import APIRouter

from clairon.api.deps import CtxDep, CurrentActor
from clairon.api.schemas import (
    ApprovalPolicyIn,
    MemberIn,
    MemberOut,
    UserOut,
    WorkspaceIn,
    WorkspaceOut,
)
from clairon.domain import Role, Workspace
from clairon.services import workspaces

__all__ = ["router"]

router = APIRouter(prefix="/workspaces", tags=["workspaces"])


def _out(ws: Workspace, role: Role | None) -> WorkspaceOut:
    out = WorkspaceOut.model_validate(ws)
    return out.model_copy(update={"role": role})


def _role_of(ctx: CtxDep, actor: CurrentActor, workspace_id: int) -> Role | None:
    for ws, role in workspaces.list_my_workspaces(ctx, actor):
        if ws.id == workspace_id:
            return role
    return None


@router.get("", response_model=list[WorkspaceOut])
def list_mine(ctx: CtxDep, actor: CurrentActor) -> list[WorkspaceOut]:
    """The workspaces the caller is a member of, with the caller's role."""
    return [_out(ws, role) for ws, role in workspaces.list_my_workspaces(ctx, actor)]


@router.post("", response_model=WorkspaceOut, status_code=201)
def create(body: WorkspaceIn, ctx: CtxDep, actor: CurrentActor) -> WorkspaceOut:
    """Create a workspace; the caller becomes its owner."""
    ws = workspaces.create_workspace(
        ctx,
        actor,
        body.name,
        timezone=body.timezone,
        languages=body.languages,
        slug=body.slug,
        require_approval=body.require_approval,
    )
    return _out(ws, Role.owner)


@router.get("/{workspace_id}", response_model=WorkspaceOut)
def get(workspace_id: int, ctx: CtxDep, actor: CurrentActor) -> WorkspaceOut:
    ws = workspaces.get_workspace(ctx, actor, workspace_id)
    return _out(ws, _role_of(ctx, actor, workspace_id))


@router.patch("/{workspace_id}", response_model=WorkspaceOut)
def set_policy(
    workspace_id: int, body: ApprovalPolicyIn, ctx: CtxDep, actor: CurrentActor
) -> WorkspaceOut:
    """Change the approval policy (owners only)."""
    workspaces.set_approval_policy(ctx, actor, workspace_id, body.require_approval)
    return get(workspace_id, ctx, actor)


@router.get("/{workspace_id}/members", response_model=list[MemberOut])
def members(workspace_id: int, ctx: CtxDep, actor: CurrentActor) -> list[MemberOut]:
    return [
        MemberOut(user=UserOut.model_validate(user), role=role)
        for user, role in workspaces.list_members(ctx, actor, workspace_id)
    ]


@router.post("/{workspace_id}/members", response_model=MemberOut, status_code=201)
def invite(workspace_id: int, body: MemberIn, ctx: CtxDep, actor: CurrentActor) -> MemberOut:
    """Add a member (creating the user if needed) or change a member's role."""
    user = workspaces.invite_member(ctx, actor, workspace_id, body.email, body.role, body.name)
    return MemberOut(user=UserOut.model_validate(user), role=body.role)
