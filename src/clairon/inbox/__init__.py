"""Inbox intelligence: batch triage of comments (language, sentiment, toxicity, spam, personal
data, intent, priority) with models shipped as package data. See docs/triage.md."""

from clairon.inbox.assistant import AssistantAnswer, FaqAssistant, Question, answer_questions
from clairon.inbox.kb import KBEntry, KnowledgeBase, load_kb
from clairon.inbox.pii import PiiMatch, find_pii, iban_is_valid
from clairon.inbox.triage import MAX_TEXT_BYTES, TriageResult, triage_batch, triage_one

__all__ = [
    "MAX_TEXT_BYTES",
    "AssistantAnswer",
    "FaqAssistant",
    "KBEntry",
    "KnowledgeBase",
    "PiiMatch",
    "Question",
    "TriageResult",
    "answer_questions",
    "find_pii",
    "iban_is_valid",
    "load_kb",
    "triage_batch",
    "triage_one",
]
