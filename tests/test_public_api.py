"""The package's public API: every name in ``clairon.__all__`` resolves, and nothing public is
left out of it."""

from __future__ import annotations

import importlib
import types

import clairon


def test_every_exported_name_resolves() -> None:
    for name in clairon.__all__:
        assert getattr(clairon, name) is not None, name


def test_all_is_complete() -> None:
    module = importlib.reload(clairon)
    for name in clairon.__all__:
        getattr(module, name)
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)
        and n not in ("annotations", "import_module", "TYPE_CHECKING", "Any")
    }
    assert public <= set(clairon.__all__), public - set(clairon.__all__)
    assert sorted(clairon.__all__) == sorted(set(clairon.__all__))


def test_contracts_are_the_documented_callables() -> None:
    from clairon.inbox import answer_questions, triage_batch
    from clairon.scheduling import recommend_week

    assert clairon.triage_batch is triage_batch
    assert clairon.answer_questions is answer_questions
    assert clairon.recommend_week is recommend_week
