"""Normalisation of short social text before feature extraction.

The same function runs at training time (``scripts/train_triage.py``) and at run time, so a model
never sees text prepared differently from what it was trained on. It is deliberately cheap: a few
compiled regular expressions per text, no tokenizer model.

What it does, and why:

- case-folds (sentiment rarely depends on case; SHOUTING is kept as a separate signal);
- maps links to ``http`` and user handles to ``@user`` (the training data was anonymised that way);
- shortens elongations (``sooooo`` -> ``soo``, ``!!!!!`` -> ``!!``) so they share n-grams with the
  short form while keeping a trace of the emphasis;
- marks the words that follow a negation (``not good`` -> ``not good_NEG``) up to the next
  punctuation mark, in the eight languages the models know.
"""

from __future__ import annotations

from typing import cast

import regex

__all__ = ["NEGATION_SUFFIX", "normalize", "tokenize", "words_with_negation"]

NEGATION_SUFFIX = "_NEG"

_URL = regex.compile(r"(?:https?://|www\.)\S+", regex.IGNORECASE)
_HANDLE = regex.compile(r"@\w+")
_ELONGATION = regex.compile(r"(.)\1{2,}")
_SPACES = regex.compile(r"\s+")
# A token is a word (letters/digits, with inner apostrophes or hyphens), a hashtag/handle,
# an emoji or symbol run, or a punctuation mark.
_TOKEN = regex.compile(
    r"[#@]?\w+(?:['’-]\w+)*|\p{Extended_Pictographic}|[!?]+|[.,;:]|[^\s\w]",
)
_CLAUSE_END = frozenset({".", ",", ";", ":", "!", "?", "!!", "??", "?!", "!?", "but", "mais"})

# Words that flip the polarity of what follows (EN, FR, ES, IT, PT, DE + short forms).
_NEGATIONS = frozenset(
    {
        # English
        "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot",
        "dont", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "won't",
        "wouldn't", "can't", "couldn't", "shouldn't", "haven't", "hasn't", "ain't", "without",
        # French
        "ne", "n'", "pas", "jamais", "rien", "personne", "aucun", "aucune", "sans", "ni",
        # Spanish / Italian / Portuguese
        "nunca", "nada", "nadie", "ningún", "ninguna", "sin", "non", "mai", "niente", "nessuno",
        "senza", "não", "nao", "nem", "sem", "ninguém", "nenhum",
        # German
        "nicht", "kein", "keine", "keinen", "nie", "niemals", "nichts", "ohne",
    }
)  # fmt: skip


def normalize(text: str) -> str:
    """Case-folded, link- and handle-anonymised text with elongations shortened."""
    text = _URL.sub("http", text)
    text = _HANDLE.sub("@user", text)
    text = _ELONGATION.sub(r"\1\1", text.casefold())
    return cast(str, _SPACES.sub(" ", text)).strip()


def tokenize(normalized: str) -> list[str]:
    """Word, emoji and punctuation tokens of an already normalised text."""
    return cast("list[str]", _TOKEN.findall(normalized))


def words_with_negation(tokens: list[str]) -> list[str]:
    """Tokens where each word inside a negated clause carries :data:`NEGATION_SUFFIX`."""
    out: list[str] = []
    negated = False
    for token in tokens:
        if token in _CLAUSE_END:
            negated = False
            out.append(token)
        elif token in _NEGATIONS or token.endswith("n't"):
            negated = True
            out.append(token)
        elif token.startswith("n'") and len(token) > 2:  # French "n'est", "n'aime"
            negated = True
            out.append(token[2:] + NEGATION_SUFFIX)
        else:
            out.append(token + NEGATION_SUFFIX if negated else token)
    return out
