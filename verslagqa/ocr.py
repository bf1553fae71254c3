"""OCR of scanned PDF pages with Tesseract (Debian's ``tesseract-ocr`` and ``tesseract-ocr-nld``).

Tesseract is an optional system program: without it a scanned page is not read, and the
parser says so in one line that names the page and how to install it. Pages are rendered with
pdfium (``pypdfium2``, a wheel that carries its binary) and passed to ``tesseract`` on stdin.
OCR text is cached per file hash and page under ``<home>/ocr`` so a second read is instant.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import VerslagQAError

if TYPE_CHECKING:
    from PIL.Image import Image

    from .settings import OcrSettings

__all__ = [
    "INSTALL_HINT",
    "OcrCache",
    "OcrText",
    "text_from_tsv",
    "OcrError",
    "OcrUnavailable",
    "ocr_image",
    "ocr_status",
]

INSTALL_HINT = (
    "install Tesseract with its Dutch model to read scanned pages "
    "(Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-nld), "
    "or set VERSLAGQA_PARSE__OCR__ENABLED=false to skip them"
)


class OcrError(VerslagQAError, RuntimeError):
    """One page could not be OCR'd (Tesseract failed or timed out)."""


class OcrUnavailable(OcrError):
    """Tesseract or one of its language models is not installed."""


@functools.cache
def _languages(binary: str) -> frozenset[str]:
    try:
        out = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(ln.strip() for ln in out.stdout.splitlines()[1:] if ln.strip())


def ocr_status(language: str = "nld") -> str | None:
    """None when Tesseract can OCR ``language``; else what is missing, in one line."""
    binary = shutil.which("tesseract")
    if binary is None:
        return f"Tesseract is not installed: {INSTALL_HINT}"
    missing = [lang for lang in language.split("+") if lang not in _languages(binary)]
    if missing:
        return f"Tesseract has no language model {'+'.join(missing)}: {INSTALL_HINT}"
    return None


#: A word Tesseract read: (start, end) in the text, and its box in pixels (left, top, right,
#: bottom) of the image it read.
PixelWord = tuple[int, int, int, int, int, int]


class OcrText(str):
    """The text of an OCR'd page; ``words`` holds each word's place in the text and its box in
    the image's pixels, for locating a quote on the page."""

    words: list[PixelWord]

    def __new__(cls, text: str, words: list[PixelWord] | None = None) -> OcrText:
        obj = super().__new__(cls, text)
        obj.words = list(words or [])
        return obj


def text_from_tsv(tsv: str) -> OcrText:
    """Tesseract's TSV as text (words of a line joined by spaces, lines by newlines, a blank
    line between paragraphs) with every word's pixel box."""
    parts: list[str] = []
    words: list[PixelWord] = []
    size = 0
    last: tuple[str, str, str] | None = None
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        block, par, line = cols[2], cols[3], cols[4]
        if last is not None:
            sep = (
                " " if (block, par, line) == last else "\n" if (block, par) == last[:2] else "\n\n"
            )
            parts.append(sep)
            size += len(sep)
        last = (block, par, line)
        word = cols[11].strip()
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append((size, size + len(word), left, top, left + width, top + height))
        parts.append(word)
        size += len(word)
    return OcrText("".join(parts) + ("\n" if parts else ""), words)


def ocr_image(image: Image, settings: OcrSettings) -> OcrText:
    """The text Tesseract reads on ``image`` with its words' boxes (raises :class:`OcrError`
    on failure)."""
    problem = ocr_status(settings.language)
    if problem:
        raise OcrUnavailable(problem)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one page per core; threads only contend
    try:
        out = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", settings.language, "--psm", "3", "tsv"],
            input=buf.getvalue(),
            capture_output=True,
            timeout=settings.timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"Tesseract took longer than {settings.timeout_s:.0f} s") from None
    except OSError as exc:
        raise OcrError(f"Tesseract could not run ({exc})") from None
    if out.returncode != 0:
        msg = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"Tesseract failed ({msg[-1] if msg else out.returncode})")
    return text_from_tsv(out.stdout.decode("utf-8", "replace"))


#: OCR'd pages between two writes of a file's cache.
_SAVE_EVERY = 8


class OcrCache:
    """OCR text of one file's pages on disk: ``<dir>/<sha256 of the file>.json``."""

    def __init__(self, directory: Path | None, data: bytes, settings: OcrSettings) -> None:
        key = f"{settings.language}:{settings.dpi}:tsv"  # tsv: words with their boxes
        self.path = (
            directory / f"{hashlib.sha256(data).hexdigest()}.json"
            if directory is not None and settings.cache
            else None
        )
        self.key = key
        self._unsaved = 0
        self.pages: dict[str, str] = {}
        self.words: dict[str, list[list[int]]] = {}
        if self.path and self.path.exists():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                if stored.get("key") == key:
                    self.pages = {str(k): str(v) for k, v in stored["pages"].items()}
                    self.words = {str(k): v for k, v in stored.get("words", {}).items()}
            except (OSError, ValueError, KeyError, AttributeError):
                self.pages = {}  # a damaged cache file is ignored and rewritten

    def get(self, page: int) -> OcrText | None:
        text = self.pages.get(str(page))
        if text is None:
            return None
        words = [(a, b, c, d, e, f) for a, b, c, d, e, f in self.words.get(str(page), [])]
        return OcrText(text, words)

    def put(self, page: int, text: str) -> None:
        self.pages[str(page)] = str(text)
        self.words[str(page)] = [list(w) for w in getattr(text, "words", [])]
        self._unsaved += 1
        # written every few pages (and by flush): an interrupted run keeps most of its work,
        # and a thousand-page release is not rewritten a thousand times
        if self._unsaved >= _SAVE_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write what was read since the last write."""
        if self.path is None or not self._unsaved:
            return
        self._unsaved = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(
                json.dumps({"key": self.key, "pages": self.pages, "words": self.words}),
                encoding="utf-8",
            )
            tmp.replace(self.path)
        except OSError:
            pass  # a read-only home only costs the cache
