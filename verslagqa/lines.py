"""Lines of a verslag with their markdown dress taken off and recorded.

Minutes arrive as markdown written by hand, markdown exported from Word, or PDF text (with OCR
noise). Every later stage reads :class:`Line` objects: the text without markup, plus what the
markup said (heading level, bold-only line, list bullet, indent, a blank line before it).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["Line", "make_line", "normalise_chars", "split_front_matter", "to_lines"]

_HEADING = re.compile(r"^\s*(#{1,6})(?:\s+|$)")
_BULLET = re.compile(r"^[-*+•·▪◦](\s+|$)")
# Markdown backslash escapes ('1\.' in Word exports) and GitHub emoji shortcodes (':pushpin:').
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_SHORTCODE = re.compile(r"(?<!\S):[a-z][a-z0-9_+-]{1,30}:(?!\S)")
_TAG = re.compile(r"</?(?:details|summary|span|div|p|sup|sub|u|b|i|em|strong|font)\b[^>]*>", re.I)
_RULE = re.compile(r"[-*_=•\s]{3,}")
_SYMBOLS = re.compile(r"^[^\w(\[\"'‘“|\\]+(?=\w)")


@dataclass
class Line:
    raw: str
    text: str  # markdown stripped
    heading: int = 0  # markdown heading level (setext underlines included); 0 = none
    bullet: bool = False
    indent: int = 0
    emph: bool = False  # the whole line was bold or italic
    blank_before: bool = False
    break_before: bool = False  # page furniture was cut out just before this line
    quote: bool = False  # a '>' block quote
    row: int = 0  # line number in the text it was read from
    page: int = 0  # PDF page it was printed on (0: not a PDF)

    @property
    def key(self) -> str:
        return re.sub(r"\s+", " ", self.text.lower()).strip(" .:*_-")


def strip_emphasis(s: str) -> str:
    """'**Opening**' → 'Opening'; single '*' / '_' only where they wrap a word."""
    s = s.replace("**", "").replace("__", "")
    s = re.sub(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", s)
    s = re.sub(r"(?<![\w])_(?=\S)|(?<=\S)_(?![\w])", "", s)
    return s


def make_line(raw: str) -> Line:
    """One line of text with its markdown (heading, bullet, emphasis, quote) recorded."""
    raw = raw.rstrip()
    s = _ESCAPE.sub(r"\1", raw)
    s = _TAG.sub(" ", s)
    s = _SHORTCODE.sub("", s)
    quote = False
    while re.match(r"^\s*>", s):
        s = re.sub(r"^\s*>\s?", "", s, count=1)
        quote = True
    heading = 0
    m = _HEADING.match(s)
    if m:
        heading = len(m.group(1))
        s = s[m.end() :]
    indent = len(s) - len(s.lstrip(" \t"))
    stripped = s.strip()
    bullet = False
    if _BULLET.match(stripped) and not stripped.startswith("**"):
        bullet = True
        stripped = stripped[1:].strip()
        m = _HEADING.match(stripped)  # '* ### 1. Titel': a heading inside a list item
        if m and not heading:
            heading = len(m.group(1))
            stripped = stripped[m.end() :].strip()
    inner = stripped
    emph = bool(
        re.fullmatch(r"(\*\*|__)(?!\s).+?(?<!\s)\1[:.]?", inner)
        or re.fullmatch(r"[*_](?![*\s]).+?(?<![\s*])[*_][:.]?", inner)
    )
    text = strip_emphasis(inner).strip()
    text = re.sub(r"[ \t]{2,}", lambda mm: "\t" if "\t" in mm.group() else " ", text)
    if heading or emph:
        text = _SYMBOLS.sub("", text).strip()  # '# ✅ Actiepunten'
    return Line(
        raw=raw, text=text, heading=heading, bullet=bullet, indent=indent, emph=emph, quote=quote
    )


def normalise_chars(text: str) -> str:
    """One newline convention, no NBSP/zero-width/control characters, HTML entities decoded."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    if "&" in text:
        text = re.sub(r"&(?:[a-zA-Z]{2,8}|#\d{2,5});", lambda m: html.unescape(m.group()), text)
    return text


# lower-case keys only: a verslag's own header ('Datum: …', 'Aanwezig: …') is capitalised
_FRONT_KEY = re.compile(r"^([a-z_][a-z0-9_-]{0,40}):(?:\s+(.*))?$")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Metadata lines ('key: value') at the very top, closed by '---', as a dict; the rest.

    YAML front matter of static-site and crawler exports. Only a block of at least three keys
    closed by a '---' line counts, so a verslag that opens with 'Datum: …' keeps its header.
    """
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    start = i + 1 if i < len(lines) and lines[i].strip() == "---" else i
    fields: dict[str, str] = {}
    j = start
    while j < len(lines) and j - start < 60:
        line = lines[j].rstrip()
        if line.strip() == "---":
            if len(fields) >= 3:
                return fields, "\n".join(lines[j + 1 :])
            break
        m = _FRONT_KEY.match(line)
        if not m:
            break
        fields[m.group(1).lower()] = (m.group(2) or "").strip().strip("'\"")
        j += 1
    return {}, text


def to_lines(text: str) -> list[Line]:
    """Non-empty lines with ``blank_before`` set; setext underlines and rules taken out."""
    out: list[Line] = []
    blank = False
    for row, raw in enumerate(text.split("\n")):
        stripped = raw.strip()
        if stripped and _RULE.fullmatch(stripped) and set(stripped) <= set("-=") and out:
            prev = out[-1]
            if not blank and prev.text and not prev.heading and not prev.bullet:
                prev.heading = 1 if "=" in stripped else 2  # setext underline
                continue
        if not stripped or _RULE.fullmatch(stripped):
            blank = True
            continue
        ln = make_line(raw)
        if not ln.text or re.fullmatch(r"[-*•]+", ln.text):
            blank = True
            continue
        ln.blank_before = blank
        ln.row = row
        blank = False
        out.append(ln)
    return out
