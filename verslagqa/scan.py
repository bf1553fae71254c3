"""What a scanned page tells beyond its text: how good a reading of it is, and its black bars.

* **Reading quality** ranks two readings of the same scanned page (the text layer the
  publisher's scanner wrote, and this project's OCR): the share of tokens that are well-formed
  words or numbers, times a factor for sentence punctuation, because a layer that lost every
  full stop and comma (some scanners' OCR keeps letters only) cannot be split into sentences and
  misreads words as well. The factor is 1 from ``PUNCT_FULL`` punctuated tokens on (Dutch prose
  has one in seven to one in fifteen) and falls to a quarter for none.
* **Black bars**: a redaction drawn as a filled box. Counted on the page image as dark
  regions the size of a word or a line of text (``BAR_HEIGHT`` inches high, at least
  ``BAR_WIDTH`` wide and filled for ``BAR_FILL``): table rules are too thin, logos too tall.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["black_bars", "reading_quality"]

#: Share of punctuated tokens from which a reading gets its full score.
PUNCT_FULL = 0.04
#: Height of a bar, in inches (a line of 8-20 pt text, up to two lines).
BAR_HEIGHT = (0.07, 0.6)
#: Narrowest bar, in inches (a short name).
BAR_WIDTH = 0.25
#: Share of a bar's box that is dark.
BAR_FILL = 0.8
#: Grey level under which a pixel is dark (0-255).
DARK = 90

_TOKEN = re.compile(r"\S+")
_WELL_FORMED = re.compile(
    r"^[(\"'‘“]*(?:[A-Za-zÀ-ÿ][a-zà-ÿ]+(?:-[A-Za-zÀ-ÿ][a-zà-ÿ]+)*|[A-Z]{2,6}"
    r"|\d{1,4}(?:[.,:/-]\d{1,4})*|[a-zà-ÿ])[)\"'’”.,:;!?]*$"
)


def reading_quality(text: str) -> float:
    """0..1: how faithful a reading of a page looks (see the module doc); 0 for no text."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return 0.0
    good = sum(bool(_WELL_FORMED.match(t)) for t in tokens) / len(tokens)
    punct = sum(t[-1] in ".,:;?!" for t in tokens) / len(tokens)
    return good * min(1.0, 0.25 + 0.75 * punct / PUNCT_FULL)


def black_bars(image: Image, dpi: float) -> list[tuple[int, int, int, int]]:
    """The filled dark boxes of a redaction's size on ``image`` (a page at ``dpi``), as pixel
    boxes (left, top, right, bottom)."""
    import numpy as np

    dark = np.asarray(image.convert("L")) < DARK
    min_w = max(2, int(BAR_WIDTH * dpi))
    # dark runs of at least min_w pixels per row, joined to the runs they touch in the row above
    parent: list[int] = []
    boxes: list[list[int]] = []  # x0, x1, y0, y1, dark pixels

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    previous: list[tuple[int, int, int]] = []
    for y in range(dark.shape[0]):
        row = dark[y]
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.view(np.int8), [0]))))
        current = []
        for x0, x1 in zip(edges[::2], edges[1::2], strict=True):
            if x1 - x0 < min_w:
                continue
            k = len(parent)
            parent.append(k)
            boxes.append([int(x0), int(x1), y, y + 1, int(x1 - x0)])
            for px0, px1, pk in previous:
                if px0 < x1 and x0 < px1:
                    ra, rb = find(pk), find(k)
                    if ra != rb:
                        parent[rb] = ra
            current.append((int(x0), int(x1), k))
        previous = current
    merged: dict[int, list[int]] = {}
    for k, (x0, x1, y0, y1, n) in enumerate(boxes):
        r = find(k)
        box = merged.setdefault(r, [x0, x1, y0, y1, 0])
        box[0], box[1] = min(box[0], x0), max(box[1], x1)
        box[2], box[3] = min(box[2], y0), max(box[3], y1)
        box[4] += n
    bars = []
    for x0, x1, y0, y1, n in merged.values():
        w, h = x1 - x0, y1 - y0
        if not BAR_HEIGHT[0] * dpi <= h <= BAR_HEIGHT[1] * dpi or w < max(min_w, 1.5 * h):
            continue
        if n / (w * h) >= BAR_FILL:
            bars.append((x0, y0, x1, y1))
    return sorted(bars, key=lambda b: (b[1], b[0]))
