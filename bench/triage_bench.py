"""Triage benchmark: speed, sentiment/offensive quality and language id against baselines.

    .venv/bin/python bench/triage_bench.py [--data ../shared/data] [--items 20000] [--no-second]

Prints three tables, all measured in this run on the val splits of ../shared/data:
(a) throughput of the fast path (comments/s, p50/p95 per-batch latency, peak RSS) and of the
second stage; (b) 3-class sentiment macro-F1 (FR, EN, 8-language mean) and offensive macro-F1
beside VADER, vaderSentiment_fr, textblob-fr and a TF-IDF + logistic regression trained on the
same train split; (c) language-id accuracy and speed beside py3langid and langdetect.
Baselines come from the ``bench`` extra (``pip install -e '.[bench]'``); a missing one is
reported as such, not skipped silently.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from clairon.inbox import triage_batch  # noqa: E402
from clairon.inbox.bundle import load_models  # noqa: E402

UMSAB = {
    "ar": "arabic",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "hi": "hindi",
    "it": "italian",
    "pt": "portuguese",
}
LABELS = ("negative", "neutral", "positive")


def read(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    def lines(name: str) -> list[str]:
        text = (folder / name).read_text(encoding="utf-8").split("\n")
        return text[:-1] if text and text[-1] == "" else text

    return lines(f"{split}_text.txt"), np.array([int(v) for v in lines(f"{split}_labels.txt")])


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n## {title}\n")
    for index, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def f1(gold: np.ndarray, predicted: Sequence[str] | np.ndarray) -> float:
    names = np.asarray(predicted)
    if names.dtype.kind in "US":
        names = np.array([LABELS.index(p) if p in LABELS else 1 for p in names])
    return float(f1_score(gold, names, average="macro"))


def speed(
    data: dict[str, tuple[list[str], np.ndarray, list[str], np.ndarray]], items: int, second: bool
) -> None:
    texts = [t for code in UMSAB for t in data[code][2]]
    corpus = (texts * (items // len(texts) + 1))[:items]
    triage_batch(corpus[:500])  # load models, warm caches
    batch, latencies = 1000, []
    started = time.perf_counter()
    for start in range(0, len(corpus), batch):
        t0 = time.perf_counter()
        triage_batch(corpus[start : start + batch])
        latencies.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    rows: list[list[object]] = [
        [
            "fast path (all labels)",
            f"{len(corpus):,}",
            f"{len(corpus) / total:,.0f}",
            f"{statistics.median(latencies) * 1000:.0f}",
            f"{np.percentile(latencies, 95) * 1000:.0f}",
            f"{rss_mb():.0f}",
        ]
    ]
    if second:
        # The real second stage: the items the fast path is unsure about, spread over the eight
        # languages, re-labelled through the public API (embedding + head + blend).
        mixed = texts[:: max(1, len(texts) // 1000)]
        unsure = [t for t, r in zip(mixed, triage_batch(mixed), strict=True) if r.unsure][:300]
        triage_batch(unsure[:8], second_stage=True)  # load the embedder
        t0 = time.perf_counter()
        relabelled = triage_batch(unsure, second_stage=True)
        elapsed = time.perf_counter() - t0
        sample = [r for r in relabelled if r.stage == "second"]
        rows.append(
            [
                "second stage (per re-labelled text)",
                f"{len(sample):,}",
                f"{len(sample) / elapsed:,.1f}",
                "-",
                "-",
                f"{rss_mb():.0f}",
            ]
        )
    table(
        "(a) throughput, batches of 1,000 (target: fast path >= 2,000/s, <= 500 MB; second "
        "stage >= 40/s)",
        ["pipeline", "items", "items/s", "p50 ms/batch", "p95 ms/batch", "peak RSS MB"],
        rows,
    )


def tfidf_lr(train: list[str], labels: np.ndarray) -> Callable[[list[str]], np.ndarray]:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    model = LogisticRegression(max_iter=2000, C=3.0).fit(vectorizer.fit_transform(train), labels)
    return lambda texts: model.predict(vectorizer.transform(texts))


def vader_en() -> Callable[[list[str]], list[str]] | None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    return lambda texts: [_polarity(analyzer.polarity_scores(t)["compound"], 0.05) for t in texts]


def vader_fr() -> Callable[[list[str]], list[str]] | None:
    try:
        from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    return lambda texts: [_polarity(analyzer.polarity_scores(t)["compound"], 0.05) for t in texts]


def textblob_fr() -> Callable[[list[str]], list[str]] | None:
    try:
        from textblob import Blobber
        from textblob_fr import PatternAnalyzer, PatternTagger
    except ImportError:
        return None
    blob = Blobber(pos_tagger=PatternTagger(), analyzer=PatternAnalyzer())
    return lambda texts: [_polarity(blob(t).sentiment[0], 0.1) for t in texts]


def _polarity(score: float, margin: float) -> str:
    return "positive" if score > margin else "negative" if score < -margin else "neutral"


def quality(
    data: dict[str, tuple[list[str], np.ndarray, list[str], np.ndarray]], root: Path, second: bool
) -> None:
    ours: dict[str, float] = {}
    ours2: dict[str, float] = {}
    tfidf: dict[str, float] = {}
    for code in UMSAB:
        train, train_y, val, val_y = data[code]
        ours[code] = f1(val_y, [r.sentiment for r in triage_batch(val, [code] * len(val))])
        if second:
            results = triage_batch(val, [code] * len(val), second_stage=True)
            ours2[code] = f1(val_y, [r.sentiment for r in results])
        tfidf[code] = f1(val_y, tfidf_lr(train, train_y)(val))
    mean = lambda scores: float(np.mean(list(scores.values()))) if scores else float("nan")  # noqa: E731
    fmt = lambda value: "n/a" if value is None or value != value else f"{value:.3f}"  # noqa: E731
    rows: list[list[object]] = [
        ["clairon fast path", fmt(ours["fr"]), fmt(ours["en"]), fmt(mean(ours))],
        ["clairon second stage", fmt(ours2.get("fr")), fmt(ours2.get("en")), fmt(mean(ours2))],
        ["TF-IDF + LR (same train split)", fmt(tfidf["fr"]), fmt(tfidf["en"]), fmt(mean(tfidf))],
    ]
    for name, code, factory in (
        ("vaderSentiment", "en", vader_en),
        ("vaderSentiment_fr", "fr", vader_fr),
        ("textblob-fr", "fr", textblob_fr),
    ):
        scorer = factory()
        value = None if scorer is None else f1(data[code][3], scorer(data[code][2]))
        rows.append(
            [
                name + ("" if scorer else " (not installed)"),
                fmt(value) if code == "fr" else "-",
                fmt(value) if code == "en" else "-",
                "-",
            ]
        )
    table(
        "(b) sentiment macro-F1 on UMSAB val (targets on test: fast FR 0.63 / EN 0.62 / mean "
        "0.58; second FR 0.70 / EN 0.67 / mean 0.63)",
        ["model", "FR", "EN", "8-lang mean"],
        rows,
    )
    per_lang = [[code, fmt(ours[code]), fmt(ours2.get(code)), fmt(tfidf[code])] for code in UMSAB]
    table("(b) per language", ["lang", "fast", "second", "TF-IDF+LR"], per_lang)

    train, train_y = read(root / "tweeteval" / "offensive", "train")
    val, val_y = read(root / "tweeteval" / "offensive", "val")
    offensive = f1_score(
        val_y, [int(r.offensive) for r in triage_batch(val, ["en"] * len(val))], average="macro"
    )
    baseline = f1_score(val_y, tfidf_lr(train, train_y)(val), average="macro")
    table(
        "(b) offensive macro-F1, TweetEval offensive val (target 0.76)",
        ["model", "macro-F1"],
        [["clairon fast path", f"{offensive:.3f}"], ["TF-IDF + LR", f"{baseline:.3f}"]],
    )


def language_id(data: dict[str, tuple[list[str], np.ndarray, list[str], np.ndarray]]) -> None:
    texts = [t for code in UMSAB for t in data[code][2]]
    gold = [code for code in UMSAB for _ in data[code][2]]
    identifier = load_models().language
    detectors: list[tuple[str, Callable[[list[str]], list[str]] | None]] = [
        (
            "clairon (char 1-3-gram linear)",
            lambda ts: [g.language for g in identifier.identify(ts)],
        ),
    ]
    try:
        import py3langid

        detectors.append(("py3langid", lambda ts: [py3langid.classify(t)[0] for t in ts]))
    except ImportError:
        detectors.append(("py3langid (not installed)", None))
    try:
        from langdetect import DetectorFactory, LangDetectException, detect

        DetectorFactory.seed = 0

        def langdetect_all(ts: list[str]) -> list[str]:
            out = []
            for t in ts:
                try:
                    out.append(detect(t))
                except LangDetectException:
                    out.append("unknown")
            return out

        detectors.append(("langdetect", langdetect_all))
    except ImportError:
        detectors.append(("langdetect (not installed)", None))
    rows: list[list[object]] = []
    for name, detector in detectors:
        if detector is None:
            rows.append([name, *["n/a"] * 4])
            continue
        started = time.perf_counter()
        guesses = detector(texts)
        rate = len(texts) / (time.perf_counter() - started)
        accuracy = {
            code: np.mean([g == code for g, y in zip(guesses, gold, strict=True) if y == code])
            for code in UMSAB
        }
        rows.append(
            [
                name,
                f"{accuracy['fr']:.4f}",
                f"{accuracy['en']:.4f}",
                f"{np.mean(list(accuracy.values())):.4f}",
                f"{rate:,.0f}",
            ]
        )
    table(
        "(c) language id on UMSAB val, folder = language (target FR/EN >= 0.99 at >= 20,000/s)",
        ["detector", "FR acc", "EN acc", "8-lang mean acc", "texts/s"],
        rows,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="Clairon triage benchmark")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--no-second", action="store_true", help="skip the second stage")
    args = parser.parse_args()
    data = {
        code: (*read(args.data / "umsab" / f, "train"), *read(args.data / "umsab" / f, "val"))
        for code, f in UMSAB.items()
    }
    speed(data, args.items, not args.no_second)
    language_id(data)
    quality(data, args.data, not args.no_second)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
