"""Synonym rings of the FAQ retrieval's lexical side: matching, files, and effect on ranking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from clairon.cli.main import app
from clairon.errors import ValidationFailed
from clairon.inbox.assistant import thesaurus_with
from clairon.inbox.kb import KBEntry
from clairon.inbox.retrieval import HybridRetriever, lexical_tokens
from clairon.inbox.thesaurus import Thesaurus

FAQ = Path(__file__).parent / "faq"


def _rings(text: str) -> Thesaurus:
    thesaurus = Thesaurus(lexical_tokens)
    thesaurus.add_text(text)
    return thesaurus


def test_words_of_a_ring_read_as_one_concept_across_languages_and_inflections() -> None:
    builtin = Thesaurus.builtin(lexical_tokens)
    for text in ("the vase arrived cracked", "la lampe est arrivée cassée", "item damaged"):
        assert "~damaged" in builtin.apply(lexical_tokens(text)), text
    # Near neighbours stay apart: returning is not refunding, damaged is not missing.
    assert "~return" in builtin.apply(lexical_tokens("je veux renvoyer ce pull"))
    assert "~refund" not in builtin.apply(lexical_tokens("je veux renvoyer ce pull"))
    assert "~damaged" not in builtin.apply(lexical_tokens("an item is missing"))


def test_phrases_match_longest_first_with_one_word_between() -> None:
    rings = _rings("return: send back | retour\nsend: send\nstock: out of stock | stock")
    assert rings.apply(lexical_tokens("I want to send it back")) == ["want", "~return"]
    two_between = lexical_tokens("send the big parcel back")
    assert rings.apply(two_between) == ["~send", "big", "parcel", "back"]
    assert rings.apply(lexical_tokens("send something back")) == ["~return", "someth"]
    assert rings.apply(lexical_tokens("out of stock again")) == ["~stock", "again"]


def test_a_word_in_two_rings_stands_for_both() -> None:
    rings = _rings("damaged: broken | cracked\noutoforder: broken | faulty")
    assert rings.apply(["broken"]) == ["~damaged", "~outoforder"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no colon here", "line 1: expected 'concept: word | word ...'"),
        ("# fine\n\ntwo words: a | b", "line 3: expected"),
        ("empty:  |  ", "line 1: ring 'empty' has no words"),
    ],
)
def test_a_bad_ring_file_names_its_line_and_adds_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "rings.txt"
    path.write_text("fine: zorglub\n" + text if "fine" not in text else text, encoding="utf-8")
    thesaurus = Thesaurus(lexical_tokens)
    with pytest.raises(ValidationFailed, match=message.replace("line 1", "line 2")
                       if "fine" not in text else message):  # fmt: skip
        thesaurus.load(path)
    assert len(thesaurus) == 0


def test_unreadable_ring_files_get_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"caf\xe9: coffee\n")
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        Thesaurus(lexical_tokens).load(path)
    with pytest.raises(ValidationFailed, match="cannot read"):
        Thesaurus(lexical_tokens).load(tmp_path / "missing.txt")


@given(st.lists(st.sampled_from(["send", "back", "stock", "out", "x", "retour", "y"]), max_size=12))
def test_words_outside_every_ring_pass_through_in_order(tokens: list[str]) -> None:
    rings = _rings("return: send back | retour\nstock: out of stock")
    out = rings.apply(tokens)
    kept = [t for t in out if not t.startswith("~")]
    assert all(t in tokens for t in kept)
    assert [t for t in tokens if t in {"x", "y"}] == [t for t in kept if t in {"x", "y"}]
    assert len(out) <= len(tokens)


def test_thesaurus_lets_the_lexical_side_cross_languages() -> None:
    entries = (
        KBEntry("fr-abime", "J'ai reçu un article abîmé", "Envoyez-nous une photo.", "fr"),
        KBEntry("fr-manque", "Il manque un article dans mon colis", "Écrivez-nous.", "fr"),
    )
    plain = HybridRetriever(entries, use_dense=False, use_thesaurus=False)
    rings = HybridRetriever(entries, use_dense=False)
    assert plain.search(["the vase arrived cracked"])[0][0].coverage == 0.0
    hit = rings.search(["the vase arrived cracked"])[0][0]
    assert hit.entry.id == "fr-abime" and hit.coverage > 0.3


def test_workspace_rings_are_added_to_the_builtin_ones(tmp_path: Path) -> None:
    path = tmp_path / "brand.txt"
    path.write_text("loyalty: club zorglub | zorglub points\n", encoding="utf-8")
    thesaurus = thesaurus_with([path])
    assert thesaurus.apply(lexical_tokens("mes zorglub points")) == ["~loyalty"]
    assert thesaurus.apply(lexical_tokens("points fidélité")) == ["~loyalty"]


def test_cli_takes_synonym_files_and_refuses_a_bad_one(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "1", "text": "club zorglub ?"}) + "\n", "utf-8")
    rings = tmp_path / "rings.txt"
    rings.write_text("loyalty: club zorglub\n", encoding="utf-8")
    kb = str(FAQ / "beauty" / "kb.jsonl")
    good = CliRunner().invoke(app, ["assistant", "answer", "--kb", kb, "--synonyms", str(rings),
                                    str(questions)])  # fmt: skip
    assert good.exit_code == 0, good.output
    assert "loyalty" in json.loads(good.stdout.splitlines()[0])["entry_id"]
    rings.write_text("loyalty club zorglub\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["assistant", "answer", "--kb", kb, "--synonyms", str(rings),
                                   str(questions)])  # fmt: skip
    assert bad.exit_code == 2
    assert "rings.txt:line 1: expected" in " ".join(bad.output.split())  # Rich may wrap lines
