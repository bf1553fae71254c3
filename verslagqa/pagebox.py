"""Where a quote stands on a PDF page: the boxes of its words, for highlighting it.

The words of a page carry their boxes from the text layer (pdfium) or from OCR. A quote is
found in the page's text with whitespace and hyphenated line breaks folded; its words' boxes
are merged per printed line. A quote that is not on the page exactly gives None: a citation
is then shown without a highlight rather than with a wrong one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .pdf import PdfPage, WordBox

if TYPE_CHECKING:
    from .settings import Settings

__all__ = ["Box", "locate_citation", "locate_on_page"]

#: (left, bottom, right, top) in PDF points, origin at the bottom left of the page.
Box = tuple[float, float, float, float]


def _pattern(quote: str) -> re.Pattern[str] | None:
    words = quote.split()
    if not words:
        return None
    # a word may be broken over two lines with a hyphen ('Noord-\nHolland' or 'bespre-\nken')
    return re.compile(r"\s+".join(_word(w) for w in words), re.IGNORECASE)


def _word(word: str) -> str:
    # a hyphen of the quote may end a printed line ('Noord-' / 'Holland'); a word of the
    # quote may be broken by one ('bespre-' / 'ken')
    return r"(?:-\s+)?".join(r"-\s*" if ch == "-" else re.escape(ch) for ch in word)


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


def locate_citation(
    source: str, page: int | None, quote: str, settings: Settings | None = None
) -> tuple[tuple[float, float], list[Box]] | None:
    """Where a citation's quote stands on its PDF page: (page width and height in points, the
    quote's boxes); None for a text file, a page the quote is not on, or a file that is gone.
    The page is read as at indexing: pdfium's text layer gives the same boxes again, and an
    OCR'd page comes from the OCR cache with the boxes Tesseract gave."""
    from pathlib import Path

    from .parse import file_of
    from .pdf import read_pdf_page
    from .settings import Settings

    path = Path(file_of(source))
    if page is None or path.suffix.lower() != ".pdf" or not path.is_file():
        return None
    settings = settings or Settings()
    ocr = settings.parse.ocr
    try:
        read = read_pdf_page(path.read_bytes(), page, ocr, ocr.cache_dir or settings.home / "ocr")
    except OSError:
        return None
    if read is None:
        return None
    boxes = locate_on_page(read, quote)
    return (read.size, boxes) if boxes else None
