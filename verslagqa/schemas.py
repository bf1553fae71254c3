"""Pydantic data models shared by every pipeline stage."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, computed_field

__all__ = [
    "CANNOT_ANSWER",
    "ActionItem",
    "ActionStep",
    "AgendaItem",
    "Answer",
    "CheckResult",
    "Citation",
    "Decision",
    "InventoryEntry",
    "ItemSummary",
    "Meeting",
    "MeetingSummary",
    "REDACTION_TOKEN_PREFIX",
    "Speaker",
    "TrackedAction",
]

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


class InventoryEntry(BaseModel):
    """One row of a Woo release's inventory list."""

    number: str = Field(description="Document number as printed ('12', '12a').")
    date: dt.date | None = Field(default=None, description="Date of the document.")
    title: str = Field(default="", description="Title or description of the document.")
    assessment: str = Field(
        default="", description="'openbaar', 'deels openbaar', 'niet openbaar' or 'reeds openbaar'."
    )
    grounds: list[str] = Field(
        default_factory=list, description="Grounds applied, as codes ('5.1.2e', '5.1.1c')."
    )


class Speaker(BaseModel):
    """One turn of speech in verbatim minutes: who speaks from ``start`` to ``end`` of
    Meeting.text."""

    start: int = Field(description="Start offset of the turn in Meeting.text.")
    end: int = Field(description="End offset of the turn in Meeting.text.")
    name: str = Field(description="The speaker as introduced ('Rita Verdonk', 'Van Asten').")
    party: str = Field(default="", description="Party as printed ('Hart voor Den Haag').")
    role: str = Field(
        default="", description="Role where given: 'voorzitter', 'wethouder', 'burgemeester'."
    )

    @property
    def label(self) -> str:
        """'Rita Verdonk (Hart voor Den Haag)', 'wethouder Van Asten (D66)'."""
        who = f"{self.role} {self.name}".strip() if self.role != "voorzitter" else "de voorzitter"
        return f"{who} ({self.party})" if self.party else who


class Meeting(BaseModel):
    """A parsed document: a verslag (metadata from its header plus the cleaned agenda items), or
    another document of a Woo release (e-mail, memo, inventory list) with its own metadata."""

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
    warnings: list[str] = Field(
        default_factory=list,
        description="What the parser had to guess (no header, date from the file name, …).",
    )
    kind: str = Field(
        default="minutes",
        description="'minutes', 'email', 'memo', 'inventory' or 'document' (other).",
    )
    pages: tuple[int, int] | None = Field(
        default=None, description="First and last page in the PDF it came from (PDFs only)."
    )
    page_marks: list[tuple[int, int]] = Field(
        default_factory=list,
        description="(offset in `text`, page number) where a new page starts (PDFs only).",
    )
    ocr_pages: list[int] = Field(default_factory=list, description="Pages read by OCR.")
    document_number: str | None = Field(
        default=None, description="Document number printed by a Woo release ('12')."
    )
    subject: str | None = Field(default=None, description="Subject of an e-mail or memo.")
    sender: str | None = Field(
        default=None, description="Sender of an e-mail or memo, where not redacted."
    )
    recipients: list[str] = Field(
        default_factory=list, description="Recipients of an e-mail or memo, where not redacted."
    )
    inventory: InventoryEntry | None = Field(
        default=None, description="The inventory list's row for this document, when joined."
    )
    inventory_entries: list[InventoryEntry] = Field(
        default_factory=list, description="The rows, when this document is an inventory list."
    )
    record_end: int = Field(
        default=0,
        description="Meeting.text up to here is the header's record (date, place, who attended, "
        "who was absent), outside the agenda items.",
    )
    speakers: list[Speaker] = Field(
        default_factory=list, description="Turns of speech, in order (verbatim minutes)."
    )
    redaction_grounds: dict[str, int] = Field(
        default_factory=dict,
        description="Redactions per ground over every page ('10.2.e': 6; '' = no ground printed).",
    )

    @property
    def is_minutes(self) -> bool:
        return self.kind == "minutes"

    def page_at(self, offset: int) -> int | None:
        """The PDF page that holds ``offset`` of ``text`` (None for text files)."""
        page = self.pages[0] if self.pages else None
        for start, number in self.page_marks:
            if start > offset:
                break
            page = number
        return page

    def item(self, label: str) -> AgendaItem:
        """The item with this label (KeyError if absent)."""
        for it in self.items:
            if it.label == label:
                return it
        raise KeyError(label)

    def to_public_dict(self) -> dict:
        """The JSON shape of `verslagqa parse --json`."""
        data = self.model_dump(
            mode="json", exclude={"items", "text", "page_marks", "speakers", "record_end"}
        )
        data["items"] = [{"label": i.label, "title": i.title, "text": i.text} for i in self.items]
        return data


