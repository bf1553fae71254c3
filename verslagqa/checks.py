"""The checks a model's answer must pass before it is shown as the model's answer.

The model points at numbered source sentences and writes a short answer
(:mod:`verslagqa.grounded`); code finds the sentences that carry it (its basis). Each check
below looks at the answer and exactly those sentences and says whether it passed, with a reason
code and a detail a reader can follow. When every check passes the answer is shown; when one
fails, the model's wording is not shown: the source sentence that best answers the question is
quoted instead (with a warning), or, when none does, the chain abstains.

Most checks are exact and cheap (numbers, names, words, polarity, the asked kind of value). One
is a second, short model call (:class:`AnswersQuestion`): how strongly the model says "yes" to
"does this sentence answer the question?". It is what tells an answer to the question from a
fluent sentence about the same topic, which no word count can (measured on the development gold,
``evals/README.md``).

Thresholds come from :class:`verslagqa.settings.CheckSettings`. :class:`verslagqa.schemas.Answer`
lists every check that ran and its result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from .dutch import MONTH_NAMES, WEEKDAY_PATTERN, carried, tokenize
from .retrieve import Hit
from .safety import detect_language
from .schemas import CheckResult

if TYPE_CHECKING:
    from .grounded import NumberedSentence
    from .settings import CheckSettings

__all__ = [
    "Check",
    "CheckResult",
    "Draft",
    "NoBetterSentence",
    "abbreviations",
    "answer_type",
    "answer_values",
    "default_checks",
    "failed",
    "names",
    "numbers",
    "has_answer_type",
    "is_question",
    "run_checks",
    "term_coverage",
]

# -- question and answer vocabulary ------------------------------------------------------------

#: Question words and verbs of asking that say nothing about the topic.
_ASKING = set(
    tokenize(
        "wie wat wanneer waar waarom hoe hoeveel welke welk wordt worden werd is zijn was "
        "waren heeft hebben moet moeten zal zullen kan kunnen gaat gaan er over met voor "
        "volgens besproken afgesproken besloten gebeurd gebeurde genoemd staat"
    )
)
_EN_ASKING = {
    "who", "what", "when", "where", "why", "how", "which", "many", "much", "does", "did", "do",
    "is", "are", "was", "were", "will", "would", "should", "the", "a", "an", "of", "to", "in",
    "on", "for", "about", "from", "by", "with", "and", "or", "at", "it", "its", "this", "that",
}  # fmt: skip
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*[a-z]?")
_NAME = re.compile(r"(?<![\w.])(?:[A-Z][\w-]*[A-Z][\w-]*|[A-Z][a-zà-ÿ]{2,}(?:-[A-Za-z]+)?)")
_NEGATION = re.compile(r"\b(?:niet|geen|nooit|niemand|niets|nog niet)\b", re.I)
_ABBREVIATION = re.compile(r"\b[A-Z][A-Z0-9-]+\b")

_WEEKDAYS = WEEKDAY_PATTERN
_MONTHS = "|".join(MONTH_NAMES)
_TIME_RE = re.compile(
    rf"(?i)\b({_WEEKDAYS}|{_MONTHS}|morgen|vandaag|gisteren|vanmiddag|vanavond|vanmorgen|"
    r"volgende week|vorige week|deze week|komende|a\.s\.|binnenkort|t\.z\.t\.|"
    r"prinsjesdag|kerst|voorjaar|najaar|zomer|winter|kwartaal|monday|tuesday|wednesday|"
    r"thursday|friday|tomorrow|today|next week|january|february|march|may|june|july|august|"
    r"october|quarter|q[1-4]|"
    r"binnen (één|een|\w+) (dag|dagen|week|weken|maand))\b|\b\d{1,2}[:.-]\d{1,2}|\b(19|20)\d\d\b"
)
# "een" is left out: as the Dutch article it is in nearly every sentence
_NUMBER_RE = re.compile(
    r"(?i)\d|\b(één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|honderd|"
    r"duizend|miljoen|miljard|half|helft|dubbel|two|three|four|five|six|seven|eight|nine|ten|"
    r"hundred|thousand|million|billion)\b"
)


def answer_type(question: str) -> str | None:
    """'time' for when-questions, 'number' for how-much/many, 'place' for where, else None."""
    q = question.lower()
    if re.search(r"\b(wanneer|per wanneer|hoe laat|op welke (datum|dag)|when|what date)\b", q):
        return "time"
    if re.search(r"\b(hoeveel|hoe groot|hoe hoog|how much|how many)\b", q):
        return "number"
    if re.match(r"\s*(waar|where|in welke (plaats|stad|regio|provincie|gemeente))\b", q):
        return "place"
    return None


_QUESTION_START = re.compile(
    r"(?i)^\s*(wat|wanneer|wie|welke?|waar\w*|hoe\w*|is|zijn|wordt|worden|heeft|hebben|"
    r"kan|kunnen|moet|moeten|zal|zullen|wil|gaat|what|when|who|which|where|why|how|are|"
    r"was|were|did|does|do|will|can|should|has|have)\b"
)


def is_question(text: str) -> bool:
    """True for a question, False for a keyword search ("UMCG wekelijks regionaal overleg")."""
    return text.rstrip().endswith("?") or bool(_QUESTION_START.search(text))


# a person or an organisation asked for: 'wie', 'door wie', 'welke ambtenaren', 'wat is de naam
# van', 'hoe heet'; nouns of people and bodies in their plural too
_PERSON_NOUN = (
    r"(?:ambtena(?:ar|ren)|medewerker|persoon|personen|deelnemer|organisatie|functionaris"
    r"|wethouder|gedeputeerde|burgemeester|minister|staatssecretaris|directeur|manager"
    r"|sectormanager|voorzitter|secretaris|griffier|notulist|contactpersoon|adviseur|jurist"
    r"|projectleider|leverancier|bedrijf|partij|fractie|raadslid|raadsleden|lid|leden"
    r"|bestuurder|ondertekenaar|inspreker|spreker)(?:s|en)?"
)
_WHO = re.compile(
    r"(?i)\s*(?:(?:door|van|aan|met|bij|voor|namens|tegen)\s+)?wie\b|\s*(?:by\s+)?(?:who|whom)\b"
    rf"|\s*(?:(?:door|van|aan|met|bij|voor|namens)\s+)?welke\s+(?:\w+\s+)?{_PERSON_NOUN}\b"
    r"|\s*wat\s+is\s+de\s+naam\b|\s*hoe\s+heet\b"
)


def asks_who(question: str) -> bool:
    """True for 'wie …' / 'who …' questions: their answer is a name."""
    return bool(_WHO.match(question))


def answer_values(text: str, kind: str, question: str = "") -> set[str]:
    """Dates/days ('time'), numbers ('number') or names ('place') in ``text`` that the
    question itself does not already contain ("fase 3" does not answer "… in fase 3")."""
    asked = question.lower()
    if kind == "place":
        # a place is a name: a capitalised word that does not open a sentence ("In Groningen")
        names = re.findall(
            r"(?<![.!?:]\s)(?<!^)\b[A-Z][A-Za-zà-ÿ']{2,}(?:[- ][A-Z][A-Za-zà-ÿ']+)*", text
        )
        return {n.lower() for n in names if n.lower() not in asked}
    pattern = _TIME_RE if kind == "time" else _NUMBER_RE
    found = set()
    for m in pattern.finditer(text):
        token = m.group(0).lower()
        if kind == "number" and token.isdigit():
            # the whole number, not one digit of it
            whole = re.match(r"\d+", text[m.start() :])
            token = whole.group(0) if whole else token
            if not re.search(rf"(?<!\d){re.escape(token)}(?!\d)", asked):
                found.add(token)
        elif not re.search(rf"\b{re.escape(token)}\b", asked):
            found.add(token)
    return found


def has_answer_type(text: str, kind: str | None, question: str = "") -> bool:
    """True when ``text`` holds a date, number or place of the asked kind that the question
    lacks (always True for other questions)."""
    if kind not in ("time", "number", "place"):
        return True
    return bool(answer_values(text, kind, question))


def content_words(text: str, english: bool = False) -> set[str]:
    """The words that carry meaning: Dutch stems without question words and numbers, or
    English words of three letters or more without function words."""
    if english:
        return {w for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _EN_ASKING}
    return {t for t in tokenize(text) if t not in _ASKING and not t.isdigit()}


def numbers(text: str) -> set[str]:
    return {m.group().rstrip(".,").lower() for m in _NUMBER.finditer(text)}


def abbreviations(text: str) -> set[str]:
    """Words in capitals ('UWV', 'API-58'), lower-cased; wherever they stand."""
    return {m.lower() for m in _ABBREVIATION.findall(text)}


def names(text: str) -> set[str]:
    """Capitalised words that are not the first word of a sentence."""
    found = set()
    for sentence in re.split(r"(?<=[.!?:])\s+", text):
        for m in _NAME.finditer(sentence):
            if m.start() > 0:
                found.add(m.group().lower())
    return found


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def _negated_clauses(sentence: str, answer: str) -> list[str]:
    """The negated clauses of ``sentence`` (split at , ; : and 'maar') that share a word with
    ``answer``: a negation in a clause the answer does not draw on says nothing about it."""
    said = set(tokenize(answer))
    clauses = re.split(r"[,;:]|\bmaar\b", sentence)
    return [c for c in clauses if _negated(c) and any(carried(t, said) for t in tokenize(c))]


# -- what the checks look at -------------------------------------------------------------------


@dataclass
class Draft:
    """A model's answer and the sentences it points at, with what the checks derive from them."""

    question: str
    answer: str  # citation markers removed
    chosen: list[NumberedSentence]
    sources: list[Hit]
    english: bool = False
    #: inverse document frequency of the question's stems ('budget' weighs more than 'overleg')
    weight: dict[str, float] = field(default_factory=dict)
    #: cosine between the answer and its closest chosen sentence, for cross-language answers
    similarity: Callable[[], float] | None = None
    #: P(yes) that a text answers the question (the second, short model call)
    judge: Callable[[str], float] | None = None
    #: the shown sentences that match the question best (the chain's own scoring), best first
    rivals: list[str] = field(default_factory=list)

    @cached_property
    def evidence(self) -> str:
        return " ".join(s.text for s in self.chosen)

    @cached_property
    def context(self) -> str:
        """The sentences and their source's heading (meeting, date, agenda item)."""
        headings = [_heading(self.sources[s.source - 1]) for s in self.chosen]
        return " ".join([self.evidence, *headings])

    @cached_property
    def question_words(self) -> set[str]:
        return content_words(self.question)

    @cached_property
    def kind(self) -> str | None:
        return answer_type(self.question)

    @cached_property
    def best(self) -> NumberedSentence:
        """The chosen sentence that shares most words with the question."""
        q = self.question_words
        return max(self.chosen, key=lambda c: len(content_words(c.text) & q))

    @cached_property
    def unsupported(self) -> float:
        """Share of the answer's content words (beyond the question's) the sentences lack."""
        if self.english:
            return 0.0
        words = content_words(self.answer) - self.question_words
        have = content_words(self.context)
        return sum(not carried(w, have) for w in words) / len(words) if words else 0.0


