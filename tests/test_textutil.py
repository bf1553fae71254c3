from __future__ import annotations

import datetime as dt

import pytest

from verslagqa.textutil import (
    display_title,
    find_date,
    find_time_range,
    is_date_only,
    normalise_redactions,
    redaction_code,
    slugify,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 november 2020 10:30-11:30 uur", dt.date(2020, 11, 18)),
        ("maandag 1 maart 2021", dt.date(2021, 3, 1)),
        ("11 januari 2021, 10:00-10:30", dt.date(2021, 1, 11)),
        ("1 mrt. 2021", dt.date(2021, 3, 1)),
        ("3-2-2022", dt.date(2022, 2, 3)),
        ("03/02/2022", dt.date(2022, 2, 3)),
        ("2022-02-03", dt.date(2022, 2, 3)),
        ("31 februari 2021", None),
        ("geen datum", None),
        ("13.45 – 14.45 uur", None),
    ],
)
def test_find_date(text: str, expected: dt.date | None) -> None:
    assert find_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 november 2020 10:30-11:30 uur", ("10:30", "11:30")),
        ("23 november 2020 13.45 – 14.45 uur", ("13:45", "14:45")),
        ("van 9.00 tot 10.15 uur", ("09:00", "10:15")),
        ("aanvang 14:00 uur", ("14:00", None)),
        ("1 maart 2021", (None, None)),
    ],
)
def test_find_time_range(text: str, expected: tuple[str | None, str | None]) -> None:
    assert find_time_range(text) == expected


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("5.1.2e", "[weggelakt 5.1.2e]", 1),
        ("**5.1.2e** **5.1.2e** (PZo)", "**[weggelakt 5.1.2e]** **[weggelakt 5.1.2e]** (PZo)", 2),
        ("5.1.2e2e (BPZ)", "[weggelakt 5.1.2e] (BPZ)", 1),
        ("5.1.2.e", "[weggelakt 5.1.2e]", 1),
        ("10.2.e en 10.2 g", "[weggelakt 10.2e] en [weggelakt 10.2g]", 2),
        ("op grond van artikel 5.1 lid 2 onder e Woo", "op grond van [weggelakt 5.1.2e]", 1),
        ("art. 5.1, tweede lid, onder i, Woo", "[weggelakt 5.1.2i]", 1),
        ("5.1.2e@minvws.nl", "[weggelakt 5.1.2e]@minvws.nl", 1),
        ("10.2 miljoen euro en versie 5.1.2", "10.2 miljoen euro en versie 5.1.2", 0),
        ("5.1.2en meer", "5.1.2en meer", 0),
    ],
)
def test_redactions(text: str, expected: str, count: int) -> None:
    assert normalise_redactions(text) == (expected, count)


def test_redaction_code_bare() -> None:
    assert redaction_code("5.1.2e2e") == "5.1.2e"
    assert normalise_redactions("5.1.2e2e (BPZ)", token=False) == ("5.1.2e (BPZ)", 1)


def test_is_date_only() -> None:
    assert is_date_only("2 maart 2021")
    assert is_date_only("Datum 16 november 2020")
    assert not is_date_only("Op 2 maart 2021 besproken")


def test_slugify() -> None:
    assert slugify("Corona Continuïteit Team LZ") == "corona-continuiteit-team-lz"
    assert slugify("MT DGLZ breed") == "mt-dglz-breed"


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (
            "POK claim, [weggelakt 5.1.2e] [weggelakt 5.1.2e] [weggelakt 5.1.2e]",
            "POK claim (3 namen weggelakt)",
        ),
        ("Overleg met [weggelakt 5.1.2e]", "Overleg met (1 naam weggelakt)"),
        ("[weggelakt 5.1.2e]", "1 naam weggelakt"),
        (
            "Begroting [weggelakt 5.1.1c] en [weggelakt 5.1.2e]",
            "Begroting (1 passage weggelakt, 5.1.1c; 1 naam weggelakt)",
        ),
        ("Stand van zaken", "Stand van zaken"),
    ],
)
def test_display_title_counts_redactions(title: str, shown: str) -> None:
    assert display_title(title) == shown
