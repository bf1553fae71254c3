"""verslagqa: question and summarise Dutch government meeting minutes with checked citations.

Quick start::

    import verslagqa
    lib = verslagqa.Library.open("vectorstore")
    lib.add("samples/verslagen"); lib.search("deadline aanlevering CFA")[0]
"""

from __future__ import annotations

from .answer import CANNOT_ANSWER, Answer, Citation
from .index import IndexReport
from .library import Library
from .parse import (
    LoadResult,
    ParseFailure,
    VerslagParseError,
    load_verslagen,
    parse_file,
    parse_verslag,
)
from .retrieve import Hit, SearchFilters
from .schemas import AgendaItem, InventoryEntry, Meeting
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "AgendaItem",
    "Answer",
    "CANNOT_ANSWER",
    "Citation",
    "Hit",
    "IndexReport",
    "InventoryEntry",
    "Library",
    "LoadResult",
    "Meeting",
    "ParseFailure",
    "SearchFilters",
    "Settings",
    "VerslagParseError",
    "__version__",
    "load_verslagen",
    "parse_file",
    "parse_verslag",
]
