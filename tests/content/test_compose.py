from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from clairon.ai.local import LocalBackend
from clairon.ai.openai_compat import OpenAICompatBackend
from clairon.content.brief import Brief, parse_brief
from clairon.content.compose import Composer, Draft, Target, compose, facts_kept
from clairon.content.voice import BrandVoice
from clairon.content.writer import render_price
from clairon.networks.base import Limits
from clairon.networks.hashtags import find_hashtags
from tests.ai.fake_openai import FakeOpenAI, Reply, running_server
from tests.content.network_limits import NETWORKS, limits

BRIEF = parse_brief(
    "# EcoBrew 3000 arrives on March 12, 2026\n\n"
    "We are proud to launch the EcoBrew 3000, a coffee machine that uses 40% less energy. "
    "It is available from €249 at https://ecobrew.example.com/3000. "
    "The EcoBrew 3000 brews in 30 seconds and is made in Lyon from recycled aluminium. "
    "Our team spent two years designing it with baristas. "
    "Every machine ships with a five-year warranty and free descaling tablets."
)


def drafts_for(brief: Brief, networks: list[str], **kwargs: object) -> list:  # type: ignore[type-arg]
    targets = [Target(n, lang, limits(n)) for n in networks for lang in ("en", "fr")]
    return compose(brief, targets, backend=LocalBackend(), **kwargs)  # type: ignore[arg-type]


def test_every_network_and_language_gets_a_valid_labelled_draft() -> None:
    drafts = drafts_for(BRIEF, list(NETWORKS), n_variants=2)
    assert len(drafts) == len(NETWORKS) * 2 * 2
    for d in drafts:
        rules = limits(d.network)
        assert rules.check_text(d.text) == [], (d.network, d.text)
        assert all(rules.check_text(part) == [] for part in d.thread)
        assert d.valid_for_network and not d.flagged
        assert facts_kept(d, BRIEF) == {"product": True, "date": True, "url": True}
        assert d.labels["caption"] == {
            "backend": "local",
            "model": "clairon-composer-1",
            "ai": True,
        }
        assert ("translation" in d.labels) == (d.language != "en")
        assert d.length == rules.count(d.text) and d.max_length == rules.max_length
        assert d.ai_generated
        stored = d.variant_ai()
        assert stored["backend"] == "local" and "caption" in stored["parts"]
        assert json.loads(json.dumps(stored)) == stored


def test_network_conventions() -> None:
    by_key = {(d.network, d.language): d for d in drafts_for(BRIEF, ["x", "linkedin", "instagram"])}
    x, linkedin, insta = by_key["x", "en"], by_key["linkedin", "en"], by_key["instagram", "en"]
    assert len(linkedin.text) > len(x.text)  # LinkedIn longer, X concise
    assert "\n\n" in linkedin.text
    assert "https://" not in insta.text  # Instagram: link moved to the first comment
    assert "https://ecobrew.example.com/3000" in insta.first_comment
    last_line = insta.text.rsplit("\n", 1)[-1]
    assert find_hashtags(last_line) and last_line.startswith("#")  # hashtags at the end
    assert len(find_hashtags(insta.text)) <= (limits("instagram").max_hashtags or 30)
    assert len(insta.hashtags) > len(x.hashtags)


def test_ab_variants_state_their_difference() -> None:
    drafts = drafts_for(BRIEF, ["linkedin"], n_variants=5)
    english = [d for d in drafts if d.language == "en"]
    assert [d.ab_letter for d in english] == ["A", "B", "C", "D", "E"]
    assert english[0].difference == "baseline"
    assert english[1].difference.startswith("hook") and english[1].text.split("\n")[0].endswith("?")
    assert english[2].difference.startswith("CTA")
    assert english[3].difference.startswith("emoji")
    assert english[4].difference.startswith("length: short")
    assert len(english[4].text) < len(english[0].text)
    assert len({d.text for d in english}) == 5


def test_long_variant_on_x_becomes_a_thread() -> None:
    long_brief = parse_brief(BRIEF.body + " " + " ".join(
        f"Detail number {i} about the EcoBrew 3000 that matters to coffee lovers." for i in range(6)
    ))  # fmt: skip
    drafts = compose(long_brief, [Target("x", "en", limits("x"))], n_variants=6,
                     backend=LocalBackend())  # fmt: skip
    long = next(d for d in drafts if d.difference.startswith("length: long"))
    assert long.thread and "thread" in long.labels
    assert all(limits("x").check_text(part) == [] for part in (long.text, *long.thread))


def test_voice_violations_are_fixed_and_listed() -> None:
    voice = BrandVoice(
        dont_words=["proud"],
        replacements={"proud": "happy"},
        banned_claims=["40% less energy"],
        required_mentions=["@ecobrew"],
    )
    composer = Composer(LocalBackend(), voice=voice)
    drafts = composer.compose(BRIEF, [Target("linkedin", "en", limits("linkedin"))])
    draft = drafts[0]
    assert not draft.flagged
    assert {v.rule for v in draft.resolved} >= {"voice.banned_claim", "voice.required_mention"}
    assert "40% less energy" not in draft.text and "@ecobrew" in draft.text
    assert voice.check(draft.text) == []


