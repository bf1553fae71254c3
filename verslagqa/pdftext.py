"""A PDF page's text layer as lines of words with their boxes, in reading order.

pdfium gives one character per index with its box, in the order the page's text objects were
written. Two things of a page's layout are kept that plain text loses:

* **columns**: two words on one line with a gap wider than ``COLUMN_GAP`` times the line's
  height stand in different columns; they are joined by a tab, not a space (a decision list's
  'A<TAB>Vaststelling agenda<TAB>Conform'), so a table row stays one row downstream;
* **cells written after their row**: a table cell that a producer writes after the wrapped
  text of the cell beside it ('F.1 Voorstel … maatschappelijke' / 'ondersteuning … (RIS320816)'
  / 'Aangenomen', all on the first line's height) is put back on the line it is printed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .textutil import is_redaction_only

__all__ = ["COLUMN_GAP", "WordBox", "page_text"]

#: (start, end) offsets in the page's text and the word's box in PDF points (left, bottom,
#: right, top), as pdfium or Tesseract gives it.
WordBox = tuple[int, int, float, float, float, float]

#: A gap between two words wider than this many line heights separates two columns.
COLUMN_GAP = 2.5
#: Wrapped lines of one cell a later cell may be written after.
MAX_WRAP = 3


@dataclass
class _Word:
    text: str
    box: tuple[float, float, float, float]


@dataclass
class _Line:
    words: list[_Word] = field(default_factory=list)
    tabs: set[int] = field(default_factory=set)  # word indexes that start a new column

    @property
    def left(self) -> float:
        return min(w.box[0] for w in self.words)

    @property
    def right(self) -> float:
        return max(w.box[2] for w in self.words)

    @property
    def bottom(self) -> float:
        return min(w.box[1] for w in self.words)

    @property
    def top(self) -> float:
        return max(w.box[3] for w in self.words)


def _chars(textpage: object) -> list[str]:
    """The page's characters by pdfium's character index (its text range may insert or drop
    characters, which would shift every box after them)."""
    import pypdfium2.raw as pdfium_c

    raw = textpage.raw  # type: ignore[attr-defined]
    n = textpage.count_chars()  # type: ignore[attr-defined]
    return [chr(pdfium_c.FPDFText_GetUnicode(raw, i) or 32) for i in range(n)]


def _lines(textpage: object) -> list[_Line]:
    raw = _chars(textpage)
    lines: list[_Line] = [_Line()]
    word: list[str] = []
    box = [0.0, 0.0, 0.0, 0.0]

    def flush() -> None:
        if word:
            lines[-1].words.append(_Word("".join(word), (box[0], box[1], box[2], box[3])))
            word.clear()

    for i, ch in enumerate(raw):
        if ch == "\r":
            continue
        if ch == "\n":
            flush()
            lines.append(_Line())
        elif ch.isspace():
            flush()
        else:
            left, bottom, right, top = textpage.get_charbox(i)  # type: ignore[attr-defined]
            if not word:
                box = [left, bottom, right, top]
            else:
                box = [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
            word.append("-" if ch in "\ufffe\x02" else ch)  # pdfium's mark of a joined hyphen
    flush()
    return lines


def _same_height(a: _Line, b: _Line) -> bool:
    overlap = min(a.top, b.top) - max(a.bottom, b.bottom)
    return overlap >= 0.5 * min(a.top - a.bottom, b.top - b.bottom)


def _restore_cells(lines: list[_Line]) -> list[_Line]:
    """Put a line written after the wrapped lines of the cell beside it back on its row."""
    out: list[_Line] = []
    for ln in lines:
        if not ln.words:
            out.append(ln)
            continue
        target = None
        for back in range(2, MAX_WRAP + 2):
            if len(out) < back:
                break
            row, between = out[-back], out[-back + 1 :]
            if not row.words or not all(b.words for b in between):
                break
            if (
                _same_height(row, ln)
                and ln.left > row.right
                and all(b.top < row.bottom + 1 and b.left >= row.left - 1 for b in between)
                and not any(_same_height(b, ln) for b in between)
            ):
                target = row
                break
        if target is not None:
            target.tabs.add(len(target.words))
            target.words.extend(ln.words)
        else:
            out.append(ln)
    return out


def _place_overlays(lines: list[_Line]) -> list[_Line]:
    """Put redaction marks written as overlays back where they stand. A redaction tool that
    replaces a name with its ground ('art. 10.2.e') may write the replacements after the
    page's text, even all on one line: each mark goes into the line printed at its height,
    among its words by position."""
    out: list[_Line] = []
    for ln in lines:
        text = " ".join(w.text for w in ln.words)
        if not ln.words or not is_redaction_only(text):
            out.append(ln)
            continue
        for group in _marks(ln.words):
            mark = _Line(group)
            home = next(
                (o for o in reversed(out) if o.words and _same_height(o, mark)
                 and not any(_overlaps(w, m) for w in o.words for m in group)),
                None,
            )  # fmt: skip
            if home is None:
                # a line of its own: under the nearest line above it in its column
                above = [
                    k for k, o in enumerate(out)
                    if o.words and o.bottom >= mark.top - 1 and o.left < mark.right
                    and mark.left < o.right
                ]  # fmt: skip
                at = min(above, key=lambda k: out[k].bottom - mark.top, default=len(out) - 1)
                out.insert(at + 1, mark)
                continue
            home.words = sorted([*home.words, *group], key=lambda w: w.box[0])
            home.tabs = set()  # the words moved: columns are told by their gaps again
    return out


def _marks(words: list[_Word]) -> list[list[_Word]]:
    """The words of a line of marks split into the marks at one height and next to each other
    ('art.' '10.2.e' | 'art.' '10.2.e')."""
    groups: list[list[_Word]] = []
    for w in words:
        last = groups[-1][-1] if groups else None
        if last is not None and abs(last.box[1] - w.box[1]) < 2 and 0 <= w.box[0] - last.box[2] < 8:
            groups[-1].append(w)
        else:
            groups.append([w])
    return groups


def _overlaps(a: _Word, b: _Word) -> bool:
    return (
        a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3] and b.box[1] < a.box[3]
    )


def page_text(textpage: object) -> tuple[str, list[WordBox]]:
    """The page's text (lines as printed, columns split by tabs) and every word's box."""
    lines = _restore_cells(_place_overlays(_lines(textpage)))
    chars: list[str] = []
    words: list[WordBox] = []
    size = 0
    for n, ln in enumerate(lines):
        if n:
            chars.append("\n")
            size += 1
        for k, w in enumerate(ln.words):
            if k:
                prev = ln.words[k - 1]
                height = max(w.box[3] - w.box[1], prev.box[3] - prev.box[1], 1.0)
                wide = w.box[0] - prev.box[2] > COLUMN_GAP * height
                chars.append("\t" if k in ln.tabs or wide else " ")
                size += 1
            start = size
            chars.append(w.text)
            size += len(w.text)
            words.append((start, start + len(w.text), *(round(v, 1) for v in w.box)))  # type: ignore[arg-type]
    return "".join(chars), words
