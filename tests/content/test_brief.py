from __future__ import annotations

from pathlib import Path

import pytest

from clairon.content.brief import load_brief, parse_brief, split_sentences
from clairon.content.dates import DateFact, find_dates, render_date
from clairon.errors import ValidationFailed
from tests.content.golden_set import golden_briefs


def test_plain_text_brief_facts() -> None:
    brief = parse_brief(
        "Nova Labs launches the Nova X2 headphones on March 3, 2026. They cost $199 and "
        "ship worldwide. Order at https://nova.example.com/x2."
    )
    assert brief.language == "en"
    assert brief.facts.product == "Nova X2"
    assert brief.facts.date == DateFact("March 3, 2026", 3, 3, 2026)
    assert brief.facts.urls == ("https://nova.example.com/x2",)
    assert brief.facts.prices == ("$199",)


def test_markdown_brief_keeps_link_targets_and_title() -> None:
    brief = parse_brief(
        "# Le **Café Lune** ouvre\n\nRendez-vous le 2 février 2026 au [café](https://lune.fr)."
    )
    assert brief.source_kind == "markdown"
    assert brief.title == "Le Café Lune ouvre"
    assert brief.facts.urls == ("https://lune.fr",)
    assert brief.facts.date is not None and brief.facts.date.value is not None
    assert brief.facts.date.value.isoformat() == "2026-02-02"
    assert brief.language == "fr"


def test_html_brief_drops_scripts_and_keeps_hrefs() -> None:
    brief = parse_brief(
        "<html><head><title>Launch</title><script>var x = 1;</script></head><body>"
        "<h1>SolarKit Pro</h1><p>Available on 2026-05-01 at "
        "<a href='https://solar.example.com'>our shop</a>.</p></body></html>"
    )
    assert brief.source_kind == "html"
    assert "var x" not in brief.body
    assert brief.facts.url == "https://solar.example.com"
    assert brief.facts.date is not None and brief.facts.date.text == "2026-05-01"


def test_rss_item_brief() -> None:
    brief = parse_brief(
        "<rss><channel><item><title>Beta opens</title><link>https://b.example.com/beta</link>"
        "<description>&lt;p&gt;The FlowDesk beta opens to everyone.&lt;/p&gt;</description>"
        "</item></channel></rss>"
    )
    assert brief.source_kind == "rss"
    assert brief.title == "Beta opens"
    assert brief.facts.url == "https://b.example.com/beta"
    assert "FlowDesk" in brief.facts.products


def test_bad_inputs_are_validation_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed):
        parse_brief("   ")
    with pytest.raises(ValidationFailed):
        parse_brief("<rss><channel></channel></rss>", kind="rss")
    with pytest.raises(ValidationFailed):
        load_brief(tmp_path / "missing.md")


def test_sentences_do_not_break_on_urls_decimals_or_abbreviations() -> None:
    text = "Price is 18.50 € e.g. for two. See https://a.example.com/x.y today! Next one."
    assert split_sentences(text) == [
        "Price is 18.50 € e.g. for two.",
        "See https://a.example.com/x.y today!",
        "Next one.",
    ]


def test_dates_in_english_and_french() -> None:
    found = find_dates("Le 1er avril 2026, puis March 5th, et le 12/03/2026 ou 31 février.")
    assert [(d.day, d.month, d.year) for d in found] == [(1, 4, 2026), (5, 3, None), (12, 3, 2026)]
    fact = found[0]
    assert render_date(fact, "fr") == "1er avril 2026"
    assert render_date(fact, "en") == "April 1, 2026"
    assert render_date(fact, "de") == "2026-04-01"


def test_golden_briefs_yield_their_key_facts() -> None:
    for golden in golden_briefs():
        facts = golden.brief.facts
        assert facts.product and golden.product in facts.product, golden.path.name
        assert facts.url == golden.url, golden.path.name
        assert facts.date is not None
        assert facts.date.renderings() & {golden.date.lower()}, golden.path.name
