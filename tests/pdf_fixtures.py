"""PDFs made in the tests: typed pages with a text layer, scanned pages (text rendered with a
real TrueType font to an image, no text layer), Woo stamps, and bundles of several documents."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageDraw, ImageFont

A4_PX_300DPI = (2480, 3508)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)  # Pillow's bundled FreeType font


def scan_image(
    lines: list[str],
    *,
    redact: list[str] = (),
    black_out: list[str] = (),  # type: ignore[assignment]
) -> Image.Image:
    """An A4 page at 300 dpi with ``lines`` printed on it; each word in ``redact`` is covered by
    a black box with its ground printed beside it ('5.1.2e'), as Woo releases draw them; each
    word in ``black_out`` by a black box alone (no ground printed)."""
    img = Image.new("L", A4_PX_300DPI, 255)
    draw = ImageDraw.Draw(img)
    font = _font(38)
    y = 260
    for line in lines:
        x = 220
        for word in line.split(" "):
            if word in redact or word in black_out:
                w = max(int(draw.textlength(word, font=font)), 120)
                draw.rectangle((x, y + 4, x + w, y + 44), fill=0)
                x += w + 12
                if word in redact:
                    draw.text((x, y), "5.1.2e", font=font, fill=0)
                    x += int(draw.textlength("5.1.2e ", font=font))
                continue
            draw.text((x, y), word, font=font, fill=0)
            x += int(draw.textlength(word + " ", font=font))
        y += 64
    return img


@dataclass
class Page:
    """One page of a generated PDF: typed lines, or a scan of lines; optional Woo stamp."""

    lines: list[str]
    scanned: bool = False
    stamp: str | None = None  # e.g. 'Document 2', printed as text in the top margin
    footer: str | None = None  # e.g. 'Pagina 1 van 2'
    redact: tuple[str, ...] = ()
    black_out: tuple[str, ...] = ()
    layer: str | None = None  # a scan's (invisible) OCR text layer, as a scanner writes one


def make_pdf(pages: list[Page]) -> bytes:
    """A PDF of ``pages``; scanned pages are images without a text layer (except the stamp)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for page in pages:
        pdf.add_page()
        if page.scanned:
            buf = io.BytesIO()
            scan_image(page.lines, redact=list(page.redact), black_out=list(page.black_out)).save(
                buf, "PNG"
            )
            pdf.image(buf, x=0, y=0, w=210, h=297)
            if page.layer is not None:
                pdf.set_font("Helvetica", size=11)
                pdf.text_mode = TextMode.INVISIBLE
                pdf.set_xy(20, 22)
                for line in page.layer.splitlines():
                    pdf.set_x(20)
                    pdf.cell(170, 5.4, line.encode("latin-1", "replace").decode("latin-1"))
                    pdf.ln(5.4)
                pdf.text_mode = TextMode.FILL
        else:
            pdf.set_font("Helvetica", size=11)
            pdf.set_xy(20, 25)
            for line in page.lines:
                pdf.set_x(20)
                pdf.multi_cell(170, 6, line.encode("latin-1", "replace").decode("latin-1"))
        pdf.set_font("Helvetica", size=9)
        if page.stamp:
            pdf.set_xy(150, 8)
            pdf.cell(50, 5, page.stamp)
        if page.footer:
            pdf.set_xy(150, 285)
            pdf.cell(50, 5, page.footer)
    return bytes(pdf.output())


MINUTES_1 = [
    "Verslag overleg Digitale Toegang",
    "Datum: 14 maart 2024",
    "Aanwezig: Jansen (voorzitter), De Vries, Bakker",
    "1. Opening en mededelingen",
    "De voorzitter opent de vergadering en heet iedereen welkom.",
    "2. Begroting 2025",
    "Het ministerie verwacht een tekort van 3,4 miljoen euro op de begroting.",
    "Afgesproken wordt dat de werkgroep voor 1 mei een voorstel uitwerkt (actie Bakker).",
]
MINUTES_2 = [
    "3. Aanbesteding beheer",
    "De aanbesteding van het beheer loopt vertraging op door bezwaar van een leverancier.",
    "De Vries stuurt het bezwaarschrift rond voor de volgende vergadering.",
    "4. Rondvraag en sluiting",
    "De volgende vergadering is op donderdag 11 april 2024.",
]
EMAIL = [
    "Van: Bakker",
    "Verzonden: dinsdag 19 maart 2024 10:12",
    "Aan: Jansen; De Vries",
    "Onderwerp: Voorstel bezuinigingen werkgroep",
    "Beste collega's,",
    "Hierbij het voorstel voor de bezuinigingen van de werkgroep.",
    "De grootste post is het beheer van de oude koppelvlakken.",
    "Met vriendelijke groet, Bakker",
]
MEMO = [
    "Memo",
    "Aan: Directieraad",
    "Van: Directie Informatievoorziening",
    "Datum: 2 april 2024",
    "Onderwerp: Uitfasering oude koppelvlakken",
    "Wij adviseren de oude koppelvlakken per 1 januari 2026 uit te faseren.",
    "De besparing bedraagt naar schatting 1,2 miljoen euro per jaar.",
]
INVENTORY = [
    "Inventarislijst Woo-besluit Digitale Toegang",
    "Nr. Datum Document Beoordeling Weigeringsgrond",
    "1 14-03-2024 Verslag overleg Digitale Toegang Deels openbaar 5.1.2e",
    "2 19-03-2024 E-mail voorstel bezuinigingen Deels openbaar 5.1.2e",
    "3 02-04-2024 Memo uitfasering koppelvlakken Openbaar",
]


def bundle_pages(*, scanned_email: bool = True, inventory: bool = False) -> list[Page]:
    """A Woo release: minutes (two pages), an e-mail (a scan), a memo; each page stamped."""
    pages = [
        Page(MINUTES_1, stamp="Document 1", footer="Pagina 1 van 2"),
        Page(MINUTES_2, stamp="Document 1", footer="Pagina 2 van 2"),
        Page(EMAIL, scanned=scanned_email, stamp="Document 2"),
        Page(MEMO, stamp="Document 3", footer="Pagina 1 van 1"),
    ]
    if inventory:
        pages.insert(0, Page(INVENTORY))
    return pages
