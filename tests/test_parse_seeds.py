"""The parser on the five real sample verslagen: exact metadata, items, cleaning."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from verslagqa import parse_verslag
from verslagqa.schemas import Meeting

from .conftest import SEED

EXPECTED = {
    0: dict(
        meeting_id="2020-11-18-corona-continuiteit-team-lz",
        title="Corona Continuïteit Team LZ",
        meeting_date=dt.date(2020, 11, 18),
        start_time="10:30",
        end_time="11:30",
        place="Ministerie VWS",
        absent=[],
        document_date=dt.date(2020, 11, 18),
        classification=None,
        redactions=23,
        labels=[""],
        n_attendees=19,
    ),
    1: dict(
        meeting_id="2021-03-01-mt-dglz-breed",
        title="MT DGLZ breed",
        meeting_date=dt.date(2021, 3, 1),
        start_time="17:00",
        end_time="18:15",
        place="5.1.2e",
        absent=["5.1.2e J", "CZ"],
        document_date=dt.date(2021, 3, 2),
        classification=None,
        redactions=6,
        labels=["1", "2", "3a", "3b", "3c", "3d", "4"],
        n_attendees=9,
    ),
    2: dict(
        meeting_id="2020-09-07-mt-dglz-breed",
        title="MT DGLZ Breed",
        meeting_date=dt.date(2020, 9, 7),
        start_time="16:00",
        end_time="17:00",
        place="Webex",
        absent=[],
        document_date=dt.date(2020, 9, 7),
        classification=None,
        redactions=16,
        labels=["1", "2", "3a", "4"],
        n_attendees=12,
    ),
    3: dict(
        meeting_id="2021-01-11-covidstaf-mmzs",
        title="Covidstaf MMZS",
        meeting_date=dt.date(2021, 1, 11),
        start_time="10:00",
        end_time="10:30",
        place="WebEx",
        absent=[],
        document_date=dt.date(2021, 1, 11),
        classification=None,
        redactions=49,
        labels=[""],
        n_attendees=16,
    ),
    4: dict(
        meeting_id="2020-11-23-actualiteitenstaf",
        title="Actualiteitenstaf",
        meeting_date=dt.date(2020, 11, 23),
        start_time="13:45",
        end_time="14:45",
        place="Webex",
        absent=["Minister MZS", "Staatssecretaris", "pSG"],
        document_date=dt.date(2020, 11, 24),
        classification="Departementaal Vertrouwelijk",
        redactions=4,
        labels=["1", "2"],
        n_attendees=8,
    ),
}

LETTERHEAD_FRAGMENTS = [
    "Secretaris Generaal",
    "Directie Bestuurlijke",
    "Bureau Bestuurlijke-politieke",
    "advisering",
    "Politieke Zaken",
    "Bezoekadres",
    "Parnassusplein",
    "2511 VX",
    "rijksoverheid.nl",
    "rjksoverheid.nl",
    "Inlichtingen bij",
    "minvws.nl",
    "Aantal pagina",
    "Correspondentie uitsluitend",
    "retouradres",
    "Ministerie van Volksgezondheid",
    "Welzijn en Sport",
]


@pytest.fixture(scope="module")
def meetings() -> dict[int, Meeting]:
    return {k: parse_verslag(p) for k, p in SEED.items()}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_metadata_exact(meetings: dict[int, Meeting], seed: int) -> None:
    m = meetings[seed]
    exp = EXPECTED[seed]
    for field in (
        "meeting_id", "title", "meeting_date", "start_time", "end_time", "place", "absent",
        "document_date", "classification", "redactions",
    ):  # fmt: skip
        assert getattr(m, field) == exp[field], field
    assert [i.label for i in m.items] == exp["labels"]
    assert len(m.attendees) == exp["n_attendees"]
    assert m.source == str(SEED[seed])
    assert re.fullmatch(r"[0-9a-f]{64}", m.sha256)


def test_attendees_keep_redaction_codes_and_groups(meetings: dict[int, Meeting]) -> None:
    assert meetings[0].attendees[:4] == ["5.1.2e", "5.1.2e", "5.1.2e (MO)", "5.1.2e 5.1.2e (PGB)"]
    assert "Thomas Peeters (dCO)" in meetings[0].attendees
    assert meetings[1].attendees == ["DGLZ", "Z", "MO", "LZ", "PZo", "WJZ", "Meva", "IGJ", "5.1.2e"]
    # 003 has an OCR glitch '5.1.2e2e' and a comma inside parentheses '(BPZ, verslag).'
    assert "5.1.2e (BPZ)" in meetings[3].attendees
    assert meetings[3].attendees[-1] == "5.1.2e 5.1.2e (BPZ, verslag)"
    assert meetings[4].attendees[-1] == "5.1.2e 5.1.2e (verslag)"


def test_page_header_date_is_not_meeting_date(meetings: dict[int, Meeting]) -> None:
    # seed 004 repeats a page header with 'Datum 16 november 2020'
    m = meetings[4]
    assert m.meeting_date == dt.date(2020, 11, 23)
    assert "16 november 2020" not in m.item("2").text
    # seed 003 has a bare 'Datum 11 januari 2021' block in the running text
    assert "Datum" not in meetings[3].items[0].text


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_no_letterhead_left(meetings: dict[int, Meeting], seed: int) -> None:
    for item in meetings[seed].items:
        for fragment in LETTERHEAD_FRAGMENTS:
            assert fragment not in item.text, (item.label, fragment)
            assert fragment not in item.title
        assert not re.search(r"(?m)^\s*-?\s*Datum\s*$", item.text)
        assert "**" not in item.text


@pytest.mark.parametrize(
    ("seed", "label", "sentence"),
    [
        (
            1,
            "3c",
            "WJZ heeft aangegeven dat het juridisch niet mogelijk is om beslissingsbevoegdheid",
        ),
        (2, "3a", "twijfels of het nu al voorleggen aan het veld voldoende oplevert, terwijl"),
        (3, "", "dat ze het fijn zou vinden om ná het overleg met [weggelakt 5.1.2e] een gesprek"),
    ],
)
def test_sentences_rejoined_across_page_breaks(
    meetings: dict[int, Meeting], seed: int, label: str, sentence: str
) -> None:
    assert sentence in meetings[seed].item(label).text


def test_item_titles(meetings: dict[int, Meeting]) -> None:
    m = meetings[1]
    assert m.item("1").title == "Opening en mededelingen"
    assert m.item("3c").title == "Covid beleidskader fase 3"
    assert m.item("3d").title == "Onderzoek EenVandaag inzake adviseurs en adviescommissies"
    assert m.item("4").title == "Actualiteiten"
    assert meetings[2].item("4").title == "Actualiteiten"
    assert meetings[4].item("2").title == "Actualiteiten"


def test_parent_heading_is_not_an_empty_item(meetings: dict[int, Meeting]) -> None:
    labels = [i.label for i in meetings[1].items]
    assert "3" not in labels
    assert all(i.text.strip() for m in meetings.values() for i in m.items)


def test_item_boundaries(meetings: dict[int, Meeting]) -> None:
    m = meetings[1]
    assert m.item("3c").text.rstrip().endswith("met stroomschema's.")
    assert m.item("3d").text.lstrip("- ").startswith("Vanuit EenVandaag zijn vragen gesteld")
    assert "(actie adviseur DGLZ)" in m.item("3d").text
    assert m.item("4").text.lstrip("- ").startswith("Positief nieuws")
    assert "Meva stuurt de samenvatting van ZIK rond (actie Meva)." in m.item("4").text


def test_speaker_headings_stay_inside_item(meetings: dict[int, Meeting]) -> None:
    text = meetings[4].item("2").text
    for speaker in ("MVWS", "SG", "DGLZ", "DGCZ"):
        assert re.search(rf"(?m)^(- )?{speaker}$", text), speaker
    assert "shakintree-award" in text
    assert "pittige periode voor de sector" in text


def test_single_item_meetings_hold_all_text(meetings: dict[int, Meeting]) -> None:
    text0 = meetings[0].items[0].text
    assert text0.startswith("- Strategie/ perspectief besproken.")
    assert text0.rstrip().endswith("aandachtspunt is in de communicatie.")
    assert meetings[3].items[0].text.startswith("DGCZ opent de vergadering.")


def test_spans_index_into_meeting_text(meetings: dict[int, Meeting]) -> None:
    for m in meetings.values():
        for item in m.items:
            assert m.text[item.start : item.end] == item.text


def test_redactions_normalised_to_one_token(meetings: dict[int, Meeting]) -> None:
    for m in meetings.values():
        body = "\n".join(i.text for i in m.items)
        assert not re.search(r"(?<!weggelakt )5\.1\.2", body)
    assert "[weggelakt 5.1.2e]" in meetings[1].item("3a").title


def test_public_json_shape(meetings: dict[int, Meeting]) -> None:
    data = meetings[1].to_public_dict()
    assert set(data) == {
        "title", "meeting_date", "start_time", "end_time", "place", "attendees", "absent",
        "document_date", "classification", "source", "sha256", "meeting_id", "redactions",
        "items", "warnings", "kind", "pages", "ocr_pages", "document_number", "subject",
        "sender", "recipients", "inventory", "inventory_entries", "redaction_grounds",
    }  # fmt: skip
    assert data["kind"] == "minutes" and data["pages"] is None
    assert data["warnings"] == []
    assert set(data["items"][0]) == {"label", "title", "text"}
    assert data["meeting_date"] == "2021-03-01"
