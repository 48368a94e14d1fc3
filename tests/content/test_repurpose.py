from __future__ import annotations

from clairon.content.brief import parse_brief
from clairon.content.repurpose import repurpose
from tests.content.network_limits import limits

ARTICLE = """# How Lyon cut its bike theft by half

In 2023, Lyon recorded 9,000 bike thefts, a record for the city.
The council then installed 4,000 secure racks near train stations.
“Secure parking is the cheapest way to get people cycling,” said deputy mayor Anne Roux.
Bike theft fell by 48% in two years, according to police figures.
Cycling trips grew by 20% over the same period.
Shops near the new racks reported more visits from cyclists.
The city now plans 2,000 more racks in the suburbs by 2027.
Other French cities, including Nantes and Lille, have asked for the plans.
"""


def test_every_snippet_is_traceable_to_source_sentences() -> None:
    brief = parse_brief(ARTICLE)
    out = repurpose(
        brief,
        thread_limits=limits("x"),
        post_limits=limits("bluesky"),
        linkedin_limits=limits("linkedin"),
        n_posts=3,
        slides=5,
    )
    snippets = [*out.thread, *out.posts, out.linkedin]
    for snippet in snippets:
        for source in snippet.sources:
            assert brief.sentences[source.index] == source.text
    for post in out.thread:
        assert not limits("x").check_text(post.text)
        body = post.text.rsplit(" ", 1)[0]
        for source in post.sources:  # each claim is a source sentence, verbatim
            assert source.text in body
    assert out.thread[0].text.endswith(f"1/{len(out.thread)}")
    assert len(out.posts) == 3
    quote = out.posts[0]
    assert quote.text.startswith("“Secure parking") and quote.sources[0].index == 2
    for post in out.posts:
        assert post.sources and post.text.rstrip("…").strip("“”") in post.sources[0].text
    assert out.linkedin.text.count("→") == len(out.linkedin.sources) >= 3
    assert out.carousel[0].title == "How Lyon cut its bike theft by half"
    for slide in out.carousel[1:]:
        assert slide.bullets == (slide.sources[0].text,)


def test_short_source_is_noted() -> None:
    out = repurpose(
        "Short note. Only two sentences here.",
        thread_limits=limits("x"),
        post_limits=limits("x"),
        linkedin_limits=limits("linkedin"),
    )
    assert out.notes
