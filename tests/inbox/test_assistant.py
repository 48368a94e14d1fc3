"""FAQ assistant: drafted replies, confidence, handoff rules, evaluation set, CLI and Python API."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clairon.ai.base import BackendUnsupported, Generation
from clairon.cli.main import app
from clairon.inbox import assistant as assistant_module
from clairon.inbox.assistant import AssistantAnswer, FaqAssistant, Question, answer_questions
from clairon.inbox.embeddings import CharNgramEmbedder
from clairon.inbox.kb import KBEntry, load_kb
from clairon.inbox.retrieval import Hit

FAQ = Path(__file__).parent / "faq"
ENTRIES = (
    KBEntry("en-ship", "How much does shipping cost?", "Shipping costs €4.90.", "en",
            url="https://shop.example/faq#ship"),
    KBEntry("en-hours", "What are your opening hours?", "We open at 10 am every day.", "en"),
    KBEntry("fr-retour", "Comment retourner un article ?", "Imprimez l'étiquette de retour.", "fr"),
)  # fmt: skip


class FakeTranslator:
    backend = "fake"
    model = "fake"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def translate(
        self, text: str, *, target: str, source: str | None = None, keep: Sequence[str] = ()
    ) -> Generation:
        if self.fail:
            raise BackendUnsupported("cannot translate")
        return Generation(text=f"[{target}] {text}", backend="fake", model="fake")


def _signals(sentiment: str = "neutral", intent: str = "question", toxicity: float = 0.0):  # type: ignore[no-untyped-def]
    def fake(questions: Sequence[Question], languages: Sequence[str]) -> list[object]:
        return [
            assistant_module._Signals(
                q.language or "en", sentiment, intent, toxicity, toxicity > 0.5
            )
            for q in questions
        ]

    return fake


def _assistant(translator: FakeTranslator | None = None) -> FaqAssistant:
    return FaqAssistant(ENTRIES, embedder=CharNgramEmbedder(), translator=translator)


def test_confident_answer_is_auto_sent_only_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assistant_module, "_signals", _signals())
    bot = _assistant()
    question = Question("how much does shipping cost", "q1", "en")
    sent = bot.answer([question], allow_auto_send=True, threshold=0.5)[0]
    assert (sent.entry_id, sent.handoff, sent.reason) == ("en-ship", False, "auto_send")
    assert sent.reply.startswith("Hello,") and "Shipping costs €4.90." in sent.reply
    assert "How much does shipping cost?" in sent.reply and "shop.example" in sent.reply
    held = bot.answer([question], allow_auto_send=False, threshold=0.5)[0]
    assert (held.handoff, held.reason) == (True, "auto_send_disabled")
    assert "shipping" in held.summary
    strict = bot.answer([question], allow_auto_send=True, threshold=1.0)[0]
    assert (strict.handoff, strict.reason) == (True, "low_confidence")


@pytest.mark.parametrize(
    ("signals", "reason"),
    [
        (_signals(sentiment="negative"), "negative_sentiment"),
        (_signals(intent="complaint"), "complaint"),
        (_signals(toxicity=0.9), "toxic"),
    ],
)
def test_unhappy_or_abusive_messages_always_go_to_a_human(
    monkeypatch: pytest.MonkeyPatch, signals: object, reason: str
) -> None:
    monkeypatch.setattr(assistant_module, "_signals", signals)
    answer = _assistant().answer(
        [Question("how much does shipping cost", "q", "en")], allow_auto_send=True, threshold=0.0
    )[0]
    assert (answer.handoff, answer.reason) == (True, reason)


def test_no_answer_gives_a_holding_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assistant_module, "_signals", _signals())
    answer = _assistant().answer([Question("zzz qqq", "q", "fr")], allow_auto_send=True)[0]
    assert (answer.handoff, answer.reason) == (True, "no_answer")
    assert answer.reply.startswith("Merci pour votre message")


def test_entry_in_another_language_is_translated_or_handed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(assistant_module, "_signals", _signals())
    question = Question("comment retourner un article", "q", "en")
    done = _assistant(FakeTranslator()).answer([question], allow_auto_send=True, threshold=0.5)[0]
    assert done.translated and "[en] Imprimez" in done.reply and done.reason == "auto_send"
    failed = _assistant(FakeTranslator(fail=True)).answer(
        [question], allow_auto_send=True, threshold=0.5
    )[0]
    assert (failed.handoff, failed.reason, failed.translated) == (
        True, "translation_unavailable", False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def evaluation() -> list[tuple[dict[str, object], AssistantAnswer]]:
    lines = (FAQ / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines]
    answers = answer_questions(FAQ / "kb.jsonl", questions, allow_auto_send=True)
    return list(zip(questions, answers, strict=True))


def test_evaluation_set_is_large_enough(
    evaluation: list[tuple[dict[str, object], AssistantAnswer]],
) -> None:
    questions = [q for q, _ in evaluation]
    assert len(questions) >= 120
    assert sum(q["expected"] is None for q in questions) >= 25
    assert {a.language for _, a in evaluation} >= {"fr", "en"}


def test_top1_retrieval_on_answerable_questions(
    evaluation: list[tuple[dict[str, object], AssistantAnswer]],
) -> None:
    answerable = [(q, a) for q, a in evaluation if q["expected"] and not q.get("must_handoff")]
    accuracy = sum(a.entry_id == q["expected"] for q, a in answerable) / len(answerable)
    # Acceptance target is 0.90; measured 0.913 (0.861 before the synonym thesaurus), see
    # docs/assistant.md. The floor leaves room for a question or two of noise.
    assert accuracy >= 0.88


@pytest.mark.parametrize(
    ("folder", "floor"),
    # Measured 0.900 / 0.729 / 0.757. The last two were written blind (nobody ran the assistant
    # on them before they were committed) and are much harder: they guard against regressions,
    # they are not the acceptance target.
    [("bikes", 0.85), ("beauty", 0.68), ("telecom", 0.70)],
)
def test_top1_on_the_other_evaluation_sets(folder: str, floor: float) -> None:
    lines = (FAQ / folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines]
    answers = answer_questions(FAQ / folder / "kb.jsonl", questions, allow_auto_send=True)
    answerable = [(q, a) for q, a in zip(questions, answers, strict=True)
                  if q["expected"] and not q.get("must_handoff")]  # fmt: skip
    assert len(answerable) == 70
    accuracy = sum(a.entry_id == q["expected"] for q, a in answerable) / len(answerable)
    assert accuracy >= floor
    assert all(a.handoff for q, a in zip(questions, answers, strict=True) if q.get("must_handoff"))


def test_unanswerable_and_complaints_are_handed_over(
    evaluation: list[tuple[dict[str, object], AssistantAnswer]],
) -> None:
    unanswerable = [a for q, a in evaluation if q["expected"] is None and not q.get("must_handoff")]
    assert sum(a.handoff for a in unanswerable) / len(unanswerable) >= 0.80
    # Retrieval confidence alone (whatever the sentiment said) already holds most of them back.
    assert sum(a.confidence < 0.8 for a in unanswerable) / len(unanswerable) >= 0.70
    assert all(a.handoff for q, a in evaluation if q.get("must_handoff"))


def test_cli_answers_a_file_and_reports_bad_lines(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(
        b'{"id": "a", "text": "Quels sont vos horaires ?"}\n'
        b"not json\n"
        b'{"id": "b"}\n'
        b'{"id": "c", "text": "do you ship to the USA?", "language": "en"}\n'
        b'{"id": "d", "text": "\xff\xfe"}\n'
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["assistant", "answer", "--kb", str(FAQ / "kb.jsonl"), str(questions),
              "--output", str(out), "--allow-auto-send", "--auto-send-threshold", "0.6"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for expected in ("line 2: invalid JSON", "line 3: 'text' is missing", "line 5: not valid"):
        assert expected in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["question_id"] for r in rows] == ["a", "c"]
    assert rows[0]["entry_id"] == "fr-horaires-magasin" and rows[0]["language"] == "fr"
    assert rows[1]["entry_id"] == "en-international"
    assert rows[1]["entry"] == {"id": "en-international", "url": None,
                                "question": "Do you ship outside the European Union?"}  # fmt: skip
    for row in rows:
        assert {"reply", "confidence", "handoff", "reason", "entry_question"} <= row.keys()
    missing = CliRunner().invoke(app, ["assistant", "answer", "--kb", "nope.jsonl", str(questions)])
    assert missing.exit_code == 2


def test_python_api_accepts_entries_strings_and_paths() -> None:
    kb = load_kb(FAQ / "kb.jsonl")
    answers = answer_questions(kb.entries, ["Vous acceptez PayPal ?"])
    assert answers[0].entry_id in {"fr-moyens-paiement", "en-payment-methods"}
    assert answers[0].handoff  # auto-send is off by default


def test_bad_questions_get_a_clear_answer_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assistant_module, "_signals", _signals())
    answers = _assistant().answer(["", "   ", "shipping cost " * 80_000, "🔥🔥"])
    assert [(a.entry_id, a.reason) for a in answers[:2]] == [(None, "empty_question")] * 2
    assert answers[2].entry_id == "en-ship"
    assert all(a.handoff for a in answers)


def test_confidence_drops_when_the_nearest_answer_belongs_to_another_entry() -> None:
    retriever = _assistant().retriever
    assert retriever.search(["how much is shipping"])[0][0].answer_nearest
    best = Hit(ENTRIES[0], score=0.5, dense=0.5, bm25=1.0, coverage=0.4)
    rival = Hit(ENTRIES[1], score=0.45, dense=0.45, bm25=0.0, coverage=0.0)
    agreeing = assistant_module.confidence_of([best, rival], retriever)
    split = assistant_module.confidence_of([replace(best, answer_nearest=False), rival], retriever)
    assert 0.0 < split < agreeing < 1.0
    # A retriever without a dense side has no second opinion: nothing is taken off.
    lexical = FaqAssistant(ENTRIES, use_dense=False).retriever
    assert all(h.answer_nearest for h in lexical.search(["opening hours"])[0])