def _heading(hit: Hit) -> str:
    return f"{hit.meeting_title} {hit.meeting_date} {hit.item_label} {hit.item_title}"


# -- the checks --------------------------------------------------------------------------------


class Check:
    """One check: a ``name``, and ``run`` that returns ``None`` when it passes or
    ``(code, detail)`` when it fails."""

    name: ClassVar[str]
    #: 'dutch' / 'english': the check runs only for questions in that language
    language: ClassVar[str | None] = None

    def applies(self, d: Draft) -> bool:
        if self.language == "dutch":
            return not d.english
        if self.language == "english":
            return d.english
        return True

    def run(self, d: Draft) -> tuple[str, str] | None:
        raise NotImplementedError

    def __call__(self, d: Draft) -> CheckResult:
        failure = self.run(d)
        code, detail = failure or ("", "")
        return CheckResult(name=self.name, passed=failure is None, code=code, detail=detail)


_YES_NO = re.compile(r"(?i)\b(?:ja|nee|yes|no)\b")


@dataclass
class SaysSomething(Check):
    """The answer holds a word, a number or a name: '?' or '…' beside a citation says nothing,
    and every other check would pass it (it has nothing to be unsupported)."""

    name: ClassVar[str] = "says_something"

    def run(self, d: Draft) -> tuple[str, str] | None:
        if content_words(d.answer, d.english) or numbers(d.answer) or names(d.answer):
            return None
        if _YES_NO.search(d.answer):  # the whole answer to a yes/no question
            return None
        return "empty_answer", "the answer holds no word, number or name"


