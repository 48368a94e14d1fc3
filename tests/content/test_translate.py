from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clairon.ai.base import BackendUnsupported, Generation
from clairon.ai.local import LocalBackend
from clairon.ai.openai_compat import OpenAICompatBackend
from clairon.content.translate import localisation_notes, protect_terms, restore_terms, translate
from clairon.errors import ValidationFailed
from tests.ai.fake_openai import FakeOpenAI, Reply, running_server

GLOSSARY = ["EcoBrew", "Brew Club"]


@settings(deadline=None)  # shared CI cores: timing is not what is tested
@given(st.text(alphabet=st.characters(exclude_characters="⟦⟧"), max_size=80),
       st.lists(st.sampled_from(["EcoBrew", "Brew Club", "Lumen"]), max_size=3))  # fmt: skip
def test_protect_then_restore_gives_the_text_back(text: str, extra: list[str]) -> None:
    text = f"{text} {' '.join(extra)}"
    protected, mapping = protect_terms(text, GLOSSARY)
    assert all(term not in protected for term in mapping.values())
    assert restore_terms(protected, mapping) == text


def test_terms_are_protected_as_whole_words_longest_first() -> None:
    protected, mapping = protect_terms("Join the Brew Club with EcoBrew, not EcoBrewer.", GLOSSARY)
    assert protected == "Join the ⟦0⟧ with ⟦1⟧, not EcoBrewer."
    assert mapping == {"⟦0⟧": "Brew Club", "⟦1⟧": "EcoBrew"}


class Scripted:
    """A Translator returning a fixed answer (what a model might do to placeholders)."""

    backend = "scripted"
    model = "m1"

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.seen: list[str] = []

    def translate(
        self, text: str, *, target: str, source: str | None = None, keep: Sequence[str] = ()
    ) -> Generation:
        self.seen.append(text)
        return Generation(self.answer, self.backend, self.model)


def test_translation_keeps_glossary_terms_and_labels_the_backend() -> None:
    translator = Scripted("Rejoignez le ⟦ 0 ⟧ avec ⟦1⟧.")
    result = translate("Join the Brew Club with EcoBrew.", "fr", translator, glossary=GLOSSARY)
    assert translator.seen == ["Join the ⟦0⟧ with ⟦1⟧."]
    assert result.text == "Rejoignez le Brew Club avec EcoBrew."
    assert (result.source, result.target) == ("en", "fr")
    assert result.label == {"backend": "scripted", "model": "m1", "ai": True}


def test_a_lost_glossary_term_is_an_error() -> None:
    with pytest.raises(ValidationFailed, match="EcoBrew"):
        translate("Meet EcoBrew.", "fr", Scripted("Voici la machine."), glossary=GLOSSARY)


def test_same_language_is_not_sent_to_the_backend() -> None:
    translator = Scripted("unused")
    assert translate("Nous ouvrons demain.", "fr", translator).text == "Nous ouvrons demain."
    assert translator.seen == []


def test_local_backend_refuses_free_translation() -> None:
    with pytest.raises(BackendUnsupported, match="openai_compat"):
        translate("We open tomorrow at the shop.", "fr", LocalBackend())


@pytest.fixture
def server() -> Iterator[tuple[FakeOpenAI, str]]:
    with running_server() as pair:
        yield pair


def test_translation_through_an_openai_compatible_server(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(content="Découvrez ⟦0⟧ dès aujourd'hui.")]
    with OpenAICompatBackend(url, "mt", sleep=lambda s: None) as backend:
        result = translate("Discover EcoBrew today.", "fr", backend, glossary=GLOSSARY)
    assert result.text == "Découvrez EcoBrew dès aujourd'hui."
    assert fake.requests[0].body["messages"][1]["content"] == "Discover ⟦0⟧ today."


def kinds(text: str, target: str, country: str | None = None) -> list[tuple[str, str]]:
    notes = localisation_notes(text, target, country=country)
    return [(n.kind, text[n.span[0] : n.span[1]]) for n in notes]


def test_localisation_notes() -> None:
    text = "Ride 20 miles at 75°F, from 03/04/2026 at 5pm, for $49 on 14 July 2026."
    notes = localisation_notes(text, "fr")
    assert [(n.kind, text[n.span[0] : n.span[1]]) for n in notes] == [
        ("units", "20 miles"),
        ("units", "75°F"),
        ("date", "03/04/2026"),
        ("time", "5pm"),
        ("currency", "$"),
        ("holiday", "14 July 2026"),
    ]
    assert "32.2 km" in notes[0].message and "24 °C" in notes[1].message
    assert "17 h 00" in notes[3].message and "National Day" in notes[5].message


def test_us_audience_gets_imperial_notes_and_its_holidays() -> None:
    text = "Run 10 km before July 4, 2026 for 20 €."
    assert kinds(text, "en") == [("units", "10 km"), ("currency", "€"), ("holiday", "July 4, 2026")]
    assert kinds("Run 10 km.", "en", country="GB") == []
