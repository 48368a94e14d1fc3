"""The embedded default backend, for real (no server, no network)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pydantic import BaseModel

from clairon.ai import BackendUnsupported, Embedder, TextGenerator, Translator, system, user
from clairon.ai.local import LocalBackend
from clairon.ai.registry import embedder, known_backends, text_generator, translator
from clairon.content.writer import DraftWriter
from tests.conftest import make_settings

ARTICLE = (
    "The Riverside library reopens on May 2 after a year of renovation. "
    "The building now has solar panels and a rooftop reading garden. "
    "Opening hours are extended until 9 pm on weekdays. "
    "Children's storytelling returns every Saturday morning."
)


class Summary(BaseModel):
    summary: str
    keywords: list[str]


class Rich(BaseModel):
    score: float


def test_default_backend_is_local_and_offers_every_capability(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert settings.ai_backend == "local"
    backend = text_generator(settings)
    assert isinstance(backend, LocalBackend)
    assert isinstance(backend, TextGenerator) and isinstance(backend, DraftWriter)
    assert isinstance(embedder(settings), Embedder)
    assert isinstance(translator(settings), Translator)
    assert {"local", "openai_compat"} <= set(known_backends())


def test_generate_is_extractive_and_records_usage() -> None:
    generation = LocalBackend().generate([system("Summarise."), user(ARTICLE)])
    assert generation.text
    assert all(sentence in ARTICLE for sentence in generation.text.split(". "))
    assert generation.backend == "local" and generation.model == "clairon-composer-1"
    assert generation.prompt_tokens > generation.completion_tokens > 0


def test_json_schema_of_text_fields_is_filled_and_validated() -> None:
    generation = LocalBackend().generate([user(ARTICLE)], json_schema=Summary)
    assert isinstance(generation.data, Summary)
    assert generation.data.keywords
    assert Summary.model_validate_json(generation.text) == generation.data
    with pytest.raises(BackendUnsupported, match="Rich"):
        LocalBackend().generate([user(ARTICLE)], json_schema=Rich)


def test_stream_yields_the_same_text() -> None:
    stream = LocalBackend().stream([user(ARTICLE)], max_tokens=20)
    pieces = list(stream)
    assert len(pieces) > 1
    assert stream.generation is not None and "".join(pieces) == stream.generation.text
    assert len(stream.generation.text) <= 80


def test_embeddings_are_normalised_and_similar_texts_are_closer() -> None:
    a, b, c = LocalBackend().embed(
        ["library reopens in May", "the library reopens in may!", "quarterly revenue grew"]
    )
    assert len(a) == 256 and math.isclose(sum(x * x for x in a), 1.0)

    def cosine(x: list[float], y: list[float]) -> float:
        return sum(p * q for p, q in zip(x, y, strict=True))

    assert cosine(a, b) > 0.7 > cosine(a, c)


def test_translate_only_within_a_language() -> None:
    local = LocalBackend()
    assert local.translate("Bonjour à tous", target="fr").text == "Bonjour à tous"
    with pytest.raises(BackendUnsupported):
        local.translate("Hello to all of you", target="fr")