@dataclass
class SentencesHoldKind(Check):
    """A when / how-many / where question needs a date / number / place in the sentences."""

    name: ClassVar[str] = "sentences_hold_kind"

    def run(self, d: Draft) -> tuple[str, str] | None:
        if has_answer_type(d.evidence, d.kind, d.question):
            return None
        return f"no_{d.kind}_in_sentences", f"the sentences hold no {d.kind}"


@dataclass
class AnswerHoldsKind(Check):
    """The answer to a when / how-many / where question holds a date / number / place."""

    name: ClassVar[str] = "answer_holds_kind"

    def run(self, d: Draft) -> tuple[str, str] | None:
        if has_answer_type(d.answer, d.kind, d.question):
            return None
        return f"no_{d.kind}_in_answer", f"the answer holds no {d.kind}"


@dataclass
class Numbers(Check):
    """Every number and date in the answer stands in its sentences (or the question)."""

    name: ClassVar[str] = "numbers"

    def run(self, d: Draft) -> tuple[str, str] | None:
        # not the heading's: a meeting date is no answer to 'wanneer'
        stray = numbers(d.answer) - numbers(d.evidence) - numbers(d.question)
        if not stray:
            return None
        return "stray_number", f"numbers not in its sentences: {', '.join(sorted(stray))}"


