"""How well PDFs of Woo releases are split into documents, measured on real minutes.

The development corpus holds minutes as text. Each file is laid out in pages as a PDF would
print it (lines wrapped at 95 characters, 48 lines a page; markdown marks taken off), and:

* **single**: every file on its own must stay one document (over-splitting a long verslag
  whose page opens with a heading is the failure this guards);
* **bundles**: files are put together three at a time in a fixed shuffled order, as a Woo
  release bundles documents, with the page furniture real releases print: none (``bare``),
  'Pagina 2 van 5' footers (``numbered``), '- 2 -' footers (``numbered, no total``) or a
  'Document 12' stamp on every page (``stamped``). Each document's page range must come out.

``boundary_precision``/``recall`` count the page breaks that start a new document;
``documents_exact`` is the share of documents whose page range is found exactly (for
``single``: the share of files kept whole); ``kind_accuracy`` the share of documents told
apart as minutes.
"""

from __future__ import annotations

import random
import re
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

from .documents import document_kind, split_pages
from .lines import split_front_matter
from .pdf import PdfPage

__all__ = ["paginate", "run_documents_suite", "run_ocr_suite", "scan_page"]

LINES_PER_PAGE = 48
WIDTH = 95
CONDITIONS = ("bare", "numbered", "numbered, no total", "stamped")


def paginate(text: str) -> list[str]:
    """``text`` as the pages a PDF of it would have (markdown marks off, lines wrapped)."""
    text = split_front_matter(text)[1]  # crawler metadata, not printed on a page
    lines: list[str] = []
    for raw in text.splitlines():
        line = re.sub(r"^\s*#{1,6}\s*", "", raw).replace("**", "").replace("|", " ")
        if re.fullmatch(r"[\s:\-]*", line) and "|" in raw:
            continue  # a markdown table's rule row
        lines.extend(textwrap.wrap(line, WIDTH) or [""])
    pages = ["\n".join(lines[i : i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)]
    return [p for p in pages if p.strip()] or [""]


def _furnish(pages: list[str], condition: str, number: int) -> list[str]:
    n = len(pages)
    if condition == "numbered":
        return [f"{p}\nPagina {i} van {n}" for i, p in enumerate(pages, 1)]
    if condition == "numbered, no total":
        return [f"{p}\n- {i} -" for i, p in enumerate(pages, 1)]
    if condition == "stamped":
        return [f"Document {number}\n{p}" for p in pages]
    return pages


def _files(corpus: Path) -> list[Path]:
    return sorted(
        f
        for f in corpus.iterdir()
        if f.suffix in (".md", ".txt") and f.name not in ("SOURCES.md", "README.md")
    )


def _score(truth: list[tuple[int, int]], found: list[tuple[int, int]]) -> dict[str, float]:
    want = {a for a, _ in truth[1:]}
    got = {a for a, _ in found[1:]}
    hit = len(want & got)
    return {
        "tp": hit,
        "predicted": len(got),
        "expected": len(want),
        "exact": len(set(truth) & set(found)),
        "documents": len(truth),
    }


def _metrics(rows: list[dict[str, float]], kinds_right: int, kinds_total: int) -> dict[str, Any]:
    tp = sum(r["tp"] for r in rows)
    pred = sum(r["predicted"] for r in rows)
    exp = sum(r["expected"] for r in rows)
    p = tp / pred if pred else 1.0
    r = tp / exp if exp else 1.0
    return {
        "boundary_precision": round(p, 3),
        "boundary_recall": round(r, 3),
        "boundary_f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        "documents_exact": round(
            sum(x["exact"] for x in rows) / max(sum(x["documents"] for x in rows), 1), 3
        ),
        "kind_accuracy": round(kinds_right / kinds_total, 3) if kinds_total else 1.0,
        "documents": int(sum(x["documents"] for x in rows)),
    }


def run_documents_suite(corpus: Path, bundle_size: int = 3, seed: int = 0) -> dict[str, Any]:
    """Split the corpus's minutes laid out as PDF pages, alone and bundled; see module doc."""
    texts = {f.name: f.read_text(encoding="utf-8", errors="replace") for f in _files(corpus)}
    paged = {name: paginate(t) for name, t in texts.items()}
    metrics: dict[str, Any] = {}
    cases: list[dict[str, Any]] = []

    rows, right = [], 0
    for name, alone in paged.items():
        parts = split_pages([PdfPage(i + 1, t) for i, t in enumerate(alone)])
        found = [(p.first, p.last) for p in parts]
        rows.append(_score([(1, len(alone))], found))
        kind = document_kind("\n\n".join(alone), bundled=True)
        right += kind == "minutes"
        if len(found) > 1 or kind != "minutes":
            cases.append({"condition": "single", "file": name, "found": str(found), "kind": kind})
    metrics["single"] = _metrics(rows, right, len(paged))

    names = list(paged)
    random.Random(seed).shuffle(names)
    bundles = [names[i : i + bundle_size] for i in range(0, len(names), bundle_size)]
    for condition in CONDITIONS:
        rows, right, total = [], 0, 0
        for b, group in enumerate(bundles):
            pages: list[str] = []
            truth = []
            for k, name in enumerate(group):
                doc = _furnish(paged[name], condition, number=b * bundle_size + k + 1)
                truth.append((len(pages) + 1, len(pages) + len(doc)))
                pages.extend(doc)
            parts = split_pages([PdfPage(i + 1, t) for i, t in enumerate(pages)])
            found = [(p.first, p.last) for p in parts]
            rows.append(_score(truth, found))
            for part in parts:
                total += 1
                right += document_kind(part.text, bundled=True) == "minutes"
            if found != truth:
                cases.append(
                    {"condition": condition, "file": " + ".join(group),
                     "found": str(found), "expected": str(truth)}
                )  # fmt: skip
        metrics[condition] = _metrics(rows, right, total)
    return {
        "metrics": metrics,
        "files": len(paged),
        "bundles": len(bundles),
        "cases": cases,
    }


