"""Decisions with their outcome: votes in verbatim minutes and rows of a decision list.

Two records of the same thing, read by one grammar of Dutch council practice:

* **a vote** in minutes: 'In stemming komt motie H.1 SP.' followed by the outcome 'De motie
  wordt aangenomen met 31 tegen 13 stemmen.' (or 'met algemene stemmen'); a withdrawn or held
  motion ('Aangezien motie P.3 GL is aangehouden, …'); a verdict line on the item itself ('De
  agenda wordt ongewijzigd vastgesteld.', 'Deze voorstellen worden zonder stemming
  aangenomen.'); the parties for and against where the minutes list them ('Voor stemmen de
  leden van de fracties van …').
* **a row** of a decision list: what was decided and its outcome column ('321221 Motie H.1 SP
  Bewaar een plekje … Aangenomen', 'F.1 Voorstel … (RIS320816) Aangenomen', '321230
  Ingetrokken Amendement J.C …'); a row without an outcome is a group heading.

Each decision carries kind, number ('H.1', 'J.A', 'RIS320816'), outcome, the tally where
printed, the item it belongs to and the page its record stands on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .schemas import Decision, Meeting

__all__ = ["OUTCOMES", "decision_in", "find_votes", "outcome_of"]

#: Words of an outcome → the outcome.
OUTCOMES = {
    "aangenomen": "adopted",
    "vastgesteld": "adopted",
    "ongewijzigd vastgesteld": "adopted",
    "verworpen": "rejected",
    "ingetrokken": "withdrawn",
    "aangehouden": "postponed",
    "conform": "as_proposed",
    "niet behandeld": "not_treated",
    "niet aan de orde geweest": "not_treated",
    "niet in stemming gebracht": "not_treated",
    "stemmen staken": "tied",
    "stemmen gestaakt": "tied",
}
_OUTCOME_ALT = "|".join(sorted((re.escape(k) for k in OUTCOMES), key=len, reverse=True))
_OUTCOME_END = re.compile(rf"(?:^|\s)(?P<o>{_OUTCOME_ALT})\s*\.?\s*$", re.I)
_OUTCOME_ONLY = re.compile(rf"^\s*(?P<o>{_OUTCOME_ALT}|-)\s*\.?\s*$", re.I)
_KIND_WORDS = (
    r"(?:(?:gewijzigde?|geamendeerde?|aldus|nader|gewijzigd\s+en\s+geamendeerd)\s+)*"
    r"(?P<kind>motie|amendement|subamendement|initiatiefvoorstel|voorstel|raadsvoorstel)"
)
# 'H.1', 'J.A', 'K.10', 'M1', 'A12': the number a council gives a motion or amendment
_NUMBER = r"(?P<number>[A-Z]{1,2}\.?(?:\d{1,2}|[A-Z])(?![\w.]))"
_MOTION = re.compile(rf"(?i:{_KIND_WORDS})(?:\s+{_NUMBER})?")
_RIS = re.compile(r"\b(RIS\s?\d{5,7})\b")
_ROW_START = re.compile(r"^\s*(?P<ris>\d{5,7})\s+(?P<rest>\S.*)$")

_IN_STEMMING = re.compile(r"(?im)^\s*In stemming (?:komt|komen)\s+(?P<subject>.+?)\.?\s*$")
# the tally before or after the outcome: 'wordt aangenomen met 31 tegen 13 stemmen', 'is met 20
# stemmen voor en 15 tegen verworpen', 'met algemene stemmen aangenomen'
_TALLY = (
    r"met\s+(?:(?P<unanimous{n}>algemene\s+stemmen)|(?P<for{n}>\d{{1,3}})\s+(?:stemmen?\s+)?"
    r"(?:voor\s+)?(?:en|tegen)\s+(?P<against{n}>\d{{1,3}})(?:\s+stemmen?)?(?:\s+tegen)?)"
)
_RESULT = re.compile(
    rf"(?i)\b(?:wordt|worden|is|zijn)\s+(?:(?:dus|daarmee|derhalve)\s+)?"
    rf"(?:{_TALLY.format(n=1)}\s+)?"
    rf"(?:(?:ongewijzigd|zonder\s+(?:beraadslaging\s+en\s+zonder\s+)?stemming)\s+)?"
    rf"(?P<o>{_OUTCOME_ALT})"
    rf"(?:\s+{_TALLY.format(n=2)})?"
)
_WITHDRAWN = re.compile(
    rf"(?i)\baangezien\s+(?:de\s+)?(?:{_KIND_WORDS}(?:en)?)\s+(?P<list>.+?)\s+"
    rf"(?:is|zijn)\s+(?P<o>ingetrokken|aangehouden)"
)
_VERDICT = re.compile(
    rf"(?im)^\s*(?:De voorzitter[.:]\s*)?(?P<subject>(?:De|Het|Deze)\s+[^.\n]{{2,80}}?)\s+"
    rf"(?:wordt|worden|is|zijn)\s+(?:(?:ongewijzigd|zonder\s+beraadslaging\s+en\s+zonder\s+"
    rf"stemming|zonder\s+stemming|met\s+algemene\s+stemmen)\s+)?(?P<o>{_OUTCOME_ALT})\s*\."
)
_PARTIES = re.compile(
    r"(?i)\b(?P<side>voor|tegen)\s+(?:stemmen|stemt|hebben\s+gestemd)\s+(?:de\s+)?"
    r"(?:leden\s+(?:van\s+)?(?:de\s+)?)?(?:fracties?\s+(?:van\s+)?(?:de\s+)?)?(?P<list>[^.]+)\."
)


# -- decisions in prose minutes ---------------------------------------------------------------

# A sentence of prose minutes records a decision when it holds one of these words (the rule the
# development corpus was annotated against). A grammar of who decides and how ('het TO stemt in
# met', 'er is overeenstemming dat', passives, outcome notes), written while reading one body's
# misses, found more of that body's decisions (Logius F1 0.39 -> 0.44) and fewer of every
# other body's (samples 0.50 -> 0.31, UWV 0.50 -> 0.13, Noord-Holland 0.47 -> 0.13, Financiën
# 0.07 -> 0.00; evals/README.md): not kept.
_DECISION_WORD = re.compile(
    r"\b(afgesproken|besloten|besluit|akkoord|vastgesteld|ingestemd|stemt in|stemmen in"
    r"|goedgekeurd|conclusie)\b",
    re.IGNORECASE,
)
# what the decision was, where the sentence says it was not taken
_REJECTED = re.compile(
    r"(?i)\b(?:afgewezen|verworpen|niet\s+(?:akkoord|aangenomen|geaccepteerd|overgenomen|"
    r"ingestemd)|geen\s+(?:akkoord|draagvlak|consensus))\b"
)
_POSTPONED = re.compile(
    r"(?i)\b(?:aangehouden|uitgesteld|doorgeschoven|on\s+hold)\b|\bschuift\s+door\b"
)


def decision_in(sentence: str) -> str | None:
    """The outcome a sentence of prose minutes records ('adopted', 'rejected', 'postponed'),
    or None when it holds no decision word."""
    s = sentence.strip()
    if len(s.split()) < 3 or not _DECISION_WORD.search(s):
        return None
    if _REJECTED.search(s):
        return "rejected"
    if _POSTPONED.search(s):
        return "postponed"
    return "adopted"


def outcome_of(words: str) -> str | None:
    """'Aangenomen' → 'adopted', 'NIET AAN DE ORDE GEWEEST' → 'not_treated', '-' → None."""
    return OUTCOMES.get(re.sub(r"\s+", " ", words.strip().lower()))


@dataclass
class _Record:
    start: int  # offset in the meeting's text
    end: int
    subject: str
    outcome: str | None
    votes_for: int | None = None
    votes_against: int | None = None


def _kind_number(subject: str) -> tuple[str, str | None]:
    m = _MOTION.search(subject)
    kind = "other"
    number = None
    if m:
        word = m.group("kind").lower()
        kind = {"motie": "motion", "amendement": "amendment", "subamendement": "amendment"}.get(
            word, "proposal"
        )
        number = m.group("number")
    ris = _RIS.search(subject)
    if number is None and ris:
        number = ris.group(1).replace(" ", "")
    return kind, number


def _item_of(meeting: Meeting, offset: int) -> str:
    for item in meeting.items:
        if item.start <= offset <= item.end and item.text:
            return item.label
    return ""


def _label_from_number(number: str | None, labels: set[str]) -> str | None:
    """'H.1' under item H; 'J.A' under item J (a motion is numbered after its item)."""
    if not number:
        return None
    top = re.split(r"[.\d]", number, maxsplit=1)[0] or number[:1]
    return top if top in labels else None


def _votes(meeting: Meeting) -> Iterator[_Record]:
    """Vote records of verbatim minutes: 'In stemming komt …' and the result after it."""
    text = meeting.text
    for m in _IN_STEMMING.finditer(text):
        window = text[m.end() : m.end() + 400]
        nxt = _IN_STEMMING.search(window)
        window = window[: nxt.start()] if nxt else window
        r = _RESULT.search(window)
        if r is None:
            continue
        votes_for = r.group("for1") or r.group("for2")
        against = r.group("against1") or r.group("against2")
        yield _Record(
            m.start(),
            m.end() + r.end(),
            m.group("subject").strip(),
            outcome_of(r.group("o")),
            int(votes_for) if votes_for else None,
            int(against) if against else None,
        )
    for m in _WITHDRAWN.finditer(text):
        for part in re.split(r",\s*|\s+en\s+", m.group("list")):
            if re.search(_NUMBER, part):
                yield _Record(m.start(), m.end(), f"{m.group('kind')} {part.strip()}",
                              outcome_of(m.group("o")))  # fmt: skip


def _verdicts(meeting: Meeting, taken: list[tuple[int, int]]) -> Iterator[_Record]:
    """Lines that state an item's outcome outright ('De agenda wordt ongewijzigd vastgesteld.')."""
    for m in _VERDICT.finditer(meeting.text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        subject = m.group("subject")
        if re.search(r"(?i)\b(?:vergadering|beraadslaging|motie|amendement)\b", subject):
            continue  # 'De vergadering wordt geschorst'; motions come with their vote
        yield _Record(m.start(), m.end(), subject, outcome_of(m.group("o")))


def is_decision_list(meeting: Meeting) -> bool:
    """Whether ``meeting`` is laid out as a decision list: at least ``MIN_ROWS`` lines are
    rows whose own column holds an outcome ('…\tAangenomen'). An action table ('Jan\tQ2')
    or minutes with headings are none."""
    rows = 0
    for line in meeting.text.split("\n"):
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) >= 2 and any(outcome_of(c) for c in cells[1:]):
            rows += 1
            if rows >= MIN_ROWS:
                return True
    return False


