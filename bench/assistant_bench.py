"""FAQ assistant benchmark on the FR/EN evaluation sets, one command:

    .venv/bin/python bench/assistant_bench.py [--kb FILE --questions FILE] [--threshold 0.75]

Without --kb/--questions it runs the four sets in tests/inbox/faq/: the shop set (kb.jsonl,
questions.jsonl), a bike-rental set written afterwards to check that retrieval changes generalise
(bikes/), and two sets written blind by someone who never ran the assistant on them, committed
before their first measurement: a cosmetics shop (beauty/) and an internet and mobile provider
(telecom/). For each retrieval method, measured in the same run: top-1 accuracy on
answerable questions (all, FR, EN, and on a noisy copy of the same questions: one letter
elongated, "???" and two emoji added), share of unanswerable questions handed to a human (any
reason, and by retrieval confidence alone), complaints handed over, precision of what would be
auto-sent, and answers/s (index build and model load excluded; triage labelling included).
Methods: the hybrid default (BM25 with the synonym thesaurus + USE-multilingual), the previous
hybrid (no thesaurus, dense weight 0.85), the dense side alone, the lexical side alone (BM25 +
thesaurus) and the plain BM25 baseline.
"""

from __future__ import annotations

import argparse
import json
import random
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

ROOT = Path(__file__).resolve().parents[1]
FAQ = ROOT / "tests/inbox/faq"


def _share(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.1%} ({sum(values)}/{len(values)})" if values else "-"


def noisy(text: str, rng: random.Random) -> str:
    """The same question typed carelessly: one vowel elongated, "???" and emoji appended."""
    words = text.split()
    spots = [i for i, w in enumerate(words) if len(w) > 3 and any(c in "aeiou" for c in w)]
    if spots:
        i = rng.choice(spots)
        cut = max(j for j, c in enumerate(words[i]) if c in "aeiou")
        words[i] = words[i][: cut + 1] + words[i][cut] * 3 + words[i][cut + 1 :]
    return " ".join(words).rstrip("?!. ") + " ??? 🙏😊"


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

    rng = random.Random(7)
    rough = [
        (r, Question(noisy(r["text"], rng), r["id"], r.get("language"))) for r, _ in answerable
    ]
    rough_answers = assistant.answer([q for _, q in rough], threshold=threshold)
    return {
        "top-1 all": top1(None),
        "top-1 FR": top1("fr"),
        "top-1 EN": top1("en"),
        "top-1 all, noisy copy": _share(
            [a.entry_id == r["expected"] for (r, _), a in zip(rough, rough_answers, strict=True)]
        ),
        "unanswerable handed over": _share([a.handoff for a in unanswerable]),
        "… by confidence alone": _share([a.confidence < threshold for a in unanswerable]),
        "complaints handed over": _share([a.handoff for a in complaints]),
        "auto-sent, correct": _share([a.entry_id == r["expected"] for r, a in sent]),
        "answers/s": f"{len(rows) / elapsed:.1f}",
    }


def table(kb_path: Path, questions_path: Path, threshold: float) -> Table:
    kb = load_kb(kb_path)
    lines = questions_path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    # A fresh embedder per method: its cache must not carry query vectors from one to the next.
    methods = {
        "hybrid (default)": FaqAssistant(kb, embedder=MultilingualEmbedder()),
        "hybrid, no thesaurus": FaqAssistant(
            kb, embedder=MultilingualEmbedder(), use_thesaurus=False
        ),
        "dense only (USE)": FaqAssistant(kb, embedder=MultilingualEmbedder()),
        "lexical (BM25 + thesaurus)": FaqAssistant(kb, use_dense=False),
        "BM25 only (baseline)": FaqAssistant(kb, use_dense=False, use_thesaurus=False),
    }
    # The previous default: dense weight 0.85 with a lexical side that knew no synonyms.
    methods["hybrid, no thesaurus"].retriever.dense_weight = 0.85
    methods["dense only (USE)"].retriever.dense_weight = 1.0
    results = {name: run(a, rows, threshold) for name, a in methods.items()}
    where = questions_path.resolve()
    name = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
    out = Table(
        title=f"{name}: {len(rows)} questions, {len(kb)} entries "
        f"(auto-send allowed, threshold {threshold})"
    )
    out.add_column("metric")
    for name in results:
        out.add_column(name, justify="right")
    for metric in next(iter(results.values())):
        out.add_row(metric, *(r[metric] for r in results.values()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kb", type=Path)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    if (args.kb is None) != (args.questions is None):
        parser.error("give both --kb and --questions, or neither (to run the built-in sets)")
    folders = (FAQ, FAQ / "bikes", FAQ / "beauty", FAQ / "telecom")
    sets = [(args.kb, args.questions)] if args.kb else [(d / "kb.jsonl", d / "questions.jsonl")
                                                         for d in folders]  # fmt: skip
    MultilingualEmbedder().encode(["warm-up"])  # load the model once, outside the timings
    for kb_path, questions_path in sets:
        Console().print(table(kb_path, questions_path, args.threshold))


if __name__ == "__main__":
    main()
