from __future__ import annotations

import pytest

from clairon.content.language import detect_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Nous lançons notre nouvelle gamme de thés bio dès lundi.", "fr"),
        ("We are launching our new range of organic teas on Monday.", "en"),
        ("Wir starten jetzt unsere neue Teekollektion für den Sommer.", "de"),
        ("Lanzamos nuestra nueva colección de tés para el verano.", "es"),
        ("Dès demain, l'équipe sera à Lyon.", "fr"),
    ],
)
def test_short_texts(text: str, code: str) -> None:
    guess = detect_language(text)
    assert guess.code == code
    assert 0.5 < guess.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "code"),
    # Short customer questions: "on" is a function word in both languages, question words decide.
    [("on peut payer avec apple pay ?", "fr"), ("je peux payer en 3 fois ?", "fr"),
     ("can I pay with apple pay?", "en"), ("pourquoi mon colis est bloqué", "fr")],
)  # fmt: skip
def test_short_questions(text: str, code: str) -> None:
    assert detect_language(text).code == code


def test_no_evidence_gives_the_default() -> None:
    guess = detect_language("12345 !!! 🎉", default="fr")
    assert (guess.code, guess.confidence) == ("fr", 0.0)


def test_long_text_does_not_overflow() -> None:
    assert detect_language("the and of " * 2000).code == "en"