class ActionItem(BaseModel):
    """One action agreed in a meeting: who does what, under which agenda item, by when."""

    owners: list[str] = Field(
        description="Who must act, one entry per directorate/person as written ('CZ', 'adviseur "
        "DGLZ', 'allen'); empty when the minutes name nobody."
    )
    description: str = Field(
        description="What must be done, one short Dutch line in the words of the minutes."
    )
    item_label: str = Field(description="Label of the agenda item the action belongs to.")
    due_date: dt.date | None = Field(
        default=None, description="Deadline resolved against the meeting date (ISO), or null."
    )
    due_text: str | None = Field(
        default=None, description="The deadline as written ('dinsdag 2 maart'), or null."
    )
    source_quote: str = Field(
        description="The sentence of the minutes that records the action, verbatim."
    )
    meeting_id: str = Field(description="Id of the meeting the action comes from.")
    meeting_date: dt.date | None = Field(default=None, description="Date of that meeting.")
    status: str | None = Field(
        default=None,
        description="'open' or 'closed' where the minutes give a status (a status column, "
        "'gesloten', 'gereed', 'afgerond'), else null.",
    )
    origin: str = Field(
        default="marker",
        description="'marker' (found by an explicit action marker), 'table', 'list' or 'model' "
        "(an implied action added by the language model).",
    )
    number: str | None = Field(
        default=None,
        description="The action's number as the minutes print it ('324/01', '2'), or null.",
    )


class ActionStep(BaseModel):
    """One meeting's record of a tracked action: where it was opened, mentioned or closed."""

    meeting_id: str = Field(description="Id of the meeting.")
    meeting_date: dt.date | None = Field(default=None, description="Date of that meeting.")
    event: str = Field(description="'opened', 'mentioned' or 'closed'.")
    quote: str = Field(description="The line or sentence of the minutes, verbatim.")
    item_label: str = Field(default="", description="Agenda item of the quote.")
    how: str = Field(
        default="first",
        description="How the step was linked: 'first', 'number', 'similar' (an action of a "
        "later meeting like this one) or 'text' (a sentence of a later meeting).",
    )


class TrackedAction(BaseModel):
    """An action followed across the meetings of one series."""

    series: str = Field(description="The series (meetings of the same body) it belongs to.")
    number: str | None = Field(default=None, description="Action number, where printed.")
    owners: list[str] = Field(description="Owners as last recorded.")
    description: str = Field(description="What must be done, as last recorded.")
    status: str = Field(description="'open' or 'closed' (closed only when minutes say so).")
    first_seen: dt.date | None = Field(default=None, description="Date of the first meeting.")
    last_seen: dt.date | None = Field(default=None, description="Date of the last mention.")
    age_days: int | None = Field(
        default=None, description="Days from first seen to the reference date (open actions)."
    )
    due_date: dt.date | None = Field(default=None, description="Deadline, as last recorded.")
    due_text: str | None = Field(default=None, description="Deadline as written.")
    steps: list[ActionStep] = Field(description="Every meeting's record, oldest first.")


class Decision(BaseModel):
    """A decision or agreement recorded in a meeting."""

    description: str = Field(description="The decision, in the words of the minutes.")
    source_quote: str = Field(description="The sentence or line that records it, verbatim.")
    item_label: str = Field(default="", description="Agenda item it belongs to.")
    meeting_id: str = Field(description="Id of the meeting.")
    meeting_date: dt.date | None = Field(default=None, description="Date of that meeting.")
    series: str = Field(default="", description="The series of the meeting.")
    kind: str = Field(default="other", description="'proposal', 'motion', 'amendment' or 'other'.")
    number: str | None = Field(
        default=None, description="Number of the motion or amendment as printed ('H.1')."
    )
    outcome: str | None = Field(
        default=None,
        description="'adopted', 'rejected', 'withdrawn', 'postponed', 'as_proposed', "
        "'not_treated', 'tied' or None where the record gives no outcome.",
    )
    votes_for: int | None = Field(default=None, description="Votes for, where printed.")
    votes_against: int | None = Field(default=None, description="Votes against, where printed.")
    parties_for: list[str] = Field(default_factory=list, description="Parties voting for.")
    parties_against: list[str] = Field(default_factory=list, description="Parties voting against.")
    page: int | None = Field(default=None, description="PDF page the outcome stands on.")


