"""Intent of a comment (FR/EN rules and keywords, informed by its sentiment).

Intents, checked in this order (the first that matches wins, so the most urgent is kept):
``complaint`` > ``support_request`` > ``purchase_intent`` > ``question`` > ``praise`` > ``other``.
"""

from __future__ import annotations

import re

__all__ = ["INTENTS", "detect_intent"]

INTENTS: tuple[str, ...] = (
    "question",
    "complaint",
    "praise",
    "purchase_intent",
    "support_request",
    "other",
)

_COMPLAINT = re.compile(
    r"\b(?:refund|reimburse|money back|rembours\w*|scandal\w*|scam\w*|arnaque\w*|worst|pire"
    r"|pathetic|lamentable|disgust\w*|dégoût\w*|ridicul\w*|incompeten\w*|incompétent\w*"
    r"|thie(?:f|ves)|voleurs?|escroc\w*|crooks?|unbelievable|honte|furious|furieu\w*|fed up"
    r"|ras le bol|j'en ai marre|en colère|hung up|raccroch\w*|médiateur|mediateur|lawyer|avocat"
    r"|(?:speak|talk) to a (?:manager|human)|(?:parler|voir) (?:à|a) un (?:responsable|humain)"
    r"|disappoint\w*|déçu\w*|decu\w*|never again|plus jamais|unacceptable|inadmissible|inacceptable"
    r"|still waiting|toujours pas|j'attends|i(?:'ve| have) been waiting|honteu\w*|shame|rip[- ]?off"
    r"|nul(?:le)?|terrible|horrible|awful|useless|inutile|complain\w*|plainte|réclamation)\b",
    re.IGNORECASE,
)
_SUPPORT = re.compile(
    r"\b(?:help|aide[rz]?|aidez|doesn'?t work|does not work|not working|won'?t (?:load|open|start)"
    r"|ne (?:marche|fonctionne) (?:pas|plus)|marche pas|fonctionne pas|bug\w*|error|erreur|crash\w*"
    r"|can'?t (?:log ?in|connect|access|sign in)|impossible de|problème|probleme|problem|issue"
    r"|password|mot de passe|my order|ma commande|mon colis|my package|tracking|suivi de commande"
    r"|support|sav|service client|customer service)\b",
    re.IGNORECASE,
)
_PURCHASE = re.compile(
    r"\b(?:(?:je )?veux acheter|j'aimerais acheter|où (?:acheter|trouver|commander)|ou acheter"
    r"|want to buy|wanna buy|where (?:can|do) i (?:buy|get|order)|how much|combien|price|prix|tarif"
    r"|to order|commander|in stock|en stock|disponible|available|ship to|livr\w* en|discount code"
    r"|code promo|take my money|i'?ll take|je prends|je commande)\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"\?|^\s*(?:who|what|when|where|why|how|which|can|could|do|does|did|is|are|will|would|should"
    r"|qui|que|quoi|quand|où|pourquoi|comment|quel(?:le)?s?|est[- ]ce que|peut[- ]on|pouvez[- ]vous"
    r"|avez[- ]vous|y a[- ]t[- ]il)\b",
    re.IGNORECASE,
)
_PRAISE = re.compile(
    r"\b(?:thanks?|thank you|thx|merci|love|adore|great|awesome|amazing|bravo|génial|genial|super"
    r"|excellent|parfait|perfect|magnifique|best|meilleur|top|félicitations|congrats|well done"
    r"|incroyable|fantastic|fantastique|j'adore)\b|❤|😍|👏|🥰|🙏",
    re.IGNORECASE,
)


_ANY = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (_COMPLAINT, _SUPPORT, _PURCHASE, _QUESTION, _PRAISE)),
    re.IGNORECASE,
)


def detect_intent(text: str, sentiment: str) -> str:
    """The most urgent intent that ``text`` shows, given its ``sentiment`` label."""
    if not _ANY.search(text):  # one scan for the common case of no cue at all
        return "other"
    if _COMPLAINT.search(text) and sentiment != "positive":
        return "complaint"
    if _SUPPORT.search(text) and sentiment != "positive":
        return "support_request"
    if _PURCHASE.search(text):
        return "purchase_intent"
    if _QUESTION.search(text):
        return "question"
    if sentiment == "positive" and _PRAISE.search(text):
        return "praise"
    return "other"
