"""Knowledge-base import: JSONL, CSV, Markdown; every bad row reported with its number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import ValidationFailed
from clairon.inbox.kb import KBEntry, load_kb, parse_csv, parse_jsonl, parse_markdown

FAQ = Path(__file__).parent / "faq"


def test_shipped_faq_loads_without_problems() -> None:
    kb = load_kb(FAQ / "kb.jsonl", strict=True)
    assert len(kb) >= 40
    assert {e.language for e in kb} == {"fr", "en"}
    assert kb.get("fr-frais-port") is not None


def test_jsonl_bad_rows_are_reported_with_their_line_number() -> None:
    text = "\n".join(
        [
            json.dumps({"id": "a", "question": "Q?", "answer": "A.", "language": "en"}),
            "{not json",
            json.dumps({"question": "", "answer": "A.", "language": "en"}),
            json.dumps([1, 2]),
            "",
            json.dumps({"id": "a", "question": "Q2?", "answer": "B.", "language": "en"}),
            json.dumps({"question": "Q3?", "answer": "C.", "language": "english"}),
            json.dumps({"question": "Où ?", "answer": "Ici.", "tags": "x, y"}),
        ]
    )
    kb = parse_jsonl(text)
    assert [p.location for p in kb.problems] == ["row 2", "row 3", "row 4", "row 6", "row 7"]
    assert "missing question" in kb.problems[1].message
    assert "duplicate id 'a'" in kb.problems[3].message
    assert [e.id for e in kb.entries] == ["a", "row-8"]
    assert kb.entries[1].tags == ("x", "y")
    assert kb.entries[1].language == "fr"  # detected when absent


def test_csv_import_and_missing_column() -> None:
    kb = parse_csv(
        "question,answer,language,tags,url\n"
        "How much?,€5,en,price|shipping,https://x.example/p\n"
        ",no question,en,,\n"
    )
    assert kb.entries == (
        KBEntry("row-2", "How much?", "€5", "en", ("price", "shipping"), "https://x.example/p"),
    )
    assert [p.location for p in kb.problems] == ["row 3"]
    with pytest.raises(ValidationFailed, match="no column answer"):
        parse_csv("question,language\nQ,en\n")


def test_markdown_pages_split_by_heading() -> None:
    kb = parse_markdown(
        "language: fr\n# Livraison\n## Délais\nDeux à quatre jours.\n## Frais\n4,90 €.\n",
        source="aide",
    )
    assert [(e.id, e.question, e.answer, e.language) for e in kb] == [
        ("aide#délais", "Délais", "Deux à quatre jours.", "fr"),
        ("aide#frais", "Frais", "4,90 €.", "fr"),
    ]


def test_load_kb_several_files_strict_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps({"id": "x", "question": "Q?", "answer": "A", "language": "en"}))
    bad = tmp_path / "b.csv"
    bad.write_text("question,answer,language\nQ2?,,en\n", encoding="utf-8")
    kb = load_kb([good, bad])
    assert [str(p) for p in kb.problems] == ["b.csv:row 2: missing answer"]
    with pytest.raises(ValidationFailed):
        load_kb([good, bad], strict=True)
    with pytest.raises(ValidationFailed, match="missing answer"):
        load_kb(bad)  # nothing usable left
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n")
    with pytest.raises(ValidationFailed, match="empty"):
        load_kb(empty)
    latin = tmp_path / "c.jsonl"
    latin.write_bytes("é".encode("latin-1"))
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        load_kb(latin)
    sheet = tmp_path / "d.xlsx"
    sheet.write_text("x")
    with pytest.raises(ValidationFailed, match="unknown format"):
        load_kb(sheet)


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and s != ""
)


@given(st.lists(st.tuples(_text, _text, st.sampled_from(["fr", "en"])), max_size=8))
def test_jsonl_round_trip(rows: list[tuple[str, str, str]]) -> None:
    lines = [
        json.dumps({"id": f"e{i}", "question": q, "answer": a, "language": lang})
        for i, (q, a, lang) in enumerate(rows)
    ]
    kb = parse_jsonl("\n".join(lines))
    assert not kb.problems
    assert [(e.question, e.answer, e.language) for e in kb] == rows