class ItemSummary(BaseModel):
    """Summary of one agenda item."""

    label: str = Field(description="Agenda item label ('' when the meeting is unnumbered).")
    title: str = Field(description="Agenda item title.")
    summary: str = Field(description="1-3 Dutch sentences: what was discussed and concluded.")
    decisions: list[str] = Field(
        default_factory=list, description="Decisions taken (afgesproken, besloten, akkoord)."
    )
    extractive: bool = Field(
        default=False,
        description="True when the model failed and the summary is the item's lead sentences.",
    )
    attempts: int = Field(default=0, description="Model calls made for this item (0: no model).")


class MeetingSummary(BaseModel):
    """Structured summary of one meeting: per item, overall, and its action items."""

    meeting_id: str = Field(description="Id of the meeting.")
    title: str = Field(description="Meeting name.")
    meeting_date: dt.date | None = Field(description="Date of the meeting.")
    attendees: list[str] = Field(default_factory=list, description="Attendees as listed.")
    summary: str = Field(description="The meeting in at most ~120 Dutch words.")
    items: list[ItemSummary] = Field(description="One summary per agenda item, in order.")
    action_items: list[ActionItem] = Field(description="Every action item of the meeting.")
    model: str = Field(default="", description="Model that wrote the summary ('extractive').")
    source: str = Field(default="", description="Path of the verslag.")
    warnings: list[str] = Field(
        default_factory=list, description="Fallbacks taken (model output refused, …)."
    )

    def to_markdown(self) -> str:
        """A readable Markdown rendering."""
        head = f"# {self.title}"
        if self.meeting_date:
            head += f", {self.meeting_date.isoformat()}"
        lines = [head, ""]
        if self.attendees:
            lines += [f"**Aanwezig:** {', '.join(self.attendees)}", ""]
        lines += [self.summary, ""]
        for it in self.items:
            name = " ".join(p for p in (f"Punt {it.label}" if it.label else "", it.title) if p)
            lines.append(f"## {name or 'Verslag'}")
            lines.append(it.summary + (" _(extractief)_" if it.extractive else ""))
            lines += [f"- Besluit: {d}" for d in it.decisions]
            lines.append("")
        if self.action_items:
            lines += ["## Actiepunten", "", "| Wie | Wat | Punt | Wanneer |", "|---|---|---|---|"]
            for a in self.action_items:
                due = a.due_date.isoformat() if a.due_date else (a.due_text or "")
                lines.append(
                    f"| {', '.join(a.owners)} | {a.description} | {a.item_label} | {due} |"
                )
        return "\n".join(lines).rstrip() + "\n"


# -- answers -----------------------------------------------------------------------------------

#: The one phrase for "the minutes do not say": used by the prompts, the code and the tests.
CANNOT_ANSWER = "Dit staat niet in de verslagen."


class Citation(BaseModel):
    """Where a claim comes from: meeting, agenda item, file, and a verbatim quote."""

    n: int = Field(description="Number of the source as shown to the model.")
    meeting_id: str
    meeting_title: str
    meeting_date: str
    item_label: str
    item_title: str
    quote: str = Field(description="A sentence copied verbatim from the source text.")
    source: str = Field(description="Path of the verslag file ('release.pdf#pages=3-4').")
    page: int | None = Field(default=None, description="PDF page of the quote, or null.")
    kind: str = Field(default="minutes", description="'minutes', 'email', 'memo', …")
    speaker: str = Field(
        default="", description="Who speaks the quote in verbatim minutes ('' if not known)."
    )

    @property
    def ref(self) -> str:
        """'[MT DGLZ breed, 1 maart 2021, punt 3c]' (', p. 4]' for a PDF; the speaker last for
        verbatim minutes: '…, p. 12, Rita Verdonk (Hart voor Den Haag)]')."""
        from .chunk import reference

        ref = reference(
            self.meeting_title, self.meeting_date, self.item_label, self.page, self.kind
        )
        return f"[{ref}, {self.speaker}]" if self.speaker else f"[{ref}]"

    @property
    def heading(self) -> str:
        """The item title for reading: redactions counted ('POK claim (3 namen weggelakt)')."""
        from .textutil import display_title

        return display_title(self.item_title)


class CheckResult(BaseModel):
    """One check that ran on a model's answer (see ``verslagqa.checks``)."""

    name: str = Field(description="Which check: 'numbers', 'answers_question', …")
    passed: bool
    code: str = Field(default="", description="Reason code when it failed: 'stray_number', …")
    detail: str = Field(default="", description="What was found, for a reader.")


