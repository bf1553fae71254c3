"""The pages of a PDF as text: the text layer where there is one, OCR where a page is a scan.

Woo releases mix born-digital pages with scans, and stamp a document number as text onto the
scans. A page is OCR'd when its text layer holds fewer than ``min_chars`` letters and digits,
or when an image covers most of it and the text layer is no more than a stamp. A page that
cannot be read (Tesseract missing or failing) is kept empty with the reason; the other pages
go on. ``ocr_progress`` lets a caller (the CLI's progress bar) follow long OCR runs.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .ocr import OcrCache, OcrError, ocr_image, ocr_status
from .pdftext import WordBox, page_text
from .scan import black_bars, reading_quality

if TYPE_CHECKING:
    from PIL.Image import Image

    from .settings import OcrSettings

__all__ = ["PdfPage", "PdfReadError", "WordBox", "ocr_progress", "read_pdf_page", "read_pdf_pages"]

#: A stamp ('Document 12', '5.1.2e', a page number) has fewer letters and digits than this.
_STAMP_CHARS = 200
#: Cells per side of the grid image cover is measured on.
_GRID = 40
#: An image covering at least this share of the page makes it a scan.
_SCAN_COVER = 0.5
#: A page with next to no text layer is a scan when an image covers at least this share.
_MIN_COVER = 0.1

# A redaction drawn as a black box reads as debris ('BE', '|', '===') before the ground that is
# printed beside it ('5.1.2e'); on OCR'd pages that debris is dropped.
_BOX_DEBRIS = re.compile(
    r"(?<!\S)(?:[|_=\-—■█]+|[A-Z]{1,3})\s*(?=(?:5\s?[.,]\s?1\s?[.,]\s?[1-5]\s?[a-i]|10\s?[.,]\s?[12]\s?[.,]?\s?[a-g])\b)"
)

#: Resolution black bars are looked for at: a tenth of an inch is 7.5 pixels.
_BAR_DPI = 75

#: Called as (source, pages OCR'd so far, pages to OCR) while a file's scans are read.
ProgressFn = Callable[[str, int, int], None]
_PROGRESS: contextvars.ContextVar[ProgressFn | None] = contextvars.ContextVar(
    "verslagqa_ocr_progress", default=None
)


@contextlib.contextmanager
def ocr_progress(callback: ProgressFn) -> Iterator[None]:
    """Report OCR progress to ``callback`` for every PDF read inside the block."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


class PdfReadError(ValueError):
    """The PDF as a whole cannot be read (the parser adds the file name)."""


@dataclass
class PdfPage:
    """One page: its number (1-based), its text and how the text was got."""

    number: int
    text: str
    ocr: bool = False
    problem: str | None = None  # why a page that looks scanned has no text
    words: list[WordBox] = field(default_factory=list)  # where each word of `text` stands
    size: tuple[float, float] = (0.0, 0.0)  # width, height in PDF points
    scan: bool = False  # an image covers the page
    bar_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    # black bars (redactions without text) on a scan, in PDF points like ``words``

    @property
    def bars(self) -> int:
        return len(self.bar_boxes)


def _alnum(text: str) -> int:
    return len(re.findall(r"[^\W_]", text))


def _text_layer(data: bytes) -> list[tuple[str, list[WordBox], tuple[float, float]]]:
    """Every page's text layer with its word boxes and page size, read by pdfium (about 20x
    faster than pypdf on 100-page minutes, and it keeps the spaces between words that some
    producers only imply by position)."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfReadError("PDF is encrypted with a password") from exc
        raise PdfReadError(f"damaged or unreadable PDF ({exc})") from exc
    try:
        out: list[tuple[str, list[WordBox], tuple[float, float]]] = []
        for i in range(len(doc)):
            try:
                page = doc[i]
                size = page.get_size()
                textpage = page.get_textpage()
            except pdfium.PdfiumError:
                out.append(("", [], (0.0, 0.0)))  # one unreadable page: OCR may read it
                continue
            try:
                text, words = page_text(textpage)
            except (pdfium.PdfiumError, ValueError, OverflowError):
                # the boxes could not be read: the page's text without them
                text = textpage.get_text_range().replace("\r", "").replace("\ufffe", "-")
                words = []
            textpage.close()
            page.close()
            out.append((text, words, size))
        return out
    finally:
        doc.close()


def read_pdf_page(
    data: bytes, number: int, settings: OcrSettings, cache_dir: Path | None = None
) -> PdfPage | None:
    """One page as indexing read it, without reading the others: its text layer with the
    words' boxes, or the OCR cache's reading of it (None when the page does not exist)."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        if not 0 < number <= len(doc):
            return None
        page = doc[number - 1]
        text, words = page_text(page.get_textpage())
        out = PdfPage(number=number, text=text, words=words, size=page.get_size())
        cached = OcrCache(cache_dir, data, settings).get(number)
        if cached is not None and (_alnum(text) < _STAMP_CHARS or _invisible_text(page)):
            _take_ocr(out, cached, settings.dpi)
        return out
    finally:
        doc.close()