# -- OCR ----------------------------------------------------------------------------------------

_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def scan_page(text: str, dpi: int = 300) -> Any:
    """``text`` printed on an A4 page and 'scanned': a grey image at ``dpi``, no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    size = round(11 * dpi / 72)  # 11 pt
    font_path = next((f for f in _FONTS if Path(f).exists()), None)
    font = ImageFont.truetype(font_path, size) if font_path else ImageFont.load_default(size=size)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = round(0.8 * dpi)
    for line in text.splitlines():
        draw.text((round(0.8 * dpi), y), line, font=font, fill=0)
        y += round(size * 1.35)
        if y > height - dpi // 2:
            break
    return img


def degrade(image: Any, rng: random.Random) -> Any:
    """A worse scan: skewed up to 1.2 degrees, blurred, speckled, 200 dpi, JPEG at quality 60."""
    import io

    from PIL import Image, ImageFilter

    img = image.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BILINEAR, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    px = img.load()
    width, height = img.size
    for _ in range(width * height // 400):
        px[rng.randrange(width), rng.randrange(height)] = 0 if rng.random() < 0.5 else 255
    img = img.resize((width * 2 // 3, height * 2 // 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=60)
    return Image.open(buf).convert("L")


def run_ocr_suite(corpus: Path, settings: Any, per_file: int = 1) -> dict[str, Any]:
    """OCR of the corpus's minutes printed and scanned (the first ``per_file`` pages of each),
    clean (300 dpi) and degraded (see :func:`degrade`): the share of the words that come back,
    and whether the meeting's date and title come out as from the same pages as text."""
    import io
    import tempfile
    import time

    from .ocr import ocr_status
    from .parse import parse_file
    from .pdf import read_pdf_pages

    problem = ocr_status(settings.parse.ocr.language)
    if problem:
        return {"metrics": {}, "skipped": problem, "cases": []}
    metrics: dict[str, Any] = {}
    cases: list[dict[str, Any]] = []
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        # the parse below reads the OCR text of the timed read from this cache
        ocr = settings.parse.ocr.model_copy(update={"cache": True, "cache_dir": Path(tmp)})
        scanned = settings.model_copy(deep=True)
        scanned.parse.ocr = ocr
        for condition in ("clean", "degraded"):
            rows = []
            seconds = 0.0
            n_pages = 0
            for f in _files(corpus):
                pages = paginate(f.read_text(encoding="utf-8", errors="replace"))[:per_file]
                images = [scan_page(p) for p in pages]
                dpi = 300
                if condition == "degraded":
                    images, dpi = [degrade(i, rng) for i in images], 200
                buf = io.BytesIO()
                images[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
                data = buf.getvalue()
                started = time.perf_counter()
                read = read_pdf_pages(data, f.name, ocr, Path(tmp))
                seconds += time.perf_counter() - started
                n_pages += len(read)
                want = Counter(_WORD.findall("\n".join(pages).lower()))
                got = Counter(_WORD.findall("\n".join(p.text for p in read).lower()))
                recovered = sum((want & got).values()) / max(sum(want.values()), 1)
                # the same pages as text: what OCR loses, not what the other pages add
                text_version = parse_file("\n".join(pages).encode(), source=f"{f.stem}.txt")[0]
                try:
                    from_scan = parse_file(data, source=f"{f.stem}.pdf", settings=scanned)[0]
                    same_date = from_scan.meeting_date == text_version.meeting_date
                    same_title = _norm(from_scan.title) == _norm(text_version.title)
                except ValueError:
                    same_date = same_title = False
                rows.append((recovered, same_date, same_title))
                if recovered < 0.95 or not same_date or not same_title:
                    cases.append(
                        {"condition": condition, "file": f.name,
                         "words_recovered": round(recovered, 3), "date": same_date,
                         "title": same_title}
                    )  # fmt: skip
            metrics[condition] = {
                "word_recovery": round(sum(r[0] for r in rows) / len(rows), 3),
                "pages_95": round(sum(r[0] >= 0.95 for r in rows) / len(rows), 3),
                "date_agreement": round(sum(r[1] for r in rows) / len(rows), 3),
                "title_agreement": round(sum(r[2] for r in rows) / len(rows), 3),
                "seconds_per_page": round(seconds / max(n_pages, 1), 2),
                "pages": n_pages,
            }
    return {"metrics": metrics, "cases": cases}


_WORD = re.compile(r"[^\W_]+")


def _norm(title: str) -> str:
    return " ".join(_WORD.findall(title.lower()))
