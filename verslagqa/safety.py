"""What a verslag may not do to the model, and which language a text is in.

A verslag is data, not a prompt: sentences that address a language model ("negeer alle eerdere
instructies", "SYSTEM: …") or carry forged citation markers ("volgens bron [9]") are never shown
to the model nor quoted as an answer. Used by answers and summaries alike.
"""

from __future__ import annotations

import re

__all__ = ["detect_language", "is_injection"]

_EN = {"the", "what", "when", "who", "which", "is", "are", "was", "were", "of", "how", "why",
       "did", "does", "will", "to", "and", "on", "for", "about", "has", "have", "should",
       "must", "there", "this", "that", "with", "from", "by", "it", "its", "can",
       "would"}  # fmt: skip
_NL = {"de", "het", "een", "wat", "wanneer", "wie", "welke", "welk", "is", "zijn", "was", "van",
       "hoe", "waarom", "waarvoor", "waar", "wordt", "worden", "moet", "moeten", "en", "in", "op",
       "voor", "over", "er", "wil", "wilde", "heeft", "hebben", "kan", "kunnen", "zal", "met",
       "bij", "aan", "te", "dat", "die", "niet", "ook", "nog", "naar", "om", "door", "hoeveel",
       "gaat", "werd", "zich", "deze", "dit", "hun", "ze", "zij"}  # fmt: skip


def detect_language(text: str) -> str:
    """'Dutch' or 'English', by function words (ties go to Dutch)."""
    words = re.findall(r"[a-z]+", text.lower())
    en = sum(w in _EN and w not in _NL for w in words)
    nl = sum(w in _NL and w not in _EN for w in words)
    return "English" if en > nl else "Dutch"


_INJECTION_RE = re.compile(
    r"(?i)\b(negeer|vergeet|ignore|disregard|forget|override|ignorieren|ignoriere|vergiss|"
    r"vergessen|ignorez|ignorer|oubliez)\b.{0,40}\b(instructie|instructies|opdracht|opdrachten|"
    r"instructions?|prompt|regels|rules|anweisungen|regeln|consignes|sources|bronnen)\b|"
    r"(^|\s|\[|<)(system|systeem|assistant|developer)\s*[:\]>]|"
    # citation markers inside a verslag are forged: only verslagqa numbers sources
    r"\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]|"
    r"\b(you are now|je bent nu|act as|doe alsof|du bist jetzt|vous êtes maintenant)\b|"
    r"\b(antwoord|answer|reply|respond|antworten|antworte|répondez)\s+(?:\w+\s+)?"
    r"(alleen|uitsluitend|only|exactly|precies|nur|seulement)\b"
)


def is_injection(sentence: str) -> bool:
    """True for text that tries to instruct the model instead of recording a meeting."""
    return bool(_INJECTION_RE.search(sentence))
