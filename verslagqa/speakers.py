"""Who speaks where, in verbatim minutes.

Verbatim council minutes open every turn of speech with its speaker, then a full stop or a
colon: 'Rita Verdonk (Hart voor Den Haag).', 'Wethouder Van Asten (D66).', 'De voorzitter.',
'Mevrouw Arp (SP):', 'De heer Meinesz:'. A turn runs to the next turn or the next agenda item.
Minutes that are not verbatim have no such lines; a document counts as verbatim only when at
least ``MIN_TURNS`` turns name a party or a role, so a stray 'Wethouder X:' in a summary does
not make speakers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .schemas import AgendaItem, Speaker

__all__ = ["chair_name", "find_speakers", "speaker_at"]

#: Turns with a party or role a document needs before its turns are read as speakers.
MIN_TURNS = 3

_ROLE = (
    r"(?i:wethouder|loco-burgemeester|burgemeester|gedeputeerde|griffier|staatssecretaris"
    r"|minister|commissaris van de koning|dijkgraaf|secretaris)"
)
_HONORIFIC = r"(?i:mevrouw|mevr\.|de heer|dhr\.|mw\.|mr\.|dr\.|drs\.|ir\.)"
_NAME_WORD = r"(?:(?:[A-Z]\.)+|[A-ZÀ-Þ][\w'’-]*|van|de|der|den|ten|ter|het|'t|in|la|le|du|el)"
# a turn at the start of a line, in any of its forms; inside a line (a turn run on after the
# last one's closing sentence) only with the speaker's party, the surest form
_TURN = re.compile(
    rf"(?m)(?:^|(?<=[.?!]\s))[ \t]*(?:"
    rf"(?P<chair>(?i:de\s+voorzitter))"
    rf"|(?:(?P<role>{_ROLE})\s+)?(?P<honor>{_HONORIFIC}\s+)?"
    rf"(?P<name>(?:(?:[A-Z]\.)+\s*)?[A-ZÀ-Þ][\w'’-]*(?:[ \t]+{_NAME_WORD}){{0,5}})"
    rf"(?:[ \t]*\((?P<party>[^()\n]{{1,40}})\))?"
    rf")[ \t]*[.:](?=\s|$)"
)
_PARTICLES = ("van", "de", "der", "den", "ten", "ter", "het", "in")
_RECORD_LINE = re.compile(
    r"(?im)^[ \t]*(?:besluit|besloten|conclusie|actie|actiepunt|afspraak|afspraken)\s*:"
    r"|^[ \t]*in\s+stemming\s+(?:komt|komen)\b"
)


def _turns(text: str, chair: tuple[str, str]) -> list[tuple[int, str, str, str, bool]]:
    """(offset, name, party, role, certain) for every line that opens like a turn; the chair's
    turns named from ``chair`` (name, office)."""
    out = []
    chair_surname = chair[0].split()[-1].lower() if chair[0] else ""
    for m in _TURN.finditer(text):
        inline = m.start() > 0 and text[m.start() - 1] != "\n"
        if m.group("chair"):
            if not inline:
                out.append((m.start("chair"), chair[0] or "voorzitter", "", "voorzitter", True))
            continue
        name = m.group("name").strip()
        party = (m.group("party") or "").strip()
        role = (m.group("role") or "").lower()
        if name.split()[-1].lower() in _PARTICLES or (inline and not party):
            continue
        start = (
            m.start("role") if role else m.start("honor") if m.group("honor") else m.start("name")
        )
        if not role and chair_surname and name.split()[-1].lower() == chair_surname:
            role = chair[1]  # 'De heer Van Zanen.' speaking as the burgemeester who chairs
        certain = bool(party or role)
        if not certain and not m.group("honor"):
            continue  # 'Dat is één.' is no turn; 'De heer Van Zanen.' may be
        out.append((start, name, party, role, certain))
    return out


def chair_name(value: str) -> tuple[str, str]:
    """The chair's name and office from a header's 'Voorzitter:' value ('de burgemeester, mr.
    J.H.C. van Zanen' → ('J.H.C. van Zanen', 'burgemeester'); 'de heer R. Sluijs,
    plaatsvervangend voorzitter' → ('R. Sluijs', ''))."""
    name, office = "", ""
    for part in value.split(","):
        m = re.match(rf"^\s*(?:de\s+)?({_ROLE})\b", part)
        if m and not office:
            office = m.group(1).lower()
        words = re.sub(
            rf"^\s*(?:{_HONORIFIC}\s*)*(?:de\s+)?(?:{_ROLE}\s*)?(?:{_HONORIFIC}\s*)*", "", part
        ).strip()
        if not name and re.search(r"[A-ZÀ-Þ][a-zà-ÿ]", words):
            name = words
    return name, office


def find_speakers(text: str, items: Sequence[AgendaItem] = (), chair: str = "") -> list[Speaker]:
    """The turns of speech in ``text`` (a meeting's cleaned text), each ending at the next
    turn or the next item's start; [] when the text is not verbatim minutes. ``chair``: the
    header's 'Voorzitter:' value, which names the turns of 'De voorzitter.'."""
    turns = _turns(text, chair_name(chair))
    if sum(t[4] for t in turns) < MIN_TURNS:
        return []
    # a turn ends at the next item, and at a line the minutes record in their own voice: a
    # decision, an action, a vote ('Besluit: …', 'Actie: …', 'In stemming komt …')
    record = [m.start() for m in _RECORD_LINE.finditer(text)]
    bounds = sorted({i.start for i in items} | set(record))
    out: list[Speaker] = []
    for k, (start, name, party, role, _) in enumerate(turns):
        end = turns[k + 1][0] if k + 1 < len(turns) else len(text)
        nxt = next((b for b in bounds if start < b < end), None)
        if nxt is not None:
            # the heading of the next item is not the speaker's: the turn ends before it
            end = nxt if nxt in record else _line_start(text, nxt)
        out.append(Speaker(start=start, end=end, name=name, party=party, role=role))
    return out


def _line_start(text: str, offset: int) -> int:
    """Start of the heading line just before ``offset`` (an item's text starts after it)."""
    head = text.rfind("\n", 0, max(offset - 1, 0))
    return head + 1 if head >= 0 else offset


def speaker_at(speakers: Sequence[Speaker], offset: int) -> Speaker | None:
    """The turn that holds ``offset``, if any."""
    for s in speakers:
        if s.start <= offset < s.end:
            return s
        if s.start > offset:
            break
    return None
