"""Structured per-meeting summaries and action lists.

Code does the bookkeeping, the model only writes prose: agenda items, decisions (sentences with
"afgesproken", "besloten", "akkoord", "Besluit:") and action items are found deterministically;
the model writes 1-3 sentences per item, a meeting summary, and clean one-line action
descriptions, each through JSON-schema output. A reply that fails validation is retried once
with the validation error; a second failure falls back to the item's lead sentences (flagged
``extractive``) or to the deterministic action text.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, Field, ValidationError, field_validator

from .actions import extract_actions
from .chunk import context_header, count_tokens
from .dutch import dutch_date, sentence_spans, split_sentences
from .prompting import load_prompt
from .safety import detect_language, is_injection
from .schemas import (
    CANNOT_ANSWER,
    ActionItem,
    AgendaItem,
    ItemSummary,
    Meeting,
    MeetingSummary,
)
from .textutil import REDACTION_TOKEN_RE, slugify

__all__ = [
    "SUMMARY_VERSION",
    "SummaryCache",
    "find_decisions",
    "lead_summary",
    "refine_actions",
    "structured_call",
    "summarize_item",
    "summarize_meeting",
]

log = logging.getLogger(__name__)

#: Bump when prompts or rules change so cached summaries are not reused.
SUMMARY_VERSION = "1"
MAX_ITEM_TOKENS = 700
MAX_MEETING_WORDS = 120

_DECISION = re.compile(
    r"\b(afgesproken|besloten|besluit|akkoord|vastgesteld|ingestemd|stemt in|stemmen in"
    r"|goedgekeurd|conclusie)\b",
    re.IGNORECASE,
)


def find_decisions(text: str) -> list[str]:
    """Sentences of ``text`` that record a decision or an agreement, verbatim."""
    out = []
    for s in split_sentences(text):
        s = s.strip().lstrip("-*• ").strip()
        if _DECISION.search(s) and len(s.split()) >= 3 and s not in out and not is_injection(s):
            out.append(s)
    return out


def _content_sentences(text: str) -> list[str]:
    return [
        s.lstrip("-*• ").strip()
        for s in (text[a:b] for a, b in sentence_spans(text))
        if REDACTION_TOKEN_RE.sub("", s).strip(" .,-*•")
        and len(s.split()) >= 3
        and not is_injection(s)
    ]


def _without_injections(text: str) -> str:
    """The text with sentences that address a language model removed: a verslag is data."""
    spans = sentence_spans(text)
    if not any(is_injection(text[a:b]) for a, b in spans):
        return text
    out, last = [], 0
    for a, b in spans:
        if is_injection(text[a:b]):
            out.append(text[last:a])
            last = b
    out.append(text[last:])
    return "".join(out)


def lead_summary(text: str, max_sentences: int = 2, max_words: int = 60) -> str:
    """The first sentences of ``text``: the extractive fallback summary."""
    out: list[str] = []
    words = 0
    for s in _content_sentences(text):
        n = len(s.split())
        if out and (len(out) >= max_sentences or words + n > max_words):
            break
        out.append(s)
        words += n
    return " ".join(out)


def _fit(text: str, budget: int) -> str:
    """The item text within ``budget`` tokens: lead sentences plus decision sentences."""
    text = _without_injections(text)
    if count_tokens(text) <= budget:
        return text
    sentences = _content_sentences(text)
    keep = [i for i, s in enumerate(sentences) if _DECISION.search(s) or "actie" in s.lower()]
    chosen: set[int] = set()
    used = 0
    for i in [*range(min(3, len(sentences))), *keep, *range(3, len(sentences))]:
        if i in chosen:
            continue
        cost = count_tokens(sentences[i])
        if used + cost > budget:
            continue
        chosen.add(i)
        used += cost
    return "\n".join(sentences[i] for i in sorted(chosen))


# -- structured output -----------------------------------------------------------------------


def _whole_sentences(text: str) -> str:
    """Drop a sentence cut off by the length cap."""
    text = text.strip()
    if not text or text[-1] in ".!?\"')":
        return text
    cut = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
    return text[: cut + 1] if cut > 0 else text


class SummaryDraft(BaseModel):
    """What the model returns for an item or a meeting."""

    summary: str = Field(description="The Dutch summary.")

    @field_validator("summary")
    @classmethod
    def _check(cls, v: str) -> str:
        v = _whole_sentences(v)
        if not v:
            raise ValueError("summary is empty")
        if CANNOT_ANSWER.lower() in v.lower():
            raise ValueError("a summary must summarise the text, not refuse")
        if detect_language(v) != "Dutch":
            raise ValueError("the summary must be written in Dutch")
        return v


class _ActionLine(BaseModel):
    n: int
    description: str

    @field_validator("description")
    @classmethod
    def _check(cls, v: str) -> str:
        v = v.strip().rstrip(".")
        if not v:
            raise ValueError("description is empty")
        if len(v.split()) > 25:
            raise ValueError("description longer than 25 words")
        if re.search(r"\(\s*actie\b", v, re.I):
            raise ValueError("leave the '(actie …)' marker out of the description")
        return v


class _ImpliedAction(BaseModel):
    owners: list[str]
    description: str
    source_quote: str


class ActionDraft(BaseModel):
    actions: list[_ActionLine]
    implied: list[_ImpliedAction] = Field(default_factory=list)


IMPLIED_RULE = (
    '- Under "implied", add actions the minutes clearly assign without an action marker (a '
    "named directorate or person that will do something). For each give owners, a description "
    "and source_quote: the sentence copied exactly from the minutes. Leave it empty if unsure. "
    'Put them in the JSON as "implied": [{"owners": [...], "description": "...", '
    '"source_quote": "..."}].\n'
)


def _norm(text: str) -> str:
    return " ".join(text.split())


def implied_problem(meeting: Meeting, implied: Any, explicit: list[ActionItem]) -> str | None:
    """Why an implied action is refused, or None: the quote must occur verbatim in the
    minutes, name every owner, support the description, and not be an explicit action."""
    quote = _norm(implied.source_quote)
    if len(quote.split()) < 4 or quote not in _norm(meeting.text):
        return f"source_quote {implied.source_quote!r} does not occur verbatim in the minutes"
    if any(quote in _norm(a.source_quote) or _norm(a.source_quote) in quote for a in explicit):
        return f"{implied.source_quote!r} is already an explicit action"
    if not implied.owners or any(o.lower() not in quote.lower() for o in implied.owners):
        return f"owners {implied.owners} are not named in the quote"
    bad = _ungrounded(implied.description, quote)
    if bad:
        return f"implied description uses words not in its quote: {bad}"
    if is_injection(quote):
        return "the quote addresses a language model"
    return None


def _implied_action(meeting: Meeting, implied: Any) -> ActionItem:
    from .actions import item_for
    from .deadlines import resolve_deadline

    flat = _norm(meeting.text)
    quote = _norm(implied.source_quote)
    # map the position in whitespace-normalised text back to the item roughly by word count
    words_before = len(flat[: flat.find(quote)].split())
    pos = 0
    for n, m in enumerate(re.finditer(r"\S+", meeting.text)):
        if n == words_before:
            pos = m.start()
            break
    item = item_for(meeting, pos)
    due_date, due_text = resolve_deadline(quote, meeting.meeting_date)
    return ActionItem(
        owners=[o.strip() for o in implied.owners if o.strip()],
        description=implied.description.strip().rstrip("."),
        item_label=item.label if item else "",
        due_date=due_date,  # pydantic parses the ISO string
        due_text=due_text,
        source_quote=implied.source_quote.strip(),
        meeting_id=meeting.meeting_id,
        meeting_date=meeting.meeting_date,
        origin="model",
    )


#: Grammar-level length caps: a small model that rambles is cut off inside valid JSON instead
#: of running out of tokens mid-string.
_MAX_CHARS = {"summary": 450, "description": 160}


def _json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    data = schema.model_json_schema()

    def cap(node: Any) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if key in _MAX_CHARS and sub.get("type") == "string":
                    sub["maxLength"] = _MAX_CHARS[key]
            for sub in node.values():
                cap(sub)
        elif isinstance(node, list):
            for sub in node:
                cap(sub)

    cap(data)
    return data


def _raw_call(model: BaseChatModel, messages: list[BaseMessage], schema: type[BaseModel]) -> str:
    if getattr(model, "json_schema_output", False):
        fmt = {"type": "json_object", "schema": _json_schema(schema)}
        return str(model.invoke(messages, response_format=fmt, max_tokens=500).content)
    try:
        structured = model.with_structured_output(schema, include_raw=True)
    except NotImplementedError:
        return str(model.invoke(messages).content)
    out = structured.invoke(messages)
    if isinstance(out, dict) and out.get("parsed") is not None:
        parsed = out["parsed"]
        return parsed.model_dump_json() if isinstance(parsed, BaseModel) else json.dumps(parsed)
    raw = out.get("raw") if isinstance(out, dict) else out
    return str(getattr(raw, "content", raw))


def structured_call(
    model: BaseChatModel,
    messages: list[BaseMessage],
    schema: type[BaseModel],
    check: Callable[[Any], None] | None = None,
    *,
    keep_last: bool = False,
) -> tuple[Any | None, list[str]]:
    """Call ``model`` for a ``schema`` reply; retry once with the validation error.

    Returns ``(parsed or None, errors)``. ``check`` adds validation beyond the schema (it
    raises ``ValueError``); with ``keep_last`` a reply that parses but fails ``check`` twice is
    still returned, for callers that keep its valid parts.
    """
    errors: list[str] = []
    history = list(messages)
    last: Any | None = None
    for _attempt in range(2):
        try:
            raw = _raw_call(model, history, schema)
        except Exception as exc:  # noqa: BLE001 - a failing model falls back, never crashes
            errors.append(f"model error: {type(exc).__name__}: {exc}")
            return None, errors
        try:
            match = re.search(r"\{.*\}", raw, re.S)
            parsed = schema.model_validate_json(match.group(0) if match else raw)
            last = parsed
            if check:
                check(parsed)
            return parsed, errors
        except (ValidationError, ValueError) as exc:
            msg = str(exc).splitlines()[0] if not isinstance(exc, ValidationError) else str(exc)
            errors.append(msg)
            history = [
                *messages,
                AIMessage(raw),
                HumanMessage(
                    f"Your reply was invalid: {msg}\nReply again with valid JSON that fixes this."
                ),
            ]
    return (last if keep_last else None), errors


# -- items, meetings, actions ----------------------------------------------------------------


def _sentence_limit(text: str) -> str:
    n = len(_content_sentences(text))
    return "1" if n <= 2 else ("1-2" if n <= 6 else "2-3")


def _check_length(max_words: int) -> Callable[[Any], None]:
    def check(draft: Any) -> None:
        if len(draft.summary.split()) > max_words:
            raise ValueError(f"the summary has more than {max_words} words")

    return check


def summarize_item(
    meeting: Meeting, item: AgendaItem, model: BaseChatModel | None
) -> tuple[ItemSummary, list[str]]:
    """A 1-3 sentence Dutch summary of one item plus its decisions; ``(summary, warnings)``."""
    base = ItemSummary(
        label=item.label,
        title=item.title,
        summary=lead_summary(item.text) or item.title,
        decisions=find_decisions(item.text),
        extractive=True,
    )
    if model is None or not _content_sentences(item.text):
        return base, []
    prompt = load_prompt("summarize_item")
    messages = prompt.render(
        meeting=context_header(meeting, item).split(", punt")[0],
        item=item.display or "(geen agendapunten)",
        text=_fit(item.text, MAX_ITEM_TOKENS),
        max_sentences=_sentence_limit(item.text),
    )
    draft, errors = structured_call(model, messages, SummaryDraft, _check_length(80))
    attempts = min(2, len(errors) + (draft is not None))
    if draft is None:
        where = f"punt {item.label}" if item.label else "het verslag"
        warning = f"{meeting.meeting_id} {where}: extractive summary ({'; '.join(errors)})"
        return base.model_copy(update={"attempts": attempts}), [warning]
    update = {"summary": draft.summary, "extractive": False, "attempts": attempts}
    return base.model_copy(update=update), []


def _ungrounded(description: str, quote: str) -> list[str]:
    """Words of ``description`` that its source sentence does not support.

    Dutch splits verbs ("op te nemen" ~ "opnemen", "mee te nemen" ~ "meenemen"), so adjacent
    words of the quote, with or without "te" between them, also count as one word.
    """
    from .dutch import tokenize

    words = re.findall(r"\w+", quote.lower())
    joined = [a + b for a, b in zip(words, words[1:], strict=False)]
    joined += [a + c for a, b, c in zip(words, words[1:], words[2:], strict=False) if b == "te"]
    have = set(tokenize(quote)) | set(tokenize(" ".join(joined)))
    return [
        word
        for word in re.findall(r"\w+", description)
        if any(stem not in have and not stem.isdigit() for stem in tokenize(word))
    ]


def refine_actions(
    meeting: Meeting,
    actions: list[ActionItem],
    model: BaseChatModel | None,
    *,
    implied: bool = False,
) -> tuple[list[ActionItem], list[str]]:
    """Clean one-line descriptions from the model, each checked against its source sentence.

    A description with words its sentence does not support is refused (one retry with the
    reason), and that action keeps the deterministic text. Actions whose sentence addresses a
    language model are never shown to it. With ``implied`` the model may add actions without a
    marker; each is checked by :func:`implied_problem` and refused ones are left out.
    """
    shown = [a for a in actions if not is_injection(a.source_quote)]
    if model is None or (not shown and not implied):
        return actions, []
    listing = "\n".join(f"{n}. “{a.description}”" for n, a in enumerate(shown, start=1))
    context = ""
    if implied:
        context = "\nMinutes (for implied actions):\n" + _fit(meeting.text, MAX_ITEM_TOKENS)
    messages = load_prompt("actions").render(
        meeting=meeting.title,
        actions=listing or "(none)",
        implied_rule=IMPLIED_RULE if implied else "",
        context=context,
    )

    def supported(line: Any) -> bool:
        return 1 <= line.n <= len(shown) and not _ungrounded(
            line.description, shown[line.n - 1].source_quote
        )

    def check(draft: Any) -> None:
        wanted = list(range(1, len(shown) + 1))
        if sorted(a.n for a in draft.actions) != wanted:
            raise ValueError(f"give exactly one entry for each action number {wanted}")
        issues = [
            f"action {a.n} uses words not in its sentence: "
            f"{_ungrounded(a.description, shown[a.n - 1].source_quote)}"
            for a in draft.actions
            if not supported(a)
        ]
        if implied:
            issues += [p for x in draft.implied if (p := implied_problem(meeting, x, actions))]
        if issues:
            raise ValueError("; ".join(issues))

    draft, errors = structured_call(model, messages, ActionDraft, check, keep_last=True)
    if draft is None:
        reason = "; ".join(errors)
        return actions, [f"{meeting.meeting_id}: action descriptions as written ({reason})"]
    by_id = {id(shown[a.n - 1]): a.description for a in draft.actions if supported(a)}
    warnings = []
    if len(by_id) < len(shown):
        warnings.append(
            f"{meeting.meeting_id}: {len(shown) - len(by_id)} action description(s) kept as "
            "written (model text not supported by the minutes)"
        )
    out = [a.model_copy(update={"description": by_id.get(id(a), a.description)}) for a in actions]
    if implied:
        extra = [x for x in draft.implied if implied_problem(meeting, x, actions) is None]
        refused = len(draft.implied) - len(extra)
        if refused:
            warnings.append(f"{meeting.meeting_id}: {refused} implied action(s) refused")
        out += [_implied_action(meeting, x) for x in extra]
    return out, warnings


def _meeting_summary(
    meeting: Meeting, items: list[ItemSummary], model: BaseChatModel | None
) -> tuple[str, list[str]]:
    parts = []
    for it in items:
        name = " ".join(p for p in (f"Punt {it.label}" if it.label else "", it.title) if p)
        parts.append(f"- {name}: {it.summary}")
    fallback = " ".join(it.summary for it in items if it.summary)
    fallback = " ".join(fallback.split()[:MAX_MEETING_WORDS])
    if model is None:
        return fallback, []
    if len(meeting.items) <= 1:
        body = "Text:\n" + _fit(meeting.items[0].text if meeting.items else meeting.text, 1200)
    else:
        body = "Agenda items and their summaries:\n" + "\n".join(parts)
    header = meeting.title + (
        f", {dutch_date(meeting.meeting_date)}" if meeting.meeting_date else ""
    )
    messages = load_prompt("summarize_meeting").render(
        meeting=header, text=body, max_words=str(MAX_MEETING_WORDS)
    )
    draft, errors = structured_call(
        model, messages, SummaryDraft, _check_length(int(MAX_MEETING_WORDS * 1.25))
    )
    if draft is None:
        return fallback, [f"{meeting.meeting_id}: extractive meeting summary ({'; '.join(errors)})"]
    return draft.summary, []


def summarize_meeting(
    meeting: Meeting,
    model: BaseChatModel | None,
    *,
    model_name: str = "extractive",
    implied_actions: bool = False,
) -> tuple[MeetingSummary, list[str]]:
    """The structured summary of ``meeting`` and any fallback warnings."""
    warnings: list[str] = []
    items = []
    for item in meeting.items:
        summary, w = summarize_item(meeting, item, model)
        items.append(summary)
        warnings += w
    actions, w = refine_actions(meeting, extract_actions(meeting), model, implied=implied_actions)
    warnings += w
    text, w = _meeting_summary(meeting, items, model)
    warnings += w
    return (
        MeetingSummary(
            meeting_id=meeting.meeting_id,
            title=meeting.title,
            meeting_date=meeting.meeting_date,
            attendees=meeting.attendees,
            summary=text,
            items=items,
            action_items=actions,
            model=model_name if model is not None else "extractive",
            source=meeting.source,
            warnings=warnings,
        ),
        warnings,
    )


class SummaryCache:
    """Summaries on disk in the store, keyed by meeting hash, model and summary version."""

    def __init__(self, store: Path) -> None:
        self.dir = Path(store) / "summaries"

    def _path(self, sha256: str, model_name: str) -> Path:
        return self.dir / f"{sha256[:24]}-{slugify(model_name, 40)}-v{SUMMARY_VERSION}.json"

    def get(self, sha256: str, model_name: str) -> MeetingSummary | None:
        path = self._path(sha256, model_name)
        if not path.exists():
            return None
        try:
            return MeetingSummary.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a damaged cache entry is recomputed

    def put(self, sha256: str, model_name: str, summary: MeetingSummary) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._path(sha256, model_name)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(summary.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)