#: Rows with an outcome column that make a document a decision list.
MIN_ROWS = 3


def _rows(meeting: Meeting) -> Iterator[_Record]:
    """Rows of a decision list: a row starts with a registration number or an item label and
    ends with its outcome column (on the same line, or alone on the line after a wrap)."""
    labels = {i.label for i in meeting.items if i.label}
    headings = {f"{i.label}. {i.title}".strip() for i in meeting.items if i.label}
    text = meeting.text
    pos = 0
    row: list[tuple[int, str]] = []

    def close(outcome_line: str | None) -> _Record | None:
        if not row:
            return None
        joined = " ".join(t.strip() for _, t in row)
        start, end = row[0][0], row[-1][0] + len(row[-1][1])
        outcome = None
        cells = [c.strip() for c in joined.split("\t")]
        column = [c for c in cells if outcome_of(c)]
        if outcome_line is not None:
            outcome = outcome_of(outcome_line)
        elif column:  # the outcome column of a row read with its columns
            outcome = outcome_of(column[-1])
            joined = " ".join(c for c in cells if c not in column)
        elif len(cells) >= 3 and len(cells[-1].split()) <= 4:
            # a row's last column holds its outcome even when it is no vote ('Begin Q2')
            outcome = "other"
            joined = " ".join(cells[:-1])
        else:
            m = _OUTCOME_END.search(joined)
            if m:
                outcome = outcome_of(m.group("o"))
                joined = joined[: m.start()].strip()
        head = _ROW_START.match(joined)
        rest = head.group("rest") if head else joined
        pre = re.match(rf"^(?P<o>{_OUTCOME_ALT})\s+(?P<rest>.*)$", rest, re.I)
        if pre:  # '321230 Ingetrokken Amendement J.C …'
            outcome, rest = outcome_of(pre.group("o")), pre.group("rest")
        rest = re.sub(r"\s+-$", "", rest)
        if outcome is None:
            return None
        return _Record(start, end, rest.strip(), outcome)

    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped or stripped in headings:
            continue  # an item's heading as the parser writes it, not a row of the list
        label = re.split(r"\s", stripped, maxsplit=1)[0]
        is_row = bool(_ROW_START.match(stripped)) or (
            label.rstrip(".") in labels and label != stripped
        )
        complete = row and any(outcome_of(c) for c in row[-1][1].split("\t")[1:])
        only = _OUTCOME_ONLY.match(stripped)
        if is_row:
            rec = close(None)
            if rec:
                yield rec
            row = [(start, line)]
        elif only and row:
            rec = close(only.group("o"))
            if rec:
                yield rec
            row = []
        elif row and len(row) < 3 and not complete and not _OUTCOME_END.search(row[-1][1]):
            row.append((start, line))  # a wrapped row
        else:
            rec = close(None)
            if rec:
                yield rec
            row = []
    rec = close(None)
    if rec:
        yield rec