_NOTICES = {
    "checked": {"nl": "", "en": ""},
    "quoted": {
        "nl": "Het model gaf geen controleerbaar antwoord; dit is de zin uit de verslagen die er "
        "het dichtst bij komt. Lees de bron na.",
        "en": "The model gave no answer that could be checked; this is the sentence from the "
        "minutes that comes closest. Read the source.",
    },
    "model_error": {
        "nl": "Het taalmodel gaf een fout (zie --debug); dit zijn de zinnen uit de verslagen die "
        "het best bij de vraag passen, geen gecontroleerd antwoord.",
        "en": "The language model failed (see --debug); these are the sentences from the minutes "
        "that best match the question, not a checked answer.",
    },
    "no_model": {
        "nl": "Zonder taalmodel: dit zijn de zinnen uit de verslagen die het best bij de vraag "
        "passen, geen gecontroleerd antwoord.",
        "en": "No language model: these are the sentences from the minutes that best match the "
        "question, not a checked answer.",
    },
    "dates": {
        "nl": "De data van de vergaderingen waarin het onderwerp aan de orde was, uit de "
        "verslagen.",
        "en": "The dates of the meetings that discussed the topic, from the minutes.",
    },
    "withheld": {
        "nl": "Het antwoord is in de openbaar gemaakte verslagen weggelakt. Of de weggelakte "
        "naam de gevraagde is, kan niet worden nagegaan.",
        "en": "The answer is redacted in the released minutes. Whether the redacted name is "
        "the one asked for cannot be checked.",
    },
    "not_found": {
        "nl": "Niet gevonden in de verslagen.",
        "en": "Not found in the minutes.",
    },
}


class Answer(BaseModel):
    """An answer with checked citations, or an abstention.

    ``mode`` says what the answer is: ``llm`` — the model's answer, and every check passed;
    ``quoted`` — the model's answer failed a check, so the source sentence that best answers
    the question is shown instead (with a warning); ``extractive`` — no model was used (or it
    failed): the best-matching sentences are shown; ``dates`` — a question about when a
    meeting discussed something, answered by code with the dates of the meetings whose items
    name the topic; ``withheld`` — a who-question the model could not answer, where the passage
    on the topic has the name redacted: code says so, with the ground (and a warning)."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    mode: str = Field(description="'llm', 'quoted', 'extractive', 'dates' or 'withheld'.")
    model: str = Field(default="", description="Provider string of the model used.")
    warnings: list[str] = Field(default_factory=list)
    checks: list[CheckResult] = Field(
        default_factory=list, description="Every check that ran on the model's answer."
    )
    model_reply: str = Field(
        default="",
        description="The model's own answer as it wrote it, before the checks; it is the "
        "answer shown only when mode is 'llm' ('' when no model was asked).",
    )
    language: str = Field(default="nl", description="Language of the question: 'nl' or 'en'.")
    seconds: float = 0.0

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        """What the answer is, for a reader: 'checked' (the model's answer, every check
        passed), 'quoted' (a sentence of the minutes stands in for the model's answer),
        'no_model' (the best-matching sentences, no model asked), 'dates' (meeting dates from
        the record), 'withheld' (the answer is redacted) or 'not_found'."""
        if self.mode == "withheld" and not self.abstained:
            return "withheld"
        if self.abstained:
            return "not_found"
        if self.mode == "dates":
            return "dates"
        if self.mode == "llm":
            return "checked" if not self.warnings else "quoted"
        if self.mode == "extractive" and self.model in ("", "extractive"):
            return "no_model"
        if self.mode == "extractive" and any(w.startswith("model failed") for w in self.warnings):
            return "model_error"  # the model could not be reached or broke: say so
        return "quoted"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def notice(self) -> str:
        """The status in plain words in the question's language ('' for a checked answer):
        what the reader is shown under the answer. Internal scores and check names stay in
        ``warnings`` (``--json``, ``--debug``)."""
        return _NOTICES[self.status]["en" if self.language == "en" else "nl"]

    @property
    def label(self) -> str:
        """What a reader must know before the answer: that it quotes the minutes instead of
        being the model's answer ('' for a checked model answer or an abstention)."""
        if self.abstained or self.mode == "llm":
            return ""
        if self.mode == "dates":
            return "Vergaderdata uit de verslagen (niet het antwoord van het model):"
        if self.mode == "withheld":
            return "Weggelakt in de verslagen (niet het antwoord van het model):"
        if self.model in ("", "extractive"):
            return "Citaat uit de verslagen (zonder taalmodel):"
        return (
            "Citaat uit de verslagen, niet het antwoord van het model "
            "(dat de controle niet doorstond):"
        )

    def __str__(self) -> str:
        lines = [self.label] if self.label else []
        lines.append(self.answer)
        for c in self.citations:
            lines.append(f"  [{c.n}] {c.ref} {c.heading} — “{' '.join(c.quote.split())}”")
            lines.append(f"      {c.source}")
        if self.notice:
            lines.append(f"  (!) {self.notice}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Answer(\n{self}\n)"
