"""Deterministic action-item extraction: explicit markers, action lines, lists and tables.

Minutes mark actions in a handful of ways, all handled by general rules:

* an inline marker at the end of a sentence: ``(actie CZ)``, ``(dit wordt opgepakt, actie
  MEVA)``, ``[actie: Frank]``, or a trailing ``Actiepunt Logius/Stas`` after the sentence;
* an action line: ``Actie Frank: stuurt de nota rond``, ``Actiepunt: DGLZ vraagt … op``,
  ``Actie (CZ): …``, ``Huiswerk voor leden: …``;
* the entries of an action list: under a heading or line "Actiepunten", "Acties",
  "Vervolgafspraken", "Afgesproken vervolgacties", "Voorgestelde actie" (an owner after the
  colon, ``Actiepunten: @opvolger``, holds for every entry); nested entries belong to theirs;
* a table with an owner column ("Actiehouder", "Wie", "Eigenaar", "Verantwoordelijke(n)",
  "Trekker", "Naam", "Voor") and an action column, optionally "Deadline"/"Wanneer", "Status".

The owner is who does it: the owner column; the name after ``Actie``; an ``@mention``; a name
before a colon (``Eelco Hotting: plaatjes op github zetten``); a name in brackets or after a
dash at the end; ``aan X wordt gevraagd``; the subject of the sentence when it is a name (one
that the minutes also write capitalised mid-sentence, an abbreviation, or an attendee) and a
verb follows (``Logius werkt …``; not ``Marc Buis informeren``). Statuses written with the
action (``*gesloten*``, ``Status: Gereed``, a status column) are kept as open/closed.

Every action keeps the text it came from as ``source_quote`` (verbatim in the meeting text) and
its deadline resolved against the meeting date. An action listed twice in one meeting (in the
text and again in the closing action table) is reported once, the fuller record kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from functools import cache

from .deadlines import resolve_deadline
from .dutch import sentence_spans, tokenize
from .schemas import ActionItem, AgendaItem, Meeting
from .textutil import find_date

__all__ = ["action_status", "extract_actions", "filter_actions", "split_owners"]

_WHOLE_OWNERS = {"allen", "iedereen", "allemaal", "alle directies", "het mt", "mt"}
_OWNER_SPLIT = re.compile(r"\s*(?:/|,|;|&|\+|\ben\b|\band\b)\s*", re.IGNORECASE)

# "(actie CZ)", "(dit wordt opgepakt, actie MEVA)", "[actie: Frank]", "(acties: LZ en CZ)"
_INLINE = re.compile(
    r"[(\[](?P<inner>(?:[^()\[\]\n]{0,100}?[,;:]\s*)?acties?\b\s*:?\s*(?P<owner>[^()\[\]\n]{1,60}?))"
    r"\s*[)\]]",
    re.IGNORECASE,
)
_MARKER_WORDS = r"(?:actiepunt|actie|action item|action|huiswerk|toezegging)"
# "Actie Frank: …", "Actiepunt: …", "Actie (CZ): …", "- Actie voor LZ: …"
_LINE = re.compile(
    rf"^(?P<lead>\s*(?:[-*•]\s*|\d{{1,2}}[.)]\s*)?){_MARKER_WORDS}"
    r"(?:\s*\((?P<o1>[^)]{1,60})\)|\s+(?:voor\s+)?(?P<o2>[^:\n]{1,40}?))?\s*:\s*(?P<desc>\S.*)$",
    re.IGNORECASE | re.MULTILINE,
)
# "… en wil toevoegen. Actiepunt Logius/Stas" — a marker with its owner after the sentence
_TRAILING = re.compile(
    r"(?:(?<=[.!?])\s+|^\s*)(?:actiepunt|actie)\s+(?:voor\s+)?(?P<owner>[^.:;()\n]{1,40}?)\s*\.?$",
    re.IGNORECASE | re.MULTILINE,
)
_LIST_HEADING = re.compile(
    r"^\W*(?:(?:nieuwe|openstaande|voorgestelde|afgesproken|overige)\s+)?(?:vervolg)?"
    r"(?:actiepunten|actiepunt|actielijst|acties|actie|afspraken|vervolgafspraken|vervolgacties"
    r"|afspraken en acties|actie- en besluitenlijst|besluiten en acties)\b\W*?"
    r"(?::\s*(?P<owner>[^\n]{1,40}))?\s*$",
    re.IGNORECASE,
)
_ENTRY = re.compile(r"^(?P<indent>\s*)(?:[-*•–]\s+|\d{1,2}[.)]\s*(?=\S))(?P<body>\S.*)$")
_NOT_AN_ACTION = re.compile(
    r"^\W*(?:volgende\s+(?:bijeenkomst|vergadering|overleg|keer)|opname)\b", re.I
)
_NOT_OWNER = re.compile(
    r"^(?:is|wordt|zijn|worden|nodig|ondernemen|nemen|vereist|uitgezet|loopt|gereed|afgerond)\b",
    re.IGNORECASE,
)
_OWNER_HEADERS = re.compile(
    r"actiehouder|eigenaar|^wie\b|trekker|verantwoordelijke?|owner|uitvoerder", re.I
)
_WEAK_OWNER_HEADERS = re.compile(r"^(?:naam|voor|door|wie)$", re.I)
_DESC_HEADERS = re.compile(r"^(?:actie(?:punt)?|omschrijving|wat|taak|onderwerp|action)\b", re.I)
_DUE_HEADERS = re.compile(
    r"deadline|datum|data|gereed|wanneer|termijn|streefdatum|uiterlijk|planning|due", re.I
)
_STATUS_HEADERS = re.compile(r"^(?:status|stand(?: van zaken)?|voortgang|afgehandeld)$", re.I)
_NUMBER_HEADERS = re.compile(r"^(?:nr\.?|nummer|no\.?|#|actienummer|actienr\.?|id)$", re.I)
_ITEM_HEADERS = re.compile(r"^(?:agenda)?punt$|^agendapunt$|^ap$", re.I)
# an action number that names its meeting ('324/01', '12.3'): a bare '2' restarts every meeting
QUALIFIED_NUMBER = r"\d{1,4}[/.-]\d{1,4}(?:[/.-]\d{1,4})?"
_NUMBER_PREFIX = re.compile(rf"^(?P<num>{QUALIFIED_NUMBER})\s*[:.)-]?\s+(?P<rest>\S.*)$")
_ITEM_REF = re.compile(r"\b(?:agenda)?punt\s+(\d{1,2}[a-z]?(?:\.\d{1,2})?)\b", re.I)

# copulas and auxiliaries: 'VocBench is dode link' names no owner
_NOT_A_DEED = {
    "is", "zijn", "was", "waren", "wordt", "worden", "werd", "werden", "blijkt", "lijkt", "kan",
    "kunnen", "staat", "ligt", "bevat", "betreft", "heeft", "hebben", "had", "van", "en", "of",
    "voor", "in", "op", "met", "bij", "aan", "uit", "naar", "over", "de", "het", "een",
}  # fmt: skip
_PARTICLES = {"van", "de", "der", "den", "ter", "te", "het"}
_CLOSED = re.compile(
    r"^(?:gesloten|afgerond|gereed|klaar|done|closed|afgehandeld|voltooid|vervallen|in gereed"
    r"|ja)\b", re.I
)  # fmt: skip
_OPEN = re.compile(
    r"^(?:open|lopend|loopt|in behandeling|in bewerking|in review|in uitvoering|nieuw|nee"
    r"|doorlopend|pending|todo|to do)\b",
    re.I,
)


def split_owners(text: str) -> list[str]:
    """'MO/Jeugd/LZ' → ['MO', 'Jeugd', 'LZ']; 'MO en pgb' → ['MO', 'pgb']; 'allen' stays whole;
    'werkgroep Profielen en capabilities' (a named group) stays whole."""
    text = re.sub(r"[*_`\"“”@]+", "", text).strip().strip(" .:;,-–()[]").strip()
    if not text:
        return []
    if text.lower() in _WHOLE_OWNERS:
        return [text]
    if re.match(r"^[a-zà-ÿ]{5,}\s+[A-Z]", text) and not re.search(r"[/,;&+]", text):
        return [text]  # 'werkgroep Profielen en capabilities', 'opvolger van Gül'
    text = re.sub(r"\s*\((?:en\s+)?([^()]*)\)", r", \1", text)  # 'FSC-team (en implementors)'
    parts = [p.strip().strip(" .:;,-–()[]").strip() for p in _OWNER_SPLIT.split(text)]
    return [re.sub(r"^(?:o\.a\.|oa)\s+", "", p) for p in parts if p]


def action_status(text: str) -> str | None:
    """'open' / 'closed' from a status cell or a status written with the action."""
    t = text.strip().strip("*_ .:;()").lower()
    if not t:
        return None
    if _CLOSED.match(t):
        return "closed"
    if _OPEN.match(t):
        return "open"
    return None


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


# -- who is a name -----------------------------------------------------------------------------


class _Names:
    """Which capitalised words are names in this meeting: abbreviations, attendees, and words
    the minutes also write capitalised in the middle of a sentence (so 'Relevante', 'Verder'
    or 'Papieren' at the start of a sentence are not taken for an owner)."""

    def __init__(self, meeting: Meeting) -> None:
        self.mid: set[str] = set()
        for m in re.finditer(r"(?<=[a-zà-ÿ0-9,;)] )([A-Z][\w-]*)", meeting.text):
            self.mid.add(m.group(1))
        self.people = " ".join(meeting.attendees + meeting.absent)

    def is_name(self, phrase: str) -> bool:
        words = [w for w in phrase.split() if w.lower() not in _PARTICLES]
        if not words or not all(re.match(r"^[A-ZÀ-Ý]", w) for w in words):
            return False
        if any(len(re.findall(r"[A-Z]", w)) >= 2 for w in words):
            return True  # DGLZ, PZo, VNG, OAuth
        if len(words) >= 2:
            return True  # 'Eelco Hotting', 'Anna Bakker'
        return words[0] in self.mid or (len(words[0]) > 2 and words[0] in self.people)


_NAME = r"[A-ZÀ-Ý][\w-]*(?:\s+(?:(?:van|de|der|den|ter|te)\s+)*[A-ZÀ-Ý][\w-]*){0,3}"
# a title before the name: 'wethouder Bakker zorgt …', 'burgemeester De Groot vraagt …'
_ROLE = (
    r"wethouder|burgemeester|minister|staatssecretaris|voorzitter|raadslid|griffier|secretaris"
    r"|directeur|gedeputeerde|dijkgraaf|commissaris|projectleider|mevrouw|mevr\.|mw\.|de heer"
    r"|dhr\."
)
_SUBJECT = re.compile(
    rf"(?:^|(?<=\ben )|(?<=[.;:]\s))(?:(?:de|het)\s+)?(?:(?P<role>(?i:{_ROLE}))\s+)?"
    rf"(?P<name>{_NAME})\s+(?P<verb>[a-zà-ÿ]+)"
)


_PRONOUNS = {
    "de", "het", "een", "er", "dit", "deze", "dat", "die", "wij", "we", "zij", "hij", "ze", "men",
    "graag", "na", "in", "op", "voor", "met", "bij", "om", "over", "nog", "ook", "verzoek",
    "vraag", "besluit", "besloten", "afgesproken", "iedereen", "alles", "niemand", "hier", "daar",
}  # fmt: skip
_FINITE = {"zal", "wil", "moet", "kan", "mag", "gaat", "doet", "neemt", "komt", "geeft", "pakt"}


def _finite_singular(verb: str) -> bool:
    return verb in _FINITE or (len(verb) >= 4 and verb.endswith("t"))


def _subject_owner(desc: str, names: _Names) -> list[str]:
    """The subject of 'DGLZ stuurt …' / 'Verder onderzoeken en Logius zal …' / 'De minister
    stuurt …': a name (or a word followed by a finite verb) and a verb that is not an
    infinitive ('Marc Buis informeren over …' names the object, not the owner)."""
    vanuit = re.match(rf"^\W*(?i:vanuit)\s+(?:de\s+|het\s+)?(?P<name>{_NAME})", desc)
    if vanuit and names.is_name(vanuit.group("name")):
        return split_owners(vanuit.group("name"))  # 'Vanuit Logius wordt …': Logius
    for m in _SUBJECT.finditer(desc):
        name, verb = m.group("name"), m.group("verb")
        if verb in _NOT_A_DEED or (name.split()[0].lower() in _PRONOUNS and not m.group("role")):
            continue  # ('burgemeester De Groot': after a title 'De' begins a surname)
        single = len([w for w in name.split() if w.lower() not in _PARTICLES]) == 1
        if verb.endswith("en") and (single or len(name.split()) == 2) and verb not in ("gaan",):
            continue  # 'Marc Buis informeren over …': the name is the object
        if not (names.is_name(name) or (single and _finite_singular(verb))):
            continue
        if m.group("role"):
            return [f"{m.group('role')} {name}"]  # 'wethouder Bakker'
        return split_owners(name)
    role = re.match(r"(?:de|het)\s+(minister|staatssecretaris|voorzitter|wethouder)\b", desc, re.I)
    if role:
        return [role.group(1)]
    # 'secretaris stuurt notitie …': a title alone as the subject of a finite verb
    role = re.match(rf"^\W*(?:(?i:de)\s+)?(?P<role>(?i:{_ROLE}))\s+(?P<verb>[a-zà-ÿ]+)\b", desc)
    if role and _finite_singular(role.group("verb")) and role.group("verb") not in _NOT_A_DEED:
        return [role.group("role").lower()]
    return []


_MENTION = re.compile(
    r"(?<![\w.])@(?P<name>[\w-]+(?:\s+(?:(?:van|de|der|den)\s+)*[A-ZÀ-Ý][\w-]*){0,3})"
)
_ASKED = re.compile(
    r"\b(?:aan|verzoek aan)\s+"
    r"(?P<who>(?:de\s+|het\s+)?(?:alle\s+)?[\w-]+(?:\s+(?:van\s+de|van)\s+[\w-]+)?)"
    r"\s+(?:wordt|is|worden)\s+gevraagd",
    re.I,
)
# 'Frank Terpstra: mail sturen', 'Frank Terpstra — mail sturen' (a dash with spaces around it)
_PREFIX_OWNER = re.compile(rf"^(?P<name>{_NAME})(?:\s*:|\s+[–—-])\s+(?P<rest>\S.*)$")


def _mentions(text: str) -> list[str]:
    return [m.group("name").strip() for m in _MENTION.finditer(text) if "." not in m.group(0)[1:3]]


def _looks_like_owner(phrase: str) -> bool:
    """'wethouder Jansen', 'CZ', 'allen' — not 'documentatie' or 'auditable'."""
    phrase = phrase.strip()
    return (
        _owner_phrase_ok(phrase)
        and len(phrase.split()) <= 3
        and (bool(re.search(r"[A-ZÀ-Ý]", phrase)) or phrase.lower() in _WHOLE_OWNERS)
    )


def _trailing_owner(body: str) -> tuple[str, list[str], str]:
    """Split 'Doe X (Frank, vrijdag)' / 'Doe X – Frank' into description, owners, rest."""
    m = re.search(r"\((?P<inside>[^()]{1,60})\)\s*\.?$", body)
    if m:
        bits = [b.strip() for b in m.group("inside").split(",")]
        owner_bits = [b for b in bits if resolve_deadline(b, None)[1] is None]
        enumeration = any(re.fullmatch(r"(?i)etc\.?|enz\.?|e\.[ad]\.?", b) for b in bits)
        if owner_bits and not enumeration and all(_looks_like_owner(b) for b in owner_bits):
            rest = ", ".join(b for b in bits if b not in owner_bits)
            owners = [o for b in owner_bits for o in split_owners(b)]
            return body[: m.start()].strip(), owners, rest
    m = re.search(r"\s[–—-]\s+(?P<owner>[^–—-]{1,40})$", body)
    if m and _looks_like_owner(m.group("owner")):
        return body[: m.start()].strip(), split_owners(m.group("owner")), ""
    return body.strip(), [], ""


def _strip_status(body: str) -> tuple[str, str | None]:
    """'plaatjes op github zetten *open*' / '… Status: Gereed' → text, status."""
    m = re.search(
        r"(?:\s|^)[*_]?(open|gesloten|afgerond|gereed|closed|done)[*_]?\s*\.?$", body, re.I
    )
    if m and (m.group(0).strip().startswith(("*", "_")) or len(body.split()) > 2):
        return body[: m.start()].strip(), action_status(m.group(1))
    m = re.search(r"\bstatus\s*:\s*(?P<status>[\w ]{2,30}?)(?:[.:,!]|\s+\S*voorstel|$)", body, re.I)
    if m:
        return body, action_status(m.group("status"))
    return body, None


def _clean(desc: str) -> str:
    desc = re.sub(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s*", "", desc)
    desc = re.sub(r"\s{2,}", " ", desc).strip(" ,;:-")
    return desc.rstrip(".") if desc.endswith(".") and not desc.endswith("..") else desc


def item_for(meeting: Meeting, pos: int) -> AgendaItem | None:
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
    status: str | None = None,
) -> ActionItem:
    label = item.label if item else ""
    number = None
    numbered = _NUMBER_PREFIX.match(desc.strip())
    if numbered and not find_date(numbered.group("num")):
        number, desc = numbered.group("num"), numbered.group("rest")
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
        status=status,
        origin=origin,
        number=number,
    )


# -- the four ways minutes mark actions ------------------------------------------------------


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
        item = item_for(meeting, m.start())
        yield m.start(), _make(meeting, item, split_owners(owner), desc, quote, quote, "marker")


def _lines(meeting: Meeting, names: _Names) -> Iterator[tuple[int, ActionItem]]:
    text = meeting.text
    for m in _LINE.finditer(text):
        desc = m.group("desc").strip()
        owner = m.group("o1") or m.group("o2") or ""
        owners = split_owners(owner) if owner and _owner_phrase_ok(owner) else []
        body, trailing, _ = _trailing_owner(desc)
        if not owners:
            owners = _mentions(desc) or trailing or _subject_owner(body, names)
            desc = body if trailing else desc
        quote = m.group(0)[len(m.group("lead")) :]
        pos = m.start() + len(m.group("lead"))
        desc, status = _strip_status(desc)
        yield (
            pos,
            _make(meeting, item_for(meeting, pos), owners, desc, quote, desc, "marker", status),
        )


def _trailing_markers(meeting: Meeting) -> Iterator[tuple[int, ActionItem]]:
    """'… oppert om een afspraak te maken met X. Actiepunt Logius/Stas': the sentence before."""
    text = meeting.text
    for m in _TRAILING.finditer(text):
        owner = m.group("owner").strip()
        if not _owner_phrase_ok(owner) or len(owner.split()) > 3:
            continue
        line_start, _ = _line_bounds(text, m.start())
        if m.start() <= line_start + 1:
            continue  # a marker alone on its line is an action line or heading
        start = _sentence_before(text, m.start(), line_start)
        desc = text[start : m.start()].strip()
        if not desc:
            continue
        quote = text[start : m.end()]
        item = item_for(meeting, start)
        yield start, _make(meeting, item, split_owners(owner), desc, quote, desc, "marker")


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
        desc_col = next((j for j, c in enumerate(cells) if _DESC_HEADERS.match(c)), None)
        if owner_col is None and desc_col is not None:
            # 'Nr | Actie | Naam | status', 'Nr | Data | Actie | Voor'
            owner_col = next((j for j, c in enumerate(cells) if _WEAK_OWNER_HEADERS.match(c)), None)
        if owner_col is None:
            i += 1
            continue
        due_col = next(
            (j for j, c in enumerate(cells) if _DUE_HEADERS.search(c) and j != desc_col), None
        )
        item_col = next((j for j, c in enumerate(cells) if _ITEM_HEADERS.match(c)), None)
        status_col = next((j for j, c in enumerate(cells) if _STATUS_HEADERS.match(c)), None)
        number_col = next((j for j, c in enumerate(cells) if _NUMBER_HEADERS.match(c)), None)
        i += 1
        while i < len(lines) and lines[i].count("|") >= 2:
            if i + 1 < len(lines) and re.fullmatch(
                r"\s*\|?[\s:|-]*-{3,}[\s:|-]*\|?\s*", lines[i + 1]
            ):
                break  # the header row of the next table (a blank line between them is gone)
            row = _split_row(lines[i])
            if all(re.fullmatch(r":?-{2,}:?|", c) for c in row) or len(row) <= owner_col:
                i += 1
                continue
            skip = (owner_col, due_col, item_col, status_col, number_col)
            others = [c for j, c in enumerate(row) if j not in skip and not c.isdigit()]
            desc = row[desc_col] if desc_col is not None and desc_col < len(row) else ""
            desc = desc or max(others, key=len, default="")
            if desc:
                raw = lines[i]
                start = offsets[i] + (len(raw) - len(raw.lstrip()))
                due = row[due_col] if due_col is not None and due_col < len(row) else ""
                status = (
                    action_status(row[status_col])
                    if status_col is not None and status_col < len(row)
                    else None
                )
                action = _make(
                    meeting,
                    item_for(meeting, start),
                    split_owners(row[owner_col]),
                    desc,
                    raw.strip(),
                    due,
                    "table",
                    status,
                )
                if number_col is not None and number_col < len(row) and row[number_col]:
                    action.number = row[number_col].strip().rstrip(".")
                if item_col is not None and item_col < len(row) and row[item_col]:
                    label = row[item_col].strip().rstrip(".").lower()
                    if any(it.label == label for it in meeting.items):
                        action.item_label = label
                yield start, action
            i += 1


def _regions(meeting: Meeting) -> list[tuple[int, int, list[str]]]:
    """(start, end, owners) of every action list in the text: an item titled 'Actiepunten',
    or the lines under an 'Acties:' line (its sub-entries, when it is itself a list entry)."""
    text = meeting.text
    regions: list[tuple[int, int, list[str]]] = []
    for it in meeting.items:
        hm = _LIST_HEADING.match(it.title)
        if hm:
            regions.append((it.start, it.end, split_owners(hm.group("owner") or "")))
    for m in re.finditer(r"^[^\n]*$", text, re.MULTILINE):
        line = m.group(0)
        entry = _ENTRY.match(line)
        body = entry.group("body") if entry else line
        hm = _LIST_HEADING.match(body.strip())
        if not hm or len(body.split()) > 8 or _LINE.match(line):
            continue
        item = item_for(meeting, m.start())
        limit = max(item.end, m.end()) if item else len(text)
        if entry:
            indent = len(entry.group("indent"))
            end = limit
            for nxt in re.finditer(r"^[^\n]*$", text[m.end() + 1 : limit], re.MULTILINE):
                ln = nxt.group(0)
                if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
                    end = m.end() + 1 + nxt.start()
                    break
        else:
            gap = re.search(r"\n\s*\n(?!\s*(?:[-*•–]|\d{1,2}[.)])\s)", text[m.end() : limit])
            end = m.end() + gap.start() if gap else limit
        regions.append((m.end(), end, split_owners(hm.group("owner") or "")))
    return regions


def _lists(meeting: Meeting, names: _Names) -> Iterator[tuple[int, ActionItem]]:
    """Entries of an action list; nested entries and continuation lines belong to the entry."""
    text = meeting.text
    seen: set[int] = set()
    for start, end, list_owners in _regions(meeting):
        chunk = text[start:end]
        entries: list[tuple[int, str]] = []  # (offset, text of the entry incl. continuations)
        entry_indent: int | None = None
        for m in re.finditer(r"^[^\n]*$", chunk, re.MULTILINE):
            line = m.group(0)
            if not line.strip():
                continue
            e = _ENTRY.match(line)
            indent = len(e.group("indent")) if e else len(line) - len(line.lstrip())
            new_entry = e is not None and (entry_indent is None or indent <= entry_indent)
            if e is None and re.search(r"\bstatus\s*:", line, re.I) and entry_indent is not None:
                new_entry = indent <= entry_indent  # an issue line with its own status
            if new_entry:
                entry_indent = indent if entry_indent is None else entry_indent
                entries.append((start + m.start(), line))
            elif entries:
                off, body = entries[-1]
                entries[-1] = (off, body + "\n" + line)
        for pos, body in entries:
            first = body.split("\n", 1)[0]
            e = _ENTRY.match(first)
            if pos in seen or _LINE.match(first) or _INLINE.search(body):
                continue
            if _NOT_AN_ACTION.match(e.group("body") if e else first):
                continue
            seen.add(pos)
            yield pos, _list_entry(meeting, names, pos, body, list_owners)


def _list_entry(
    meeting: Meeting, names: _Names, pos: int, body: str, list_owners: list[str]
) -> ActionItem:
    first, _, rest = body.partition("\n")
    e = _ENTRY.match(first)
    head = e.group("body") if e else first.strip()
    full = " ".join([head] + [ln.strip() for ln in rest.split("\n") if ln.strip()])
    head, status = _strip_status(head)
    if status is None:
        _, status = _strip_status(full)
    owners: list[str] = _mentions(full)
    desc = head
    pm = _PREFIX_OWNER.match(head)
    if not owners and pm and names.is_name(pm.group("name")):
        owners, desc = split_owners(pm.group("name")), pm.group("rest")
    if not owners:
        owners = list_owners
    body_desc, trailing, rest_due = _trailing_owner(desc)
    if not owners and trailing:
        owners, desc = trailing, body_desc
    if not owners:
        asked = _ASKED.search(full)
        owners = [asked.group("who").strip()] if asked else _subject_owner(full, names)
    if owners == ["jullie"]:
        owners = []
    desc = re.sub(r"^[A-Z][\w-]*:\s+(?=@)", "", desc)  # 'Beheermodel: @Edwin …'
    quote = first.strip()
    due_source = rest_due or desc
    return _make(meeting, item_for(meeting, pos), owners, desc, quote, due_source, "list", status)


# -- one record per action ------------------------------------------------------------------


@cache
def _stems(text: str) -> frozenset[str]:
    return frozenset(t for t in tokenize(text) if not t.isdigit())


def _same_action(a: ActionItem, b: ActionItem) -> bool:
    """The same action recorded twice (in the text and in the action table)."""
    sa, sb = _stems(a.description), _stems(b.description)
    if not sa or not sb:
        return False
    shared = len(sa & sb) / min(len(sa), len(sb))
    owners_agree = (
        not a.owners
        or not b.owners
        or bool({o.lower() for o in a.owners} & {o.lower() for o in b.owners})
    )
    return shared >= 0.6 and owners_agree and a.origin != b.origin


def _fuller(a: ActionItem, b: ActionItem) -> ActionItem:
    rank = {"table": 3, "marker": 2, "list": 1, "prose": 0, "model": 0}
    return max(
        (a, b), key=lambda x: (bool(x.owners), rank.get(x.origin, 0), x.due_date is not None)
    )


# -- actions written in prose ----------------------------------------------------------------

# a promise: 'ik zeg toe', 'zegt toe', 'toegezegd', 'komt hierop terug', 'ik kom daarop terug'
# (not 'ik kom daarop terug': in a debate that is mostly a return to a point, not a promise)
_PROMISE = re.compile(
    r"(?i)\b(?:zeg(?:t|gen)?\s+(?:\S+\s+){0,4}?toe\b|toe\s+te\s+zeggen|toezeggen)"
)
# a deed to come: a modal or future verb, or a request
_WILL = re.compile(
    r"(?i)\b(?:zal|zullen|gaat|gaan|wil|willen|moet|moeten|wordt|worden|stuurt|sturen|neemt|"
    r"nemen|zorgt|zorgen|levert|leveren|informeert|informeren|onderzoekt|onderzoeken|bespreekt|"
    r"bespreken|werkt|werken|pakt|pakken|komt|komen|verzoekt|vraagt|gevraagd|verzoek)\b"
)
# a line whose owner follows an arrow: 'Tijdpad delen met deelnemers → MvF'
_ARROW = re.compile(r"^(?P<desc>[^\n]{8,}?)\s*(?:→|->|⇒|=>)\s*(?P<owner>[^\n→]{1,40}?)\s*$", re.M)
# history, a question or a condition that makes nothing due
_NOT_A_PLAN = re.compile(
    r"(?i)\?\s*$|\b(?:is|zijn|werd|werden|heeft|hebben)\s+(?:\S+\s+){0,6}?(?:gedaan|geweest|"
    r"afgerond|verstuurd|gestuurd|besproken|vastgesteld|toegezegd\s+in)\b|^\W*(?:als|indien|mocht)\b"
)
_FIRST_PERSON = re.compile(r"(?i)^\W*(?:\S+\s+){0,2}?(?:ik|wij|we)\b")


def _prose(meeting: Meeting, names: _Names) -> Iterator[tuple[int, ActionItem]]:
    """Actions written as prose, in any minutes: a promise ('ik zeg toe …', 'komt hierop
    terug'), and a deed to come with its deadline ('De gemeente stuurt de stukken voor 1 juni',
    'Het verslag wordt voor de zomer gedeeld', 'verzoek om … uiterlijk 15 september'). The owner
    is the sentence's subject; in verbatim minutes 'ik'/'wij' is the speaker."""
    text = meeting.text
    start = meeting.record_end
    for item in meeting.items:
        for a, b in sentence_spans(item.text):
            pos = item.start + a
            if pos < start:
                continue
            sentence = item.text[a:b].strip().lstrip("-*•– ").strip()
            if not _PROMISE.search(sentence):
                continue  # (cheap first: a 100-page debate has thousands of sentences)
            turn = next((t for t in meeting.speakers if t.start == pos), None)
            if turn is not None:  # 'Wethouder Klaassen: Ik zeg toe …': the speaker is no part
                sentence = re.sub(r"^[^.:]{1,80}?[.:]\s+", "", sentence, count=1)
            if len(sentence.split()) < 4 or _NOT_A_PLAN.search(sentence):
                continue
            if meeting.speakers and not _executive(meeting, pos):
                continue  # in a council, the executive promises; a member asks
            owners = _prose_owner(meeting, pos, sentence, names)
            yield pos, _make(meeting, item, owners, sentence, text[pos : item.start + b],
                             sentence, "prose")  # fmt: skip


