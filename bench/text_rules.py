"""Cost of the network text rules: each counter and the thread splitter on the same text.

Run: ``.venv/bin/python bench/text_rules.py`` (about 20 s). Ratios are against ``len`` and
against ``graphemes`` (the cheapest real counter), measured in the same run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from clairon.networks.counting import (
    graphemes,
    mastodon_length,
    threads_length,
    twitter_weighted,
    utf8_bytes,
    utf16_units,
)
from clairon.networks.rules import rules_for
from clairon.networks.thread_split import split_thread

POST = (
    "Clairon schedules posts for you and your team 👨‍👩‍👧. See https://example.com/path?x=1 "
    "and ask @alice or @bob@mastodon.social #launch 日本語のテキスト. "
)


def timed(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best


def main() -> None:
    post = POST * 2  # about one post
    long_text = POST * 60  # about 8,000 characters
    counters: dict[str, Callable[[str], int]] = {
        "len (baseline)": len,
        "utf8_bytes": utf8_bytes,
        "utf16_units": utf16_units,
        "graphemes": graphemes,
        "threads_length": threads_length,
        "mastodon_length": mastodon_length,
        "twitter_weighted": twitter_weighted,
    }
    base = timed(lambda: len(post), 2000)
    cheapest = timed(lambda: graphemes(post), 200)
    print(f"one post: {len(post)} code points\n")
    print(f"{'counter':<20}{'µs/post':>12}{'× len':>12}{'× graphemes':>14}")
    for name, counter in counters.items():
        seconds = timed(lambda c=counter: c(post), 200)  # type: ignore[misc]
        print(f"{name:<20}{seconds * 1e6:>12.1f}{seconds / base:>12.0f}{seconds / cheapest:>14.2f}")
    print(f"\nsplit_thread on {len(long_text)} code points")
    print(f"{'network':<12}{'posts':>8}{'ms':>10}{'ms/post':>10}")
    for network in ("x", "bluesky", "mastodon", "threads"):
        limits = rules_for(network)
        chunks = split_thread(long_text, limits)
        seconds = timed(lambda lim=limits: split_thread(long_text, lim), 1)  # type: ignore[misc]
        per_post = seconds * 1e3 / len(chunks)
        print(f"{network:<12}{len(chunks):>8}{seconds * 1e3:>10.0f}{per_post:>10.1f}")


if __name__ == "__main__":
    main()
