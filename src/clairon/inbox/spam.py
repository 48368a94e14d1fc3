"""Spam, scam and phishing heuristics (FR/EN).

Each signal found in a text carries a weight; the score is the probability that at least one
"fires" if they were independent (``1 - prod(1 - w)``), so several weak signals add up while one
strong signal (a shortened link next to "verify your account") is enough. The signals found are
returned as reasons, so the inbox can explain the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SPAM_THRESHOLD", "SpamVerdict", "score_spam"]

SPAM_THRESHOLD = 0.5

_DOMAIN = re.compile(
    r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+([a-z]{2,24}))(?:/\S*)?", re.IGNORECASE
)
_SHORTENERS = frozenset(
    {
        "bit.ly", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rb.gy",
        "shorturl.at", "tiny.cc", "t.ly", "rebrand.ly", "bl.ink", "s.id", "v.gd", "adf.ly",
    }
)  # fmt: skip
_SUSPICIOUS_TLDS = frozenset(
    {
        "xyz", "top", "click", "loan", "win", "gq", "tk", "ml", "cf", "ga", "work", "zip",
        "mov", "rest", "cam", "bid", "icu", "buzz", "monster", "cyou", "sbs", "live", "shop",
    }
)  # fmt: skip

_SIGNALS: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("money", 0.35, re.compile(
        r"(?:earn|make|gagne[rz]?|win|gagnez)\s+(?:up\s+to\s+)?[$€£]?\s?\d[\d,. ]*"
        r"\s?(?:k|[$€£]|euros?|dollars?)"
        r"|[$€£]\s?\d+[\d,.]*\s*(?:per|a|par)\s*(?:day|week|jour|semaine)"
        r"|\b(?:passive income|revenus? passifs?|get rich|devenir riche|double your money)\b",
        re.IGNORECASE)),
    ("crypto", 0.3, re.compile(
        r"\b(?:bitcoin|btc|crypto(?:currency|monnaie)?s?|usdt|ethereum|forex|nft airdrop|airdrop"
        r"|trading signals?|binary options?)\b", re.IGNORECASE)),
    ("contact_me", 0.3, re.compile(
        r"\b(?:dm me|inbox me|message me|text me|contact me on|check (?:my|the) bio"
        r"|link in (?:my )?bio"
        r"|écri(?:s|vez)[- ]moi en (?:mp|dm)|envoie[- ]moi un (?:mp|dm)|lien (?:dans|en) bio"
        r"|whats?app|telegram)\b", re.IGNORECASE)),
    ("phishing", 0.55, re.compile(
        r"\b(?:verify your account|account (?:has been |will be )?(?:suspended|locked|disabled)"
        r"|confirm your (?:password|identity|details)|login to (?:claim|verify)"
        r"|vérifie[rz]? (?:votre|ton) compte|compte (?:sera |a été )?(?:suspendu|bloqué|désactivé)"
        r"|confirme[rz]? (?:votre|ton) (?:mot de passe|identité))\b", re.IGNORECASE)),
    ("giveaway", 0.3, re.compile(
        r"\b(?:free followers|followers gratuits|buy followers|claim your (?:prize|reward)"
        r"|you(?:'ve| have) won|vous avez gagné|tu as gagné|click here|cliquez ici|promo code)\b",
        re.IGNORECASE)),
)  # fmt: skip


@dataclass(frozen=True)
class SpamVerdict:
    """Spam score (0-1), whether it passes :data:`SPAM_THRESHOLD`, and the signals found."""

    score: float
    reasons: tuple[str, ...]

    @property
    def is_spam(self) -> bool:
        return self.score >= SPAM_THRESHOLD


_ANY_SIGNAL = re.compile("|".join(f"(?:{p.pattern})" for _, _, p in _SIGNALS), re.IGNORECASE)


def _link_signals(text: str) -> list[tuple[str, float]]:
    signals: list[tuple[str, float]] = []
    for match in _DOMAIN.finditer(text):
        host, tld = match.group(1).casefold(), match.group(2).casefold()
        has_scheme = match.group(0).casefold().startswith(("http", "www"))
        if host in _SHORTENERS:
            signals.append(("url_shortener", 0.3))
        elif tld in _SUSPICIOUS_TLDS and (has_scheme or "/" in match.group(0)):
            signals.append(("suspicious_tld", 0.35))
    return signals


def score_spam(text: str) -> SpamVerdict:
    """Heuristic spam/scam/phishing score of one text."""
    found: dict[str, float] = {}
    if "." in text:
        for name, weight in _link_signals(text):
            found[name] = max(found.get(name, 0.0), weight)
    if _ANY_SIGNAL.search(text):
        for name, weight, pattern in _SIGNALS:
            if pattern.search(text):
                found[name] = weight
    keep = 1.0
    for weight in found.values():
        keep *= 1.0 - weight
    if len(found) >= 2:  # a link plus a lure is the classic scam shape
        keep *= 0.7
    return SpamVerdict(round(1.0 - keep, 4), tuple(sorted(found)))
