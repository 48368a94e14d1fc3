"""Content engine benchmark on the golden briefs (tests/content/golden/), one command:

    .venv/bin/python bench/content_bench.py [--variants 2] [--networks x,linkedin,...]

Runs every brief through the embedded default backend for every network and both languages,
and prints per network: % of variants valid for the network, % passing the brand voice or
flagged, % keeping the brief's key facts (product, date, URL), and drafts/s. The baseline,
measured in the same run, is the naive adaptation (title + brief cut to the network's limit).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console
from rich.table import Table
from tests.content.golden_set import GoldenBrief, golden_briefs
from tests.content.network_limits import NETWORKS, limits

from clairon.ai.local import LocalBackend
from clairon.content.compose import Composer, Draft, Target
from clairon.content.voice import load_voice

VOICE = Path(__file__).resolve().parents[1] / "tests/content/voice_golden.json"


def naive(golden: GoldenBrief, network: str, language: str) -> Draft:
    """The baseline: the brief as written, cut at a word to fit the limit."""
    rules = limits(network)
    text = f"{golden.brief.title}. {' '.join(golden.brief.sentences)}"
    while rules.check_text(text) and " " in text:
        text = text.rsplit(" ", 1)[0]
    return Draft(network, language, "A", text, "baseline")


COLUMNS = ("network", "drafts", "valid %", "voice ok or flagged %", "clean %", "fixed",
           "facts kept %", "baseline facts %", "ratio")  # fmt: skip
KEYS = ("n", "valid", "voice", "clean", "fixed", "facts", "facts_n", "base_facts")


def cells(name: str, row: dict[str, float], variants: int) -> list[str]:
    facts = 100 * row["facts"] / row["facts_n"]
    base = 100 * row["base_facts"] / (row["facts_n"] / variants)
    n = row["n"]
    return [
        name,
        f"{n:.0f}",
        f"{100 * row['valid'] / n:.1f}",
        f"{100 * row['voice'] / n:.1f}",
        f"{100 * row['clean'] / n:.1f}",
        f"{row['fixed']:.0f}",
        f"{facts:.1f}",
        f"{base:.1f}",
        f"{facts / max(base, 0.1):.2f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--variants", type=int, default=2)
    parser.add_argument("--networks", default=",".join(NETWORKS))
    args = parser.parse_args()
    networks = [n for n in args.networks.split(",") if n]
    briefs = golden_briefs()
    composer = Composer(LocalBackend(), voice=load_voice(VOICE))
    stats = {network: dict.fromkeys(KEYS, 0.0) for network in networks}
    started = time.perf_counter()
    total = 0
    for golden in briefs:
        targets = [Target(n, lang, limits(n)) for n in networks for lang in ("en", "fr")]
        for draft in composer.compose(golden.brief, targets, args.variants):
            row = stats[draft.network]
            kept = golden.kept(draft)
            row["n"] += 1
            row["valid"] += draft.valid_for_network
            row["clean"] += not draft.violations
            row["fixed"] += bool(draft.resolved)
            row["voice"] += (not draft.violations) or draft.flagged
            row["facts"] += sum(kept.values())
            row["facts_n"] += len(kept)
            total += 1
    elapsed = time.perf_counter() - started
    for golden in briefs:
        for network in networks:
            for lang in ("en", "fr"):
                stats[network]["base_facts"] += sum(
                    golden.kept(naive(golden, network, lang)).values()
                )
    table = Table(title=f"Content engine on {len(briefs)} golden briefs (embedded default)")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "network" else "right")
    for network, row in stats.items():
        table.add_row(*cells(network, row, args.variants))
    overall = {key: sum(row[key] for row in stats.values()) for key in KEYS}
    table.add_row(*cells("ALL", overall, args.variants), style="bold")
    console = Console(width=140)
    console.print(table)
    console.print(
        f"{total} drafts in {elapsed:.2f} s: {total / elapsed:.0f} drafts/s "
        "(targets: valid 100%, voice ok or flagged 100%, facts kept >= 95%)"
    )


if __name__ == "__main__":
    main()
