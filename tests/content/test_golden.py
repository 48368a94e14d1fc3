"""Acceptance on the golden set, embedded default backend: 100% of variants valid for their
network, 100% passing the brand voice or flagged, key facts kept in >= 95%."""

from __future__ import annotations

from pathlib import Path

from clairon.ai.local import LocalBackend
from clairon.content.compose import Composer, Target
from clairon.content.voice import load_voice
from tests.content.golden_set import golden_briefs
from tests.content.network_limits import NETWORKS, limits

VOICE = Path(__file__).parent / "voice_golden.json"


def test_golden_set_acceptance() -> None:
    briefs = golden_briefs()
    assert len(briefs) >= 20
    assert {g.brief.language for g in briefs} == {"en", "fr"}
    assert len({g.industry for g in briefs}) >= 10
    composer = Composer(LocalBackend(), voice=load_voice(VOICE))
    drafts = valid = voice_ok = kept = facts = 0
    for golden in briefs:
        targets = [Target(n, lang, limits(n)) for n in NETWORKS for lang in ("en", "fr")]
        for draft in composer.compose(golden.brief, targets, n_variants=2):
            drafts += 1
            rules = limits(draft.network)
            fits = not rules.check_text(draft.text) and all(
                not rules.check_text(part) for part in draft.thread
            )
            valid += fits
            voice_ok += draft.flagged or composer.voice.check(draft.text) == []
            result = golden.kept(draft)
            kept += sum(result.values())
            facts += len(result)
    assert drafts == len(briefs) * len(NETWORKS) * 2 * 2
    assert valid == drafts
    assert voice_ok == drafts
    assert kept / facts >= 0.95
