"""Contract of the public batch triage API (clairon.inbox.triage_batch / triage_one)."""

from __future__ import annotations

import dataclasses

import pytest

import clairon.inbox as inbox
from clairon.inbox import TriageResult, triage_batch, triage_one
from clairon.inbox.intent import detect_intent

SENTIMENTS = {"negative", "neutral", "positive"}
INTENTS = {"question", "complaint", "praise", "purchase_intent", "support_request", "other"}


def test_all_is_complete() -> None:
    public = {name for name in dir(inbox) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(inbox, name), type(inbox))}
    assert public - modules == set(inbox.__all__)


def test_batch_keeps_length_and_order_and_fields() -> None:
    texts = ["I love this phone, thank you!", "Ce service est nul, je veux être remboursé", "ok"]
    results = triage_batch(texts)
    assert len(results) == 3
    for result in results:
        assert isinstance(result, TriageResult)
        assert dataclasses.is_dataclass(result)
        assert result.sentiment in SENTIMENTS
        assert set(result.sentiment_proba) == SENTIMENTS
        assert abs(sum(result.sentiment_proba.values()) - 1.0) < 1e-3
        assert 0.0 <= result.toxicity <= 1.0
        assert 0.0 <= result.spam <= 1.0
        assert result.intent in INTENTS
        assert 0 <= result.priority <= 100
        assert result.stage == "fast"
        assert result.error is None
    assert results[0].sentiment == "positive"
    assert results[1].language == "fr"
    assert results[1].intent == "complaint"
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].sentiment = "negative"  # type: ignore[misc]


def test_bad_input_is_labelled_unknown_never_raised() -> None:
    huge = "a" * 1_000_001
    undecodable = b"caf\xe9 ok".decode("utf-8", errors="surrogateescape")
    texts = ["", "   ", huge, undecodable, b"bytes", None, "I love it, thank you so much!"]
    results = triage_batch(texts)  # type: ignore[arg-type]
    assert [r.error is not None for r in results] == [True] * 6 + [False]
    for result in results[:6]:
        assert result.language == "unknown"
        assert result.sentiment == "unknown"
    assert "1 MB" in (results[2].error or "")
    assert "UTF-8" in (results[3].error or "")
    assert results[6].sentiment == "positive"


def test_empty_batch() -> None:
    assert triage_batch([]) == []


def test_given_language_and_restriction() -> None:
    assert triage_one("merci beaucoup", "en").language == "en"
    restricted = triage_batch(["ciao amore mio"], allowed_languages={"fr", "en"})[0]
    assert restricted.language in {"fr", "en"}
    named = triage_batch(["hello", "salut"], ["English", "fr-CA"])
    assert [r.language for r in named] == ["en", "fr"]
    assert triage_batch(["ciao amore mio"], allowed_languages=["French"])[0].language == "fr"


def test_languages_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="languages"):
        triage_batch(["a", "b"], ["fr"])


def test_phrase_override_wins() -> None:
    text = "Our new War Zone trailer is out, it is a massacre"
    result = triage_one(text, overrides={"war zone": "neutral"})
    assert result.sentiment == "neutral"
    assert result.stage == "rule"
    assert result.override == "war zone"
    with pytest.raises(ValueError, match="must be"):
        triage_one(text, overrides={"war zone": "meh"})


def test_robust_to_elongation_and_emoji() -> None:
    loud, plain = triage_batch(["this is sooooo goooood 😍😍😍", "this is so good"])
    assert loud.sentiment == plain.sentiment == "positive"
    assert triage_one("this is not good at all").sentiment == "negative"


def test_toxicity_spam_pii_and_priority() -> None:
    abuse = triage_one("you are a fucking idiot, shut up")
    assert abuse.offensive and abuse.toxicity > 0.5
    scam = triage_one("Earn $500 per day with bitcoin!! DM me http://bit.ly/abc")
    assert scam.is_spam and "url_shortener" in scam.spam_reasons
    pii = triage_one("écrivez-moi à jean.dupont@example.fr ou au 06 12 34 56 78")
    assert {m.kind for m in pii.pii} == {"email", "phone"}
    calm = triage_one("nice picture", followers=10, age_seconds=0)
    urgent = triage_one(
        "This is unacceptable, my order never arrived, I want a refund",
        followers=500_000,
        age_seconds=86_400,
    )
    assert urgent.priority > calm.priority
    assert urgent.priority >= 60


@pytest.mark.parametrize(
    "text",
    [
        "charged €150 for a router I sent back weeks ago WITH tracking. Absolute scammers.",
        "Votre service client m'a raccroché au nez 3 fois, je vais saisir le médiateur",
        "3 semaines que j'attends le technicien, c'est une honte !!!",
        "You cut my line for a bill I already paid. I want to speak to a manager now",
    ],
)
def test_accusations_and_escalations_are_complaints(text: str) -> None:
    # Upset customers must reach a human even when the sentiment model reads them as neutral.
    assert detect_intent(text, "neutral") == "complaint"
    assert detect_intent("where is my parcel?", "neutral") == "question"
