"""Pydantic data models shared by every pipeline stage."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

__all__ = ["AgendaItem", "Meeting", "REDACTION_TOKEN_PREFIX"]

#: Redacted passages appear in cleaned text as ``[weggelakt 5.1.2e]``.
REDACTION_TOKEN_PREFIX = "weggelakt"


class AgendaItem(BaseModel):
    """One agenda item (or the whole meeting when the verslag has no agenda numbering)."""

    label: str = Field(
        description="Agenda number as written, normalised: '1', '3a', '3.1'; '' when unnumbered."
    )
    title: str = Field(description="Heading text of the item, without its number.")
    text: str = Field(description="Cleaned body text of the item (page furniture removed).")
    start: int = Field(description="Start offset of `text` in Meeting.text.")
    end: int = Field(description="End offset of `text` in Meeting.text.")

    @property
    def display(self) -> str:
        """Human-readable reference: 'punt 3c Covid beleidskader fase 3'."""
        parts = []
        if self.label:
            parts.append(f"punt {self.label}")
        if self.title:
            parts.append(self.title)
        return " ".join(parts)


class Meeting(BaseModel):
    """A parsed verslag: metadata from the header plus the cleaned agenda items."""

    meeting_id: str = Field(description="Stable readable id: '2021-03-01-mt-dglz-breed'.")
    title: str = Field(description="Meeting name, from 'Betreft' (or the document heading).")
    meeting_date: dt.date | None = Field(description="Date the meeting took place.")
    start_time: str | None = Field(default=None, description="Start time, 'HH:MM'.")
    end_time: str | None = Field(default=None, description="End time, 'HH:MM'.")
    place: str | None = Field(default=None, description="Vergaderplaats / location.")
    attendees: list[str] = Field(default_factory=list, description="Aanwezig, one per entry.")
    absent: list[str] = Field(default_factory=list, description="Afwezig, one per entry.")
    document_date: dt.date | None = Field(
        default=None, description="Date of the document itself (letterhead 'Datum')."
    )
    classification: str | None = Field(
        default=None, description="Classification stamp such as 'Departementaal Vertrouwelijk'."
    )
    source: str = Field(description="Path of the file the meeting was read from.")
    sha256: str = Field(description="sha256 of the raw file bytes.")
    redactions: int = Field(default=0, description="Number of redaction codes in the meeting.")
    items: list[AgendaItem] = Field(default_factory=list, description="Agenda items in order.")
    text: str = Field(default="", description="Cleaned full text; item spans index into it.")

    def item(self, label: str) -> AgendaItem:
        """The item with this label (KeyError if absent)."""
        for it in self.items:
            if it.label == label:
                return it
        raise KeyError(label)

    def to_public_dict(self) -> dict:
        """The JSON shape of `verslagqa parse --json`."""
        data = self.model_dump(mode="json", exclude={"items", "text"})
        data["items"] = [{"label": i.label, "title": i.title, "text": i.text} for i in self.items]
        return data
