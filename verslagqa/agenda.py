"""Agenda items read from the minutes' own agenda list.

Council minutes and decision lists label their agenda points with letters (``A``, ``B``, …,
``AA``) or numbers, with sub-points (``E.1``, ``3.2``), and print the list before the body.
The list is the authority on labels and titles; the body is found where each point is taken
up again:

* **treatments**: a later line that starts with the point's label and the first words of its
  title ('Aan de orde is: G. Voorstel van het college inzake …'). When most points are found
  that way, each item runs from its treatment to the next one (in the order they were taken,
  which need not be the agenda's); points listed but never taken up are items without text.
* **the list is the body**: a decision list is nothing but its agenda rows (``A  Vaststelling
  agenda  Conform``) with the motions voted under them; each row starts an item. Only letter
  labels are read this way: numbered bodies are the general heading finder's job.

Neither applies (no list of at least ``MIN_POINTS`` points in sequence, or the points are
neither taken up again nor letter rows): the caller falls back to its heading finder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import Line

__all__ = ["AgendaPoint", "agenda_points", "find_agenda"]

#: A list needs this many top-level points in sequence to count as an agenda.
MIN_POINTS = 3
#: Points of a list that may be missing between two that are there.
MAX_SKIP = 2
#: Share of the listed points that must be taken up again for the treatment reading.
MIN_TREATED = 0.4
#: Unlabelled lines allowed between two points of a list: wrapped titles and group headings in
#: an agenda, the motions voted under a point in a decision list.
MAX_GAP = 15

_POINT = re.compile(
    r"^(?P<label>(?:[A-Z]{1,2}|\d{1,2})(?:\.\d{1,2})?)(?:\.(?=\s)|\s)\s*(?P<title>\S.*)$"
)
# What a decision list prints in its outcome column, at the end of a row.
OUTCOME_WORDS = (
    r"conform|aangenomen|verworpen|ingetrokken|aangehouden|niet behandeld|"
    r"niet aan de orde geweest|niet in stemming gebracht|stemmen staken|vastgesteld|"
    r"voor kennisgeving aangenomen|akkoord"
)
_TRAILING_OUTCOME = re.compile(rf"\s+(?:{OUTCOME_WORDS})\s*$", re.IGNORECASE)
_OUTCOME_CELL = re.compile(rf"(?:{OUTCOME_WORDS}|-)", re.IGNORECASE)


@dataclass
class AgendaPoint:
    label: str
    title: str
    index: int  # line of the agenda list
    treated: int | None = None  # line where it is taken up, if found


def _key(label: str) -> tuple[int, int]:
    """('E.1') → (5, 1); ('AB') → (28, 0); ('12') → (12, 0)."""
    top, _, sub = label.partition(".")
    if top.isdigit():
        n = int(top)
    else:
        n = 0
        for ch in top:
            n = n * 26 + (ord(ch) - 64)
    return n, int(sub) if sub else 0


def _follows(prev: str | None, label: str) -> bool:
    """Whether ``label`` can come right after ``prev`` in an agenda ('E' → 'E.1' or 'F')."""
    if prev is None:
        return _key(label) in ((1, 0), (1, 1))
    if prev[0].isdigit() != label[0].isdigit():
        return False
    (pt, ps), (lt, ls) = _key(prev), _key(label)
    # a point or two may be missing: left out of a release, or not read off the page
    return (lt == pt and ls == ps + 1) or (pt < lt <= pt + 1 + MAX_SKIP and ls in (0, 1))


def _match(ln: Line) -> re.Match[str] | None:
    if ln.heading > 0 or ln.bullet:
        text = ln.text
    else:
        text = ln.text.strip()
    m = _POINT.match(text)
    if m is None:
        return None
    label, title = m.group("label"), m.group("title")
    if label.isalpha() and len(label) == 2 and label[0] != "A":
        return None  # 'IK ben' is no label; two-letter points run AA, AB, …
    if not re.search(r"[^\W\d_]{3}", title):
        return None
    return m


def _under(label: str, text: str) -> bool:
    """Whether ``text`` names a motion or amendment numbered under point ``label`` ('K.3',
    'L.A')."""
    top = label.partition(".")[0]
    return bool(re.search(rf"\b{re.escape(top)}\.(?:\d{{1,2}}|[A-Z])\b", text))


def find_agenda(lines: list[Line]) -> list[AgendaPoint]:
    """The first agenda list of ``lines``: points in sequence from A (or 1), each title with
    its wrapped continuation lines; [] when there is none of at least ``MIN_POINTS``."""
    best: list[AgendaPoint] = []
    i = 0
    while i < len(lines):
        m = _match(lines[i])
        if m is None or not _follows(None, m.group("label")):
            i += 1
            continue
        run = [AgendaPoint(m.group("label"), _title(m.group("title")), i)]
        j, gap = i + 1, 0
        while j < len(lines) and gap <= MAX_GAP:
            mj = _match(lines[j])
            if mj is not None and _follows(run[-1].label, mj.group("label")):
                run.append(AgendaPoint(mj.group("label"), _title(mj.group("title")), j))
                gap = 0
            elif (mj is not None and mj.group("label") == run[-1].label) or _under(
                run[-1].label, lines[j].text
            ):
                gap = 0  # the point's closing row or a motion under it ('Motie K.3') in a list
            else:
                gap += 1
                text = lines[j].text.strip()
                # a wrapped title goes on in lower case or with a bracketed number
                if gap == 1 and text and (text[0].islower() or text.startswith("(")):
                    run[-1].title = f"{run[-1].title} {text}"
                    gap = 0
            j += 1
        if len({_key(p.label)[0] for p in run}) < MIN_POINTS and run[0].label.isalpha():
            run = _run_on(run, lines)  # letter points far apart: minutes written under A, B, …
        if len({_key(p.label)[0] for p in run}) >= MIN_POINTS:
            best = run
            break
        i += 1
    for p in best:
        p.title = p.title.rstrip(" .")
    return best


def _title(text: str) -> str:
    """A listed point's title without a decision list's outcome column."""
    cells = [c.strip() for c in text.split("\t")]
    cells = [c for c in cells if not _OUTCOME_CELL.fullmatch(c)]
    return _TRAILING_OUTCOME.sub("", " ".join(cells)).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]{2,}", text.lower())


def _same_title(listed: str, found: str) -> bool:
    """The treatment line starts like the listed title (first five words, or all of a shorter
    title)."""
    a, b = _words(listed)[:5], _words(found)[:5]
    n = min(len(a), 5)
    return n > 0 and a[:n] == b[:n]


def agenda_points(lines: list[Line]) -> list[AgendaPoint] | None:
    """The agenda points with the line where each item's body starts (``treated``), or None
    when the minutes are not laid out by their agenda list (see the module doc)."""
    points = find_agenda(lines)
    if not points:
        return None
    after = points[-1].index + 1
    taken: set[int] = set()
    for p in points:
        for k in range(after, len(lines)):
            if k in taken:
                continue
            m = _match(lines[k])
            if m and m.group("label") == p.label and _same_title(p.title, m.group("title")):
                p.treated = k
                taken.add(k)
                break
    treated = sum(p.treated is not None for p in points)
    if treated >= MIN_TREATED * len(points):
        _by_label_between(points, lines, taken)
        return points
    if points[0].label.isalpha():
        points = _run_on(points, lines)
        for p in points:  # the list is the body
            p.treated = p.index
        return points
    return None


def _by_label_between(points: list[AgendaPoint], lines: list[Line], taken: set[int]) -> None:
    """A point whose title the minutes word otherwise ('3. Verslag 12 februari' for '3.
    Vaststelling verslag vergadering 12 februari') is taken up at a line with its label
    between the treatments of the points before and after it."""
    for n, p in enumerate(points):
        if p.treated is not None:
            continue
        lo = max((q.treated for q in points[:n] if q.treated is not None), default=None)
        hi = min((q.treated for q in points[n + 1 :] if q.treated is not None), default=None)
        if lo is None or hi is None or hi <= lo:
            continue
        for k in range(lo + 1, hi):
            m = _match(lines[k])
            if k not in taken and m and m.group("label") == p.label:
                p.treated = k
                taken.add(k)
                break


def _run_on(points: list[AgendaPoint], lines: list[Line]) -> list[AgendaPoint]:
    """A list that is the body goes on past a long point: the next labels in sequence, however
    far down (a point of minutes written under letters may run for pages)."""
    out = list(points)
    for k in range(out[-1].index + 1, len(lines)):
        m = _match(lines[k])
        if m is not None and _follows(out[-1].label, m.group("label")):
            out.append(AgendaPoint(m.group("label"), _title(m.group("title")), k))
    return out
