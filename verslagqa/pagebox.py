"""Where a quote stands on a PDF page: the boxes of its words, for highlighting it.

The words of a page carry their boxes from the text layer (pdfium) or from OCR. A quote is
found in the page's text with whitespace and hyphenated line breaks folded; its words' boxes
are merged per printed line. A quote that is not on the page exactly gives None: a citation
is then shown without a highlight rather than with a wrong one.
"""

from __future__ import annotations

import re

from .pdf import PdfPage, WordBox

__all__ = ["Box", "locate_on_page"]

#: (left, bottom, right, top) in PDF points, origin at the bottom left of the page.
Box = tuple[float, float, float, float]


def _pattern(quote: str) -> re.Pattern[str] | None:
    words = quote.split()
    if not words:
        return None
    # a word may be broken over two lines with a hyphen ('Noord-\nHolland' or 'bespre-\nken')
    return re.compile(r"\s+".join(_word(w) for w in words), re.IGNORECASE)


def _word(word: str) -> str:
    return r"(?:-\s+)?".join(re.escape(ch) for ch in word)


def locate_on_page(page: PdfPage, quote: str) -> list[Box] | None:
    """The boxes of ``quote`` on ``page``, one per printed line; None when the quote is not on
    the page or the page has no word boxes (an OCR page read without them)."""
    rx = _pattern(quote)
    if rx is None or not page.words:
        return None
    m = rx.search(page.text)
    if m is None:
        return None
    return _line_boxes([w for w in page.words if w[0] < m.end() and w[1] > m.start()])


def _line_boxes(words: list[WordBox]) -> list[Box] | None:
    lines: list[list[float]] = []
    for _, _, left, bottom, right, top in words:
        last = lines[-1] if lines else None
        if last is not None and abs(last[1] - bottom) < 0.5 * max(top - bottom, 1.0):
            last[0], last[2] = min(last[0], left), max(last[2], right)
            last[1], last[3] = min(last[1], bottom), max(last[3], top)
        else:
            lines.append([left, bottom, right, top])
    return [(a, b, c, d) for a, b, c, d in lines] or None