@dataclass
class Names(Check):
    """Every name in the answer stands in its sentences, their heading or the question (for an
    English answer: every abbreviation)."""

    name: ClassVar[str] = "names"

    def run(self, d: Draft) -> tuple[str, str] | None:
        allowed = {w.lower() for w in re.findall(r"[\w-]+", d.context + " " + d.question)}
        if d.english:
            found = {m.lower() for m in _ABBREVIATION.findall(d.answer)}
        else:
            found = names(d.answer)
        stray = found - allowed
        if not stray:
            return None
        return "stray_name", f"names not in its sentences: {', '.join(sorted(stray))}"


@dataclass
class Wording(Check):
    """At most ``max_unsupported`` of the answer's content words are missing from its
    sentences (compounds count: 'werkgroep' in 'orchestratiewerkgroep')."""

    max_unsupported: float = 0.34
    name: ClassVar[str] = "wording"
    language: ClassVar[str | None] = "dutch"

    def run(self, d: Draft) -> tuple[str, str] | None:
        if d.unsupported <= self.max_unsupported:
            return None
        return "unsupported_words", f"{d.unsupported:.0%} of its words are not in its sentences"


@dataclass
class ValueInBestSentence(Check):
    """With several sentences, the name/date/number that answers a who/when/how-many question
    stands in the sentence that matches the question best (not in a neighbouring fact)."""

    name: ClassVar[str] = "value_in_best_sentence"

    def run(self, d: Draft) -> tuple[str, str] | None:
        who = asks_who(d.question)
        if len(d.chosen) < 2 or not (who or d.kind in ("time", "number")):
            return None
        values = names(d.answer) if who else numbers(d.answer)
        values -= names(d.question) | numbers(d.question)
        if not values or any(v in d.best.text.lower() for v in values):
            return None
        return "value_not_in_best_sentence", (
            "its name/date/number is not in the sentence that matches the question"
        )


