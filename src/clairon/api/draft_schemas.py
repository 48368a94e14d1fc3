"""Request and response bodies of the drafting endpoints (``/workspaces/{id}/drafts...``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clairon.content import Draft
from clairon.services.drafting import MAX_VARIANTS

__all__ = [
    "AcceptIn",
    "AcceptedDraftIn",
    "BriefKind",
    "DraftOut",
    "DraftStreamIn",
    "DraftsIn",
    "SourceOut",
    "ViolationOut",
    "draft_out",
]

BriefKind = Literal["auto", "text", "html", "markdown", "rss"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftsIn(_Request):
    brief: str = Field(min_length=1, max_length=200_000, description="The brief's text.")
    brief_kind: BriefKind = Field("auto", description="How to read the brief (auto: sniffed).")
    account_ids: list[int] = Field(min_length=1, max_length=20)
    languages: list[str] = Field(
        default_factory=list, max_length=10, description="Empty: the workspace's first language."
    )
    variants: int = Field(1, ge=1, le=MAX_VARIANTS, description="A/B variants per target.")


class DraftStreamIn(_Request):
    brief: str = Field(min_length=1, max_length=200_000)
    brief_kind: BriefKind = "auto"
    account_id: int
    language: str = Field("", max_length=20, description="Empty: the workspace's first language.")


class ViolationOut(BaseModel):
    rule: str
    span: tuple[int, int] = Field(description="[start, end) in the draft's text.")
    message: str
    excerpt: str = ""


class SourceOut(BaseModel):
    index: int
    text: str


class DraftOut(BaseModel):
    """One proposed variant. Send it back (edited or not) to ``drafts/accept``."""

    account_id: int
    network: str
    language: str
    ab_letter: str
    text: str
    difference: str = Field("", description="What this A/B variant changes.")
    first_comment: str = ""
    hashtags: list[str] = Field(default_factory=list)
    thread: list[str] = Field(default_factory=list, description="Further posts of a thread.")
    violations: list[ViolationOut] = Field(
        default_factory=list, description="What is still wrong: the draft is flagged."
    )
    flagged: bool = False
    valid_for_network: bool = True
    labels: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="{element: {backend, model, ai: true}}"
    )
    ai_generated: bool = True
    sources: list[SourceOut] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    length: int = 0
    max_length: int = 0
    backend: str = ""
    model: str = ""


class AcceptedDraftIn(DraftOut):
    """A draft as returned by ``drafts`` (extra fields are ignored), with the person's edit."""

    model_config = ConfigDict(extra="ignore")

    edited_text: str | None = Field(
        None, description="The text as a person edited it (null: as drafted)."
    )


class AcceptIn(_Request):
    drafts: list[AcceptedDraftIn] = Field(min_length=1, max_length=100)
    title: str = Field("", max_length=300)
    body: str = Field("", description="The post's message (empty: the first draft's text).")
    submit: bool = Field(False, description="Send the post for review at once.")


def draft_out(draft: Draft) -> DraftOut:
    return DraftOut(
        account_id=int(draft.account),
        network=draft.network,
        language=draft.language,
        ab_letter=draft.ab_letter,
        text=draft.text,
        difference=draft.difference,
        first_comment=draft.first_comment,
        hashtags=list(draft.hashtags),
        thread=list(draft.thread),
        violations=[
            ViolationOut(rule=v.rule, span=v.span, message=v.message, excerpt=v.excerpt(draft.text))
            for v in draft.violations
        ],
        flagged=draft.flagged,
        valid_for_network=draft.valid_for_network,
        labels=draft.labels,
        ai_generated=draft.ai_generated,
        sources=[SourceOut(index=s.index, text=s.text) for s in draft.sources],
        notes=list(draft.notes),
        length=draft.length,
        max_length=draft.max_length,
        backend=draft.backend,
        model=draft.model,
    )