_EXECUTIVE = ("wethouder", "burgemeester", "gedeputeerde", "minister", "staatssecretaris")


def _executive(meeting: Meeting, pos: int) -> bool:
    turn = next((t for t in meeting.speakers if t.start <= pos < t.end), None)
    return turn is not None and turn.role in _EXECUTIVE


def _prose_owner(meeting: Meeting, pos: int, sentence: str, names: _Names) -> list[str]:
    if meeting.speakers and _FIRST_PERSON.match(sentence):
        turn = next((t for t in meeting.speakers if t.start <= pos < t.end), None)
        if turn is not None:
            if turn.role in ("wethouder", "burgemeester", "gedeputeerde", "minister"):
                return [f"{turn.role} {turn.name}"]
            return [turn.name] if turn.role != "voorzitter" else ["college"]
    owners = _subject_owner(sentence, names)
    if owners:
        return owners
    # 'De gemeente stuurt …', 'Koerslijst providers zullen …': the words before the first verb
    m = re.match(r"^\W*((?:de|het)\s+)?(?P<np>[A-Za-zÀ-ÿ][\w-]*(?:\s+[\w-]+){0,2}?)\s+"
                 r"(?=(?:zal|zullen|gaat|gaan|stuurt|sturen|neemt|nemen|zorgt|zorgen|levert|"
                 r"informeert|onderzoekt|bespreekt|werkt|pakt|komt|komen|verzoekt|vraagt)\b)",
                 sentence, re.I)  # fmt: skip
    if m and m.group("np").split()[0].lower() not in _PRONOUNS:
        return [f"{m.group(1) or ''}{m.group('np')}".strip()]
    return []