@dataclass
class Polarity(Check):
    """The answer and its best sentence agree on negation ('niet', 'geen')."""

    name: ClassVar[str] = "polarity"
    language: ClassVar[str | None] = "dutch"

    def run(self, d: Draft) -> tuple[str, str] | None:
        if _negated(d.best.text) == _negated(d.answer):
            return None
        if not _negated(d.answer) and not _negated_clauses(d.best.text, d.answer):
            return None  # 'Niets mee aan de orde zijnde, sluit de voorzitter om 20.45 uur …'
        return "polarity", "it says the opposite of its sentence (niet/geen)"


@dataclass
class Meaning(Check):
    """An answer in another language than its sentences cannot be compared word by word: it
    must be at least ``min_similarity`` close to one of them (cosine of the packaged
    embeddings)."""

    min_similarity: float = 0.55
    name: ClassVar[str] = "meaning"
    language: ClassVar[str | None] = "english"

    def run(self, d: Draft) -> tuple[str, str] | None:
        if d.similarity is None:
            return None
        sim = d.similarity()
        if sim >= self.min_similarity:
            return None
        return "far_in_meaning", f"its meaning is far from its sentences (cosine {sim:.2f})"


@dataclass
class SameLanguage(Check):
    """A Dutch question gets a Dutch answer."""

    name: ClassVar[str] = "language"
    language: ClassVar[str | None] = "dutch"

    def run(self, d: Draft) -> tuple[str, str] | None:
        if detect_language(d.answer) != "English":
            return None
        return "wrong_language", "it is in English"


@dataclass
class AnswersQuestion(Check):
    """The second, short model call: the basis sentences answer the question with
    P(yes) ≥ ``min_p`` (a sentence about the same topic that answers something else scores
    low). Rated too low on their own, they are rated once more after the sentence before them
    (``with_previous``): minutes name the topic in one sentence and give the outcome in the next
    ("Dit zal plaatsvinden in de Horeca Academie."), which alone answers nothing."""

    min_p: float = 0.55
    #: rate a second time with the sentence before them (its topic) when the first falls short
    with_previous: bool = True
    #: how much the pair must rate above the sentence before alone to count
    min_previous_gain: float = 0.1
    name: ClassVar[str] = "answers_question"

    def applies(self, d: Draft) -> bool:
        # a keyword search asks nothing: the passage that names its terms is the answer
        return d.judge is not None and is_question(d.question)

    def rating(self, d: Draft) -> float:
        """P(yes) of the basis sentences (with the sentence before, where that counts)."""
        assert d.judge is not None
        p = d.judge(d.evidence)
        if p < self.min_p and self.with_previous:
            p = max(p, self._with_previous(d))
        return p

    def run(self, d: Draft) -> tuple[str, str] | None:
        p = self.rating(d)
        if p >= self.min_p:
            return None
        return "does_not_answer", f"the model rates its sentences as an answer at {p:.2f}"

    def _with_previous(self, d: Draft) -> float:
        """The rating of one sentence read after the one before it in its source; 0.0 for
        several sentences (they carry their own context), when there is none before, or when
        the pair's rating is that sentence's rather than this one's (it answers on its own, or
        the pair rates hardly higher than it alone)."""
        assert d.judge is not None
        before = d.chosen[0].previous
        # an English answer's sentences are the model's own picks, often three: read together
        # after one more they rated a wrong answer up (an end-to-end test caught it)
        if len(d.chosen) != 1 or not before:
            return 0.0
        pair = d.judge(f"{before} {d.evidence}")
        if pair < self.min_p:
            return pair
        alone = d.judge(before)
        if alone >= self.min_p or pair - alone < self.min_previous_gain:
            return 0.0
        return pair