def test_unfixable_drafts_are_flagged_with_spans() -> None:
    tiny = Limits("tiny", 40)
    [draft] = compose(BRIEF, [Target("tiny", "en", tiny)], backend=LocalBackend())
    assert draft.flagged and not draft.valid_for_network
    assert draft.violations[0].rule == "limits.text"
    assert draft.violations[0].span == (0, len(draft.text))
    assert draft.attempts == 2  # regenerated once, then flagged


def test_personal_data_in_a_draft_is_flagged() -> None:
    brief = parse_brief("Call Marie on +33 6 12 34 56 78 about the Atelier Nova workshop.")
    [draft] = compose(brief, [Target("linkedin", "en", limits("linkedin"))],
                      backend=LocalBackend())  # fmt: skip
    assert "pii.phone" in {v.rule for v in draft.violations + draft.resolved}


@pytest.fixture
def server() -> Iterator[tuple[FakeOpenAI, str]]:
    with running_server() as pair:
        yield pair


def test_any_chat_model_can_write_drafts(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    answer = {
        "text": "EcoBrew 3000 lands March 12, 2026: 40% less energy. https://ecobrew.example.com/3000",
        "hashtags": ["EcoBrew", "Coffee"],
        "first_comment": "",
    }
    fake.script = [Reply(content=json.dumps(answer))]
    voice = BrandVoice(example_posts=["Brewed with care ☕ #EcoBrew"])
    with OpenAICompatBackend(url, "served", sleep=lambda s: None) as llm:
        composer = Composer(llm, voice=voice)
        [draft] = composer.compose(BRIEF, [Target("instagram", "en", limits("instagram"))])
    assert draft.labels["caption"]["backend"] == "openai_compat"
    assert draft.labels["caption"]["model"] == "served"
    assert "https://" not in draft.text
    assert draft.first_comment == "https://ecobrew.example.com/3000"
    assert draft.text.endswith("#EcoBrew #Coffee")
    prompt = fake.requests[0].body["messages"][0]["content"]
    assert "instagram" in prompt and "EcoBrew 3000" in prompt
    assert "Brewed with care" in prompt
    assert fake.requests[0].body["response_format"]["json_schema"]["name"] == "DraftOut"


def test_streaming_a_draft_with_the_embedded_backend() -> None:
    events = list(Composer(LocalBackend()).stream(BRIEF, Target("x", "en", limits("x"))))
    *deltas, final = events
    assert all(isinstance(d, str) for d in deltas) and len(deltas) > 5
    assert isinstance(final, Draft)
    assert "".join(str(d) for d in deltas) == final.text


def test_streaming_a_draft_from_a_chat_model(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    pieces = [
        "EcoBrew 3000 ",
        "lands March 12, 2026. ",
        "Cheap ",
        "and good.\n",
        "#EcoBrew",
    ]
    fake.script = [Reply(stream_chunks=pieces)]
    voice = BrandVoice(dont_words=["cheap"], replacements={"cheap": "affordable"})
    with OpenAICompatBackend(url, "served", sleep=lambda s: None) as llm:
        events = list(Composer(llm, voice=voice).stream(BRIEF, Target("x", "en", limits("x"))))
    *deltas, final = events
    assert deltas == pieces
    assert isinstance(final, Draft)
    assert final.hashtags == ("#EcoBrew",)
    assert final.text == "EcoBrew 3000 lands March 12, 2026. Affordable and good.\n\n#EcoBrew"
    assert [v.rule for v in final.resolved] == ["voice.dont_word"]
    assert final.labels["caption"]["model"] == "served"
    assert fake.requests[0].body["stream"] is True


@pytest.mark.parametrize(
    ("price", "english", "french"),
    [("$1,490", "$1,490", "1 490 $"), ("18,50 €", "€18.50", "18,50 €"),
     ("1 390 €", "€1,390", "1 390 €"), ("1.234,56 €", "€1,234.56", "1 234,56 €")],
)  # fmt: skip
def test_prices_are_written_the_way_each_language_writes_them(
    price: str, english: str, french: str
) -> None:
    assert (render_price(price, "en"), render_price(price, "fr")) == (english, french)


def test_cross_language_drafts_carry_honest_and_localisation_notes() -> None:
    [french] = compose(
        BRIEF, [Target("linkedin", "fr", limits("linkedin"))], backend=LocalBackend()
    )
    assert any("does not translate" in note for note in french.notes)
    assert "249 €" in french.text and "12 mars 2026" in french.text
    [english] = compose(
        BRIEF, [Target("linkedin", "en", limits("linkedin"))], backend=LocalBackend()
    )
    assert english.notes == ()
