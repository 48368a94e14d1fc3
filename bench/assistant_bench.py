"""FAQ assistant benchmark on the FR/EN evaluation set (tests/inbox/faq/), one command:

    .venv/bin/python bench/assistant_bench.py [--kb FILE] [--questions FILE] [--threshold 0.75]

For each retrieval method, measured in the same run: top-1 accuracy on answerable questions (all,
FR, EN), share of unanswerable questions handed to a human (any reason, and by retrieval
confidence alone), complaints handed over, precision of what would be auto-sent, and answers/s
(index build and model load excluded; triage labelling included). Methods: the hybrid default
(BM25 + USE-multilingual), the dense side alone, and the lexical-only BM25 baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console
from rich.table import Table

from clairon.inbox.assistant import DEFAULT_THRESHOLD, FaqAssistant, Question
from clairon.inbox.embeddings import MultilingualEmbedder
from clairon.inbox.kb import load_kb

FAQ = Path(__file__).resolve().parents[1] / "tests/inbox/faq"


def _share(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.1%} ({sum(values)}/{len(values)})" if values else "-"


def run(assistant: FaqAssistant, rows: list[dict[str, Any]], threshold: float) -> dict[str, str]:
    questions = [Question(r["text"], r["id"], r.get("language")) for r in rows]
    started = time.perf_counter()
    answers = assistant.answer(questions, allow_auto_send=True, threshold=threshold)
    elapsed = time.perf_counter() - started
    answerable = [(r, a) for r, a in zip(rows, answers, strict=True)
                  if r["expected"] and not r.get("must_handoff")]  # fmt: skip
    unanswerable = [a for r, a in zip(rows, answers, strict=True)
                    if r["expected"] is None and not r.get("must_handoff")]  # fmt: skip
    complaints = [a for r, a in zip(rows, answers, strict=True) if r.get("must_handoff")]
    sent = [(r, a) for r, a in zip(rows, answers, strict=True) if not a.handoff]

    def top1(language: str | None) -> str:
        return _share([a.entry_id == r["expected"] for r, a in answerable
                       if language is None or a.language == language])  # fmt: skip

    return {
        "top-1 all": top1(None),
        "top-1 FR": top1("fr"),
        "top-1 EN": top1("en"),
        "unanswerable handed over": _share([a.handoff for a in unanswerable]),
        "… by confidence alone": _share([a.confidence < threshold for a in unanswerable]),
        "complaints handed over": _share([a.handoff for a in complaints]),
        "auto-sent, correct": _share([a.entry_id == r["expected"] for r, a in sent]),
        "answers/s": f"{len(rows) / elapsed:.1f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kb", type=Path, default=FAQ / "kb.jsonl")
    parser.add_argument("--questions", type=Path, default=FAQ / "questions.jsonl")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    kb = load_kb(args.kb)
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    MultilingualEmbedder().encode(["warm-up"])  # load the model once, outside the timings
    # A fresh embedder per method: its cache must not carry query vectors from one to the next.
    methods = {
        "hybrid (BM25 + USE-multilingual)": FaqAssistant(kb, embedder=MultilingualEmbedder()),
        "dense only (USE-multilingual)": FaqAssistant(kb, embedder=MultilingualEmbedder()),
        "lexical only (BM25, baseline)": FaqAssistant(kb, use_dense=False),
    }
    methods["dense only (USE-multilingual)"].retriever.dense_weight = 1.0
    results = {name: run(a, rows, args.threshold) for name, a in methods.items()}
    table = Table(
        title=f"FAQ assistant on {len(rows)} questions, {len(kb)} entries "
        f"(auto-send allowed, threshold {args.threshold})"
    )
    table.add_column("metric")
    for name in results:
        table.add_column(name, justify="right")
    for metric in next(iter(results.values())):
        table.add_row(metric, *(r[metric] for r in results.values()))
    Console().print(table)


if __name__ == "__main__":
    main()
