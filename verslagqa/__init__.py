"""verslagqa: question and summarise Dutch government meeting minutes with checked citations.

Quick start::

    import verslagqa
    meeting = verslagqa.parse_verslag("samples/verslagen/001_004031dcab60c761.txt")
    print(meeting.title, meeting.meeting_date, [i.label for i in meeting.items])
"""

from __future__ import annotations

from .parse import LoadResult, ParseFailure, VerslagParseError, load_verslagen, parse_verslag
from .schemas import AgendaItem, Meeting
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "AgendaItem",
    "LoadResult",
    "Meeting",
    "ParseFailure",
    "Settings",
    "VerslagParseError",
    "__version__",
    "load_verslagen",
    "parse_verslag",
]