@dataclass
class NoBetterSentence(Check):
    """No shown sentence that matches the question as well as the best one does
    (``Draft.rivals``, by the chain's own scoring) is rated by the check call more than
    ``max_lead`` above the answer's own sentences. A small model may answer from a sentence on
    the same topic beside the one that answers, and the check call passes both: "Wie werkt aan
    de uitzondering op de mondkapjesplicht …?" answered from "Instellingen zijn uitgezonderd …:
    de bestuurder … mag zelf beslissen" (0.76), beside "MO werkt nog aan de uitzondering …"
    (0.84). Runs only when the answer's own rating passed (else that check has failed)."""

    rated: AnswersQuestion = field(default_factory=AnswersQuestion)
    max_lead: float = 0.0
    name: ClassVar[str] = "no_better_sentence"

    def applies(self, d: Draft) -> bool:
        return self.rated.applies(d) and bool(d.rivals)

    def run(self, d: Draft) -> tuple[str, str] | None:
        assert d.judge is not None
        own = {s.text for s in d.chosen}
        rivals = [r for r in d.rivals if r not in own]
        if not rivals:
            return None
        p = self.rated.rating(d)
        if p < self.rated.min_p:
            return None
        best_p, best = max((d.judge(r), r) for r in rivals)
        if best_p <= p + self.max_lead:
            return None
        return "better_sentence_shown", (
            f"a sentence matching the question as well is rated {best_p:.2f}, "
            f"the answer's own {p:.2f}: {best[:80]}"
        )


def term_coverage(query: str, text: str, weight: dict[str, float] | None = None) -> float:
    """Share of the query's content words that ``text`` holds, rare words weighing more
    (``weight``: inverse document frequency per stem)."""
    w = weight or {}
    terms = content_words(query)
    total = sum(w.get(t, 1.0) for t in terms)
    held = content_words(text) & terms
    return sum(w.get(t, 1.0) for t in held) / total if total else 1.0


@dataclass
class SearchTerms(Check):
    """A keyword search ("UMCG wekelijks regionaal overleg") asks nothing that the check call
    could judge: it is answered by the passage that names its terms. The basis sentences and
    their heading must hold at least ``min_coverage`` of them, rare terms weighing more."""

    min_coverage: float = 0.5
    name: ClassVar[str] = "search_terms"

    def applies(self, d: Draft) -> bool:
        return not is_question(d.question)

    def run(self, d: Draft) -> tuple[str, str] | None:
        coverage = term_coverage(d.question, d.context, d.weight)
        if coverage >= self.min_coverage:
            return None
        return "search_terms_missing", f"its sentences hold {coverage:.0%} of the search terms"


#: The checks that say whether sentences carry an answer's wording (used to find its basis).
SUPPORT_CHECKS = ("numbers", "names", "wording")


def default_checks(settings: CheckSettings) -> list[Check]:
    """Every check, with its thresholds from settings; the model calls last (they cost most)."""
    answers = AnswersQuestion(
        min_p=settings.min_answer_p,
        with_previous=settings.judge_previous,
        min_previous_gain=settings.min_previous_gain,
    )
    return [
        SaysSomething(),
        SentencesHoldKind(),
        AnswerHoldsKind(),
        Numbers(),
        Names(),
        Wording(max_unsupported=settings.max_unsupported),
        ValueInBestSentence(),
        Polarity(),
        Meaning(min_similarity=settings.min_similarity),
        SameLanguage(),
        answers,
        NoBetterSentence(rated=answers, max_lead=settings.max_rival_lead),
        SearchTerms(min_coverage=settings.min_search_coverage),
    ]


def run_checks(draft: Draft, checks: list[Check]) -> list[CheckResult]:
    """Every check that applies to ``draft``, in order."""
    if not draft.chosen:
        return []
    return [check(draft) for check in checks if check.applies(draft)]


def failed(results: list[CheckResult]) -> list[CheckResult]:
    """The results that did not pass."""
    return [r for r in results if not r.passed]
