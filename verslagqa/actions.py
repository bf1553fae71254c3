"""Deterministic action-item extraction: explicit markers, action lines, lists and tables.

Minutes mark actions in a handful of ways, all handled by general rules:

* an inline marker at the end of a sentence: ``(actie CZ)``, ``(dit wordt opgepakt, actie
  MEVA)``, ``[actie: Frank]``;
* an action line: ``Actie Frank: stuurt de nota rond``, ``Actiepunt: DGLZ vraagt … op``,
  ``Actie (CZ): …``;
* the bullets under an "Actiepunten"/"Actielijst" heading (owner in brackets or after a dash);
* a table with an "Actiehouder"/"Wie"/"Eigenaar" column (and optionally "Deadline", "Punt").

Every action keeps the sentence or line it came from as ``source_quote`` (verbatim in the
meeting text) and its deadline resolved against the meeting date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from .chunk import sentence_spans
from .deadlines import resolve_deadline
from .schemas import ActionItem, AgendaItem, Meeting

__all__ = ["extract_actions", "filter_actions", "split_owners"]

_WHOLE_OWNERS = {"allen", "iedereen", "allemaal", "alle directies", "het mt", "mt"}
_OWNER_SPLIT = re.compile(r"\s*(?:/|,|;|&|\+|\ben\b|\band\b)\s*", re.IGNORECASE)

# "(actie CZ)", "(dit wordt opgepakt, actie MEVA)", "[actie: Frank]", "(acties: LZ en CZ)"
_INLINE = re.compile(
    r"[(\[](?P<inner>(?:[^()\[\]\n]{0,100}?[,;:]\s*)?acties?\b\s*:?\s*(?P<owner>[^()\[\]\n]{1,60}?))"
    r"\s*[)\]]",
    re.IGNORECASE,
)
# "Actie Frank: …", "Actiepunt: …", "Actie (CZ): …", "- Actie voor LZ: …"
_LINE = re.compile(
    r"^(?P<lead>\s*(?:[-*•]\s*|\d{1,2}[.)]\s*)?)(?:actiepunt|actie|action item|action)"
    r"(?:\s*\((?P<o1>[^)]{1,60})\)|\s+(?:voor\s+)?(?P<o2>[^:\n]{1,40}?))?\s*:\s*(?P<desc>\S.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_LIST_HEADING = re.compile(
    r"^\W*(?:nieuwe\s+|openstaande\s+)?(?:actiepunten|actielijst|acties|afspraken en acties"
    r"|actie- en besluitenlijst|besluiten en acties)\b",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+(?P<body>\S.*)$")
_NON_OWNER_START = {
    "de", "het", "een", "er", "dit", "deze", "dat", "die", "wij", "we", "zij", "hij", "ze", "graag",
    "na", "in", "op", "voor", "met", "bij", "om", "over", "nog", "ook", "verzoek", "vraag",
    "besluit", "besloten", "afgesproken", "opstellen", "uitzoeken", "nagaan", "navragen",
}  # fmt: skip
_NOT_OWNER = re.compile(
    r"^(?:is|wordt|zijn|worden|nodig|ondernemen|nemen|vereist|uitgezet|loopt|gereed|afgerond)\b",
    re.IGNORECASE,
)
_OWNER_HEADERS = re.compile(r"actiehouder|eigenaar|wie|trekker|verantwoordelijke?|owner", re.I)
_DESC_HEADERS = re.compile(r"^(?:actie(?:punt)?|omschrijving|wat|taak|onderwerp|action)$", re.I)
_DUE_HEADERS = re.compile(
    r"deadline|datum|gereed|wanneer|termijn|streefdatum|uiterlijk|planning|due", re.I
)
_ITEM_HEADERS = re.compile(r"^(?:agenda)?punt$|^agendapunt$|^ap$", re.I)
_ITEM_REF = re.compile(r"\b(?:agenda)?punt\s+(\d{1,2}[a-z]?(?:\.\d{1,2})?)\b", re.I)


def split_owners(text: str) -> list[str]:
    """'MO/Jeugd/LZ' → ['MO', 'Jeugd', 'LZ']; 'MO en pgb' → ['MO', 'pgb']; 'allen' stays whole."""
    text = re.sub(r"[*_`\"“”]+", "", text).strip().strip(" .:;,-–()[]").strip()
    if not text:
        return []
    if text.lower() in _WHOLE_OWNERS:
        return [text]
    parts = [p.strip().strip(" .:;,-–()[]").strip() for p in _OWNER_SPLIT.split(text)]
    return [p for p in parts if p]


def _owner_phrase_ok(owner: str) -> bool:
    words = owner.split()
    return 0 < len(words) <= 6 and not _NOT_OWNER.match(owner) and not owner.endswith("?")


def _sentence_before(text: str, pos: int, floor: int) -> int:
    """Start offset of the sentence that ends at ``pos`` (a marker usually follows it)."""
    head = text[floor:pos]
    spans = sentence_spans(head)
    # a marker after a closed sentence ("… opgestuurd? (actie MO)") belongs to that sentence
    while spans and not head[spans[-1][0] : spans[-1][1]].strip(" -*•"):
        spans.pop()
    return floor + spans[-1][0] if spans else floor


_CONNECTIVE = re.compile(
    r"^(?:vervolgens|daarna|daarbij|hierna|hiervoor|hierover|dit|deze|dat|die|ook|dan|zo)\b",
    re.IGNORECASE,
)


def _needs_context(sentence: str) -> bool:
    words = sentence.split()
    return 0 < len(words) < 5 or bool(_CONNECTIVE.match(sentence.strip()))


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end < 0 else end)


def _subject_owner(desc: str) -> list[str]:
    """The subject of 'DGLZ stuurt …' / 'De minister stuurt …' as owner, if it looks like one."""
    m = re.match(r"(?:(?:de|het)\s+)?([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)?)\s+[a-z]", desc)
    if m and m.group(0).split()[0].lower() not in _NON_OWNER_START - {"de", "het"}:
        head = m.group(0).split()[0].lower()
        if head in ("de", "het") or m.group(1).split()[0].lower() not in _NON_OWNER_START:
            return split_owners(m.group(1))
    m = re.match(r"(?:de|het)\s+(minister|staatssecretaris|voorzitter|wethouder)\b", desc)
    return [m.group(1)] if m else []


def _trailing_owner(body: str) -> tuple[str, list[str], str]:
    """Split 'Doe X (Frank, vrijdag)' / 'Doe X – Frank' into description, owners, rest."""
    m = re.search(r"\((?P<inside>[^()]{1,60})\)\s*\.?$", body)
    if m:
        bits = [b.strip() for b in m.group("inside").split(",")]
        owner_bits = [b for b in bits if resolve_deadline(b, None)[1] is None]
        rest = ", ".join(b for b in bits if b not in owner_bits)
        owners = [o for b in owner_bits for o in split_owners(b)]
        return body[: m.start()].strip(), owners, rest
    m = re.search(r"\s[–—-]\s+(?P<owner>[^–—-]{1,40})$", body)
    if m and _owner_phrase_ok(m.group("owner")):
        return body[: m.start()].strip(), split_owners(m.group("owner")), ""
    return body.strip(), [], ""


def _clean(desc: str) -> str:
    desc = re.sub(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+", "", desc)
    desc = re.sub(r"\s{2,}", " ", desc).strip(" ,;:-")
    return desc.rstrip(".") if desc.endswith(".") and not desc.endswith("..") else desc


def _item_for(meeting: Meeting, pos: int) -> AgendaItem | None:
    for it in meeting.items:
        if it.start <= pos < max(it.end, it.start + 1):
            return it
    return meeting.items[-1] if meeting.items else None


def _make(
    meeting: Meeting,
    item: AgendaItem | None,
    owners: list[str],
    desc: str,
    quote: str,
    due_source: str,
    origin: str,
) -> ActionItem:
    label = item.label if item else ""
    ref = _ITEM_REF.search(quote)
    if ref and any(i.label == ref.group(1).lower() for i in meeting.items):
        label = ref.group(1).lower()
    due_date, due_text = resolve_deadline(due_source, meeting.meeting_date)
    return ActionItem(
        owners=owners,
        description=_clean(desc),
        item_label=label,
        due_date=due_date,  # pydantic parses the ISO string
        due_text=due_text,
        source_quote=quote.strip(),
        meeting_id=meeting.meeting_id,
        meeting_date=meeting.meeting_date,
        origin=origin,
    )


def _inline(meeting: Meeting) -> Iterator[tuple[int, ActionItem]]:
    text = meeting.text
    for m in _INLINE.finditer(text):
        owner = m.group("owner").strip()
        if not _owner_phrase_ok(owner):
            continue
        line_start, _ = _line_bounds(text, m.start())
        bullet = re.match(r"\s*(?:[-*•–]|\d{1,2}[.)])\s+", text[line_start : m.start()])
        start = _sentence_before(text, m.start(), line_start + (bullet.end() if bullet else 0))
        if _needs_context(text[start : m.start()]):
            # "Vervolgens kan vanmiddag worden verzonden (actie X)" says nothing on its own:
            # the sentence before it names the thing
            start = _sentence_before(text, start, line_start + (bullet.end() if bullet else 0))
        sentence = text[start : m.start()]
        inner_prefix = m.group("inner")[: m.start("owner") - m.start("inner")]
        inner_prefix = re.sub(r"\bacties?\b\s*:?\s*$", "", inner_prefix, flags=re.I).strip(" ,;:")
        desc = sentence.strip()
        if not desc and inner_prefix:
            desc = inner_prefix
        quote = text[start : m.end()]
        yield (
            m.start(),
            _make(
                meeting,
                _item_for(meeting, m.start()),
                split_owners(owner),
                desc,
                quote,
                quote,
                "marker",
            ),
        )


def _lines(meeting: Meeting) -> Iterator[tuple[int, ActionItem]]:
    text = meeting.text
    for m in _LINE.finditer(text):
        desc = m.group("desc").strip()
        owner = m.group("o1") or m.group("o2") or ""
        owners = split_owners(owner) if owner and _owner_phrase_ok(owner) else []
        body, trailing, _ = _trailing_owner(desc)
        if not owners:
            owners = trailing or _subject_owner(body)
            desc = body if trailing else desc
        quote = m.group(0)[len(m.group("lead")) :]
        pos = m.start() + len(m.group("lead"))
        yield pos, _make(meeting, _item_for(meeting, pos), owners, desc, quote, desc, "marker")


def _split_row(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _tables(meeting: Meeting) -> Iterator[tuple[int, ActionItem]]:
    text = meeting.text
    lines = text.split("\n")
    offsets = []
    pos = 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    i = 0
    while i < len(lines):
        cells = _split_row(lines[i]) if lines[i].count("|") >= 2 else []
        owner_col = next((j for j, c in enumerate(cells) if _OWNER_HEADERS.search(c)), None)
        if owner_col is None:
            i += 1
            continue
        desc_col = next((j for j, c in enumerate(cells) if _DESC_HEADERS.match(c)), None)
        due_col = next((j for j, c in enumerate(cells) if _DUE_HEADERS.search(c)), None)
        item_col = next((j for j, c in enumerate(cells) if _ITEM_HEADERS.match(c)), None)
        i += 1
        while i < len(lines) and lines[i].count("|") >= 2:
            row = _split_row(lines[i])
            if all(re.fullmatch(r":?-{2,}:?|", c) for c in row) or len(row) <= owner_col:
                i += 1
                continue
            others = [c for j, c in enumerate(row) if j not in (owner_col, due_col, item_col)]
            desc = row[desc_col] if desc_col is not None and desc_col < len(row) else ""
            desc = desc or max(others, key=len, default="")
            if desc:
                raw = lines[i]
                start = offsets[i] + (len(raw) - len(raw.lstrip()))
                due = row[due_col] if due_col is not None and due_col < len(row) else ""
                action = _make(
                    meeting,
                    _item_for(meeting, start),
                    split_owners(row[owner_col]),
                    desc,
                    raw.strip(),
                    due,
                    "table",
                )
                if item_col is not None and item_col < len(row) and row[item_col]:
                    label = row[item_col].strip().rstrip(".").lower()
                    if any(it.label == label for it in meeting.items):
                        action.item_label = label
                yield start, action
            i += 1


def _lists(meeting: Meeting) -> Iterator[tuple[int, ActionItem]]:
    """Bullets under an 'Actiepunten' heading (or in an agenda item so titled)."""
    text = meeting.text
    regions: list[tuple[int, int]] = []
    for it in meeting.items:
        if _LIST_HEADING.match(it.title):
            regions.append((it.start, it.end))
    for m in re.finditer(r"^[^\n]*$", text, re.MULTILINE):
        if _LIST_HEADING.match(m.group(0)) and len(m.group(0).split()) <= 5:
            nxt = re.search(r"\n\s*\n(?!\s*(?:[-*•–]|\d{1,2}[.)])\s)", text[m.end() :])
            regions.append((m.end(), m.end() + nxt.start() if nxt else len(text)))
    seen: set[int] = set()
    for start, end in regions:
        for m in re.finditer(r"^[^\n]*$", text[start:end], re.MULTILINE):
            bm = _BULLET.match(m.group(0))
            pos = start + m.start()
            if not bm or pos in seen or _LINE.match(m.group(0)) or _INLINE.search(m.group(0)):
                continue
            seen.add(pos)
            body, owners, rest = _trailing_owner(bm.group("body"))
            if not owners:
                owners = _subject_owner(body)
            quote = m.group(0).strip()
            yield (
                pos,
                _make(meeting, _item_for(meeting, pos), owners, body, quote, rest or body, "list"),
            )


def extract_actions(meeting: Meeting) -> list[ActionItem]:
    """Every explicitly marked action in ``meeting``, in document order, without duplicates."""
    found: dict[str, tuple[int, ActionItem]] = {}
    for pos, action in [*_inline(meeting), *_lines(meeting), *_tables(meeting), *_lists(meeting)]:
        key = action.source_quote
        if key not in found:
            found[key] = (pos, action)
    return [a for _, a in sorted(found.values(), key=lambda pa: pa[0])]


def _owner_matches(wanted: str, owners: list[str]) -> bool:
    w = wanted.strip().lower()
    return any(
        o.lower() == w or re.search(rf"(?<!\w){re.escape(w)}(?!\w)", o.lower()) for o in owners
    )


def filter_actions(
    actions: Iterable[ActionItem],
    *,
    owner: str | None = None,
    van: dt.date | None = None,
    tot: dt.date | None = None,
) -> list[ActionItem]:
    """Actions of ``owner`` (a whole word of an owner, case-insensitive) in a date range.

    The date range applies to the meeting date; "allen" actions belong to every owner.
    """
    out = []
    for a in actions:
        if owner and not (_owner_matches(owner, a.owners) or _owner_matches("allen", a.owners)):
            continue
        if van and (a.meeting_date is None or a.meeting_date < van):
            continue
        if tot and (a.meeting_date is None or a.meeting_date > tot):
            continue
        out.append(a)
    return out