def _parties(text: str) -> tuple[list[str], list[str]]:
    sides: dict[str, list[str]] = {"voor": [], "tegen": []}
    for m in _PARTIES.finditer(text):
        names = re.split(r",\s*|\s+en\s+", m.group("list"))
        sides[m.group("side").lower()] += [n.strip() for n in names if n.strip()]
    return sides["voor"], sides["tegen"]


def find_votes(meeting: Meeting, series: str = "") -> list[Decision]:
    """Every decision with an outcome that ``meeting`` records (see the module doc), in text
    order; a decision list's rows when it has any, else its votes and verdict lines."""
    labels = {i.label for i in meeting.items if i.label}
    records = list(_rows(meeting)) if is_decision_list(meeting) else []
    votes = list(_votes(meeting))
    records += votes
    records += _verdicts(meeting, [(r.start, r.end) for r in records])
    out: list[Decision] = []
    last_label: str | None = None
    for r in sorted(records, key=lambda r: r.start):
        kind, number = _kind_number(r.subject)
        item = _label_from_number(number, labels) if kind in ("motion", "amendment") else None
        if item is None and kind == "proposal" and r in votes and last_label:
            item = last_label  # 'het (aldus gewijzigde) voorstel' after the item's motions
        item = item or _item_of(meeting, r.start)
        last_label = item if kind in ("motion", "amendment") else None
        description = r.subject
        if (
            kind == "proposal"
            and item
            and re.fullmatch(
                r"(?i)(?:het\s+)?(?:aldus\s+)?(?:nader\s+)?(?:gewijzigde\s+)?voorstel", r.subject
            )
        ):
            title = next((i.title for i in meeting.items if i.label == item), "")
            description = title or r.subject  # the proposal the vote is on
            ris = _RIS.search(title)
            number = ris.group(1).replace(" ", "") if ris else number
        if kind == "proposal" and number is None and item:
            # a closing row names the proposal without its registration number: the item's
            title = next((i.title for i in meeting.items if i.label == item), "")
            ris = _RIS.search(title)
            number = ris.group(1).replace(" ", "") if ris else None
        targets = [item]
        if re.match(r"(?i)deze\s+(?:voorstellen|stukken|besluiten)\b", r.subject):
            targets = _listed_before(meeting, item)  # 'Deze voorstellen worden … aangenomen.'
        for target in targets:
            if target != item:
                title = next((i.title for i in meeting.items if i.label == target), "")
                description = title
                ris = _RIS.search(title)
                kind, number = "proposal", ris.group(1).replace(" ", "") if ris else None
            out.append(_decision(meeting, r, series, target, description, kind, number))
    return out


def _listed_before(meeting: Meeting, label: str) -> list[str]:
    """The sub-items listed together with ``label`` ('E.1' … 'E.9' when the verdict on 'Deze
    voorstellen' stands under E.9): the run of siblings up to it."""
    top = label.split(".")[0]
    run = [i.label for i in meeting.items if i.label.startswith(f"{top}.")]
    return run[: run.index(label) + 1] if label in run else [label]


def _decision(
    meeting: Meeting,
    r: _Record,
    series: str,
    item: str,
    description: str,
    kind: str,
    number: str | None,
) -> Decision:
    record = meeting.text[r.start : r.end]
    after = meeting.text[r.end : r.end + 600].split("In stemming")[0]
    parties_for, parties_against = _parties(after)
    return Decision(
        description=description,
        source_quote=record.strip(),
        item_label=item,
        meeting_id=meeting.meeting_id,
        meeting_date=meeting.meeting_date,
        series=series,
        kind=kind,
        number=number,
        outcome=r.outcome,
        votes_for=r.votes_for,
        votes_against=r.votes_against,
        parties_for=parties_for,
        parties_against=parties_against,
        page=meeting.page_at(r.start),
    )