def _invisible_text(page: object) -> bool:
    """Whether most of the page's text objects are invisible: the OCR layer a scanner writes
    over its image (render mode 3), not text a reader sees."""
    import pypdfium2.raw as pdfium_c

    modes = [
        pdfium_c.FPDFTextObj_GetTextRenderMode(o.raw)
        for o in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=2)  # type: ignore[attr-defined]
    ]
    invisible = sum(m == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE for m in modes)
    return bool(modes) and invisible * 2 >= len(modes)


def _image_cover(page: object) -> float:
    """Share of the page's area under images. A scanner may store a page as a stack of strips,
    so the images' union is measured, on a grid of ``_GRID`` x ``_GRID`` cells."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()  # type: ignore[attr-defined]
    if width <= 0 or height <= 0:
        return 0.0
    covered = [[False] * _GRID for _ in range(_GRID)]
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):  # type: ignore[attr-defined]
        left, bottom, right, top = obj.get_bounds()
        cols = range(
            max(0, int(left / width * _GRID)), min(_GRID, int(right / width * _GRID + 0.999))
        )
        rows = range(
            max(0, int(bottom / height * _GRID)), min(_GRID, int(top / height * _GRID + 0.999))
        )
        for r in rows:
            for c in cols:
                covered[r][c] = True
    return sum(map(sum, covered)) / (_GRID * _GRID)


def read_pdf_pages(
    data: bytes, source: str, settings: OcrSettings, cache_dir: Path | None = None
) -> list[PdfPage]:
    """Every page of the PDF in ``data`` as text, scans OCR'd where Tesseract is available.

    A page is a scan when an image covers most of it (or, with next to no text layer, some of
    it). A scan is OCR'd when its text layer is no more than a stamp, or when the layer reads
    worse than ``settings.min_layer_quality`` (:func:`scan.reading_quality`); of a layer and
    its OCR the better reading is kept. Black bars on scans are counted (``PdfPage.bars``)."""
    layers = _text_layer(data)
    pages = [
        PdfPage(number=i + 1, text=t, words=w, size=size) for i, (t, w, size) in enumerate(layers)
    ]
    if not settings.enabled:
        return _mark_unread(pages, settings, "OCR is off: VERSLAGQA_PARSE__OCR__ENABLED=false")
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return _mark_unread(pages, settings, "pdfium cannot render this PDF")
    try:
        scans = []
        for p in pages:
            few = _alnum(p.text) < _STAMP_CHARS
            cover = _image_cover(doc[p.number - 1])
            if not few and not _invisible_text(doc[p.number - 1]):
                continue  # typed text over a background image: a born-digital page
            # a blank page or a short typed page with a logo is no scan
            if cover >= _SCAN_COVER or (
                few and cover >= _MIN_COVER and _alnum(p.text) < settings.min_chars
            ):
                p.scan = True
                if few or reading_quality(p.text) < settings.min_layer_quality:
                    scans.append(p)
        _count_bars(doc, [p for p in pages if p.scan])
        if not scans:
            return pages
        problem = ocr_status(settings.language)
        if problem:
            for p in scans:
                if _alnum(p.text) < _STAMP_CHARS:
                    p.problem = problem
            return pages
        cache = OcrCache(cache_dir, data, settings)
        try:
            _ocr_pages(doc, scans, cache, settings, source)
        finally:
            cache.flush()
    finally:
        doc.close()
    return pages


def _count_bars(doc: object, scans: list[PdfPage]) -> None:
    """Black bars per scanned page; a box in the same place on several pages is a letterhead's
    logo, not a redaction."""
    import pypdfium2 as pdfium

    found: dict[int, list[tuple[int, int, int, int]]] = {}
    for p in scans:
        try:
            image = doc[p.number - 1].render(scale=_BAR_DPI / 72).to_pil()  # type: ignore[index]
        except (pdfium.PdfiumError, OSError, ValueError):
            continue
        found[p.number] = black_bars(image, _BAR_DPI)
    seen: dict[tuple[int, int, int, int], int] = {}
    for boxes in found.values():
        height = scans[0].size[1] * _BAR_DPI / 72 if scans else 0
        for box in set(_rounded(b) for b in boxes if _in_margin(b, height)):
            seen[box] = seen.get(box, 0) + 1
    for p in scans:
        scale = 72 / _BAR_DPI
        height = p.size[1]
        p.bar_boxes = [
            (x0 * scale, height - y1 * scale, x1 * scale, height - y0 * scale)
            for x0, y0, x1, y1 in found.get(p.number, [])
            if seen.get(_rounded((x0, y0, x1, y1)), 0) < 2
        ]


def _in_margin(box: tuple[int, int, int, int], height: float) -> bool:
    """Whether a box stands in the top or bottom fifth of the page, where letterheads and
    logos are printed (a redacted sender in the same place on every e-mail is no logo)."""
    return height > 0 and (box[3] < height / 5 or box[1] > height * 4 / 5)


def _rounded(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    # a tenth of an inch: the same logo scanned twice lands within it
    step = _BAR_DPI // 10
    return (box[0] // step, box[1] // step, box[2] // step, box[3] // step)


def _ocr(image: Image, settings: OcrSettings) -> str:
    return ocr_image(image, settings)  # looked up at call time: tests replace it


def _ocr_pages(
    doc: object, scans: list[PdfPage], cache: OcrCache, settings: OcrSettings, source: str
) -> None:
    """OCR ``scans`` in page order, ``settings.workers`` Tesseract runs at a time: pages are
    rendered here (pdfium is not thread-safe) and read by Tesseract processes in threads."""
    import pypdfium2 as pdfium

    progress = _PROGRESS.get()
    if progress:
        progress(source, 0, len(scans))
    pending: deque[tuple[PdfPage, Future[str] | str]] = deque()
    with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
        done = 0
        for p in [*scans, None]:
            if p is not None:
                cached = cache.get(p.number)
                if cached is not None:
                    pending.append((p, cached))
                else:
                    try:
                        page = doc[p.number - 1]  # type: ignore[index]
                        image = page.render(scale=settings.dpi / 72).to_pil().convert("L")
                    except (pdfium.PdfiumError, OSError, ValueError) as exc:
                        p.problem = f"page {p.number}: cannot render ({exc})"
                        done += 1
                        continue
                    pending.append((p, pool.submit(_ocr, image, settings)))
            # keep at most `workers` pages waiting (each image is ~9 MB at 300 dpi)
            while pending and (p is None or len(pending) > max(1, settings.workers)):
                page_, job = pending.popleft()
                try:
                    read = job if isinstance(job, str) else job.result()
                except (OcrError, OSError, ValueError) as exc:
                    page_.problem = f"page {page_.number}: {exc}"  # the others go on
                else:
                    if not isinstance(job, str):
                        cache.put(page_.number, read)
                    _take_ocr(page_, read, settings.dpi)
                done += 1
                if progress:
                    progress(source, done, len(scans))


def _take_ocr(page: PdfPage, text: str, dpi: float) -> None:
    """Put the OCR reading ``text`` on ``page`` unless its text layer reads better; a Woo
    stamp the layer holds and the OCR lost is kept in front."""
    words = getattr(text, "words", [])
    # box debris before a ground goes, in place: the words keep their offsets
    text = _BOX_DEBRIS.sub(lambda m: " " * len(m.group(0)), str(text))
    layer = page.text.strip()
    if _alnum(layer) >= _STAMP_CHARS and reading_quality(layer) >= reading_quality(text):
        return  # the publisher's reading is the better one: keep it and its boxes
    stamp = layer if _alnum(layer) < _STAMP_CHARS else ""
    shift = len(stamp) + 1 if stamp and stamp not in text else 0
    page.text = f"{stamp}\n{text}" if shift else text
    page.ocr = True
    scale = 72 / dpi
    height = page.size[1]
    # pixels from the top left → PDF points from the bottom left
    page.words = [
        (a + shift, b + shift, round(x0 * scale, 1), round(height - y1 * scale, 1),
         round(x1 * scale, 1), round(height - y0 * scale, 1))
        for a, b, x0, y0, x1, y1 in words
    ]  # fmt: skip


def _mark_unread(pages: list[PdfPage], settings: OcrSettings, why: str) -> list[PdfPage]:
    for p in pages:
        if _alnum(p.text) < settings.min_chars:  # (a blank page is marked too: harmless)
            p.problem = f"page {p.number} has no text layer ({why})"
    return pages
