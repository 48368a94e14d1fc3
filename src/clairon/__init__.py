"""Clairon: an open-source, self-hostable AI social media studio.

The stable entry points (contracts documented in README.md) are importable from here; they are
loaded on first use so that ``import clairon`` stays cheap:

- ``triage_batch`` / ``triage_one`` / ``TriageResult``: inbox triage (``clairon.inbox``)
- ``answer_questions`` / ``load_kb`` / ``AssistantAnswer``: the FAQ assistant (``clairon.inbox``)
- ``recommend_week`` / ``PastPost`` / ``WeekPlan``: best time to post (``clairon.scheduling``)
- ``create_app``: the FastAPI app with the web UI (``clairon.api``)
- ``Settings`` / ``get_settings``: configuration (``clairon.config``)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from clairon.api import create_app
    from clairon.config import Settings, get_settings
    from clairon.inbox import (
        AssistantAnswer,
        TriageResult,
        answer_questions,
        load_kb,
        triage_batch,
        triage_one,
    )
    from clairon.scheduling import PastPost, WeekPlan, recommend_week

_WHERE = {
    "AssistantAnswer": "clairon.inbox",
    "PastPost": "clairon.scheduling",
    "Settings": "clairon.config",
    "TriageResult": "clairon.inbox",
    "WeekPlan": "clairon.scheduling",
    "answer_questions": "clairon.inbox",
    "create_app": "clairon.api",
    "get_settings": "clairon.config",
    "load_kb": "clairon.inbox",
    "recommend_week": "clairon.scheduling",
    "triage_batch": "clairon.inbox",
    "triage_one": "clairon.inbox",
}

__all__ = [
    "AssistantAnswer",
    "PastPost",
    "Settings",
    "TriageResult",
    "WeekPlan",
    "__version__",
    "answer_questions",
    "create_app",
    "get_settings",
    "load_kb",
    "recommend_week",
    "triage_batch",
    "triage_one",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'clairon' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