def _arrows(meeting: Meeting) -> Iterator[tuple[int, ActionItem]]:
    """'Tijdpad delen met deelnemers → MvF': the owner after an arrow at the end of a line."""
    names = _Names(meeting)
    for m in _ARROW.finditer(meeting.text):
        owner = m.group("owner").strip(" .")
        # 'Validatie handmatig → geen garantie' concludes; only a name after the arrow owns
        if m.start() < meeting.record_end or not all(names.is_name(o) for o in split_owners(owner)):
            continue
        desc = m.group("desc").strip().lstrip("-*•– ").strip()
        item = item_for(meeting, m.start())
        yield m.start(), _make(meeting, item, split_owners(owner), desc, m.group(0), desc, "marker")


def extract_actions(meeting: Meeting) -> list[ActionItem]:
    """Every action in ``meeting``, in document order, without duplicates: marked ones (markers,
    action lines and lists, owner tables, arrows) and those written in prose (promises, deeds to
    come with their deadline)."""
    names = _Names(meeting)
    found: dict[str, tuple[int, ActionItem]] = {}
    sources = [
        *_inline(meeting),
        *_lines(meeting, names),
        *_trailing_markers(meeting),
        *_tables(meeting),
        *_lists(meeting, names),
        *_arrows(meeting),
    ]
    marked = [a.source_quote for _, a in sources]
    # a sentence a marked action already holds is not found again in prose
    sources += [
        (pos, a) for pos, a in _prose(meeting, names)
        if not any(a.source_quote in q or q in a.source_quote for q in marked)
    ]  # fmt: skip
    for pos, action in sources:
        key = action.source_quote
        if key not in found:
            found[key] = (pos, action)
    ordered = sorted(found.values(), key=lambda pa: pa[0])
    kept: list[tuple[int, ActionItem]] = []
    for pos, action in ordered:
        twin = next((k for k, (_, other) in enumerate(kept) if _same_action(action, other)), None)
        if twin is None:
            kept.append((pos, action))
        elif _fuller(action, kept[twin][1]) is action:
            kept[twin] = (kept[twin][0], action)
    return [a for _, a in kept]


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
