"""Deadline phrases resolved against the meeting date (table-driven)."""

from __future__ import annotations

import datetime as dt

import pytest

from verslagqa.deadlines import resolve_deadline

MON = dt.date(2021, 3, 1)  # a Monday
WED = dt.date(2020, 11, 18)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "meeting", "iso", "due_text"),
    [
        ("Deadline van aanlevering bij CFA is dinsdag 2 maart (actie allen).", MON, "2021-03-02",
         "dinsdag 2 maart"),
        ("Volgende update staat voor a.s. maandag gepland.", WED, "2020-11-23",
         "voor a.s. maandag"),
        ("Vrijdag moet de brief gereed zijn.", WED, "2020-11-20", "Vrijdag"),
        ("De brief wordt vandaag verstuurd.", WED, "2020-11-18", "vandaag"),
        ("Vervolgens kan vanmiddag worden verzonden.", MON, "2021-03-01", "vanmiddag"),
        ("Dit wordt volgende week besproken.", WED, "2020-11-27", "volgende week"),
        ("Graag reactie deze week.", WED, "2020-11-20", "deze week"),
        ("Meva sluit volgende week dinsdag aan.", WED, "2020-11-24", "volgende week dinsdag"),
        ("De gezondheidsraad komt morgen met een advies.", WED, "2020-11-19", "morgen"),
        ("Stuurt de nota uiterlijk 20 april rond.", dt.date(2022, 4, 12), "2022-04-20",
         "uiterlijk 20 april"),
        ("Offerte opvragen voor eind mei.", dt.date(2022, 4, 12), "2022-05-31", "voor eind mei"),
        ("Klaar op 15-03-2021.", MON, "2021-03-15", "op 15-03-2021"),
        ("Reactie binnen twee weken.", MON, "2021-03-15", "binnen twee weken"),
        # a range is due at its far end
        ("Oppakken, bij voorkeur binnen 2-3 weken.", MON, "2021-03-22", "binnen 2-3 weken"),
        ("Reactie binnen twee à drie weken.", MON, "2021-03-22", "binnen twee à drie weken"),
        ("Gereed medio januari.", dt.date(2020, 12, 14), "2021-01-15", "medio januari"),
        ("Op 5 januari is de kick-off.", dt.date(2020, 12, 14), "2021-01-05", "Op 5 januari"),
        ("Afronden eind van de maand.", MON, "2021-03-31", "eind van de maand"),
        # a month without a day: due by its end (the next one that is not long past)
        ("Verkeerstoets uitvoeren, resultaten terug in mei.", MON, "2021-05-31", "in mei"),
        ("Agenderen uiterlijk in de raadsvergadering van juli.", MON, "2021-07-31", "van juli"),
        ("Rapport volgt in januari 2022.", MON, "2022-01-31", "in januari 2022"),
        ("Voorstel volgt in januari.", WED, "2021-01-31", "in januari"),
        # a weekday on the meeting day itself means the next one
        ("Terugkoppeling maandag.", MON, "2021-03-08", "maandag"),
        # no day named: the phrase is kept, no date invented
        ("Agenderen in het volgende MT.", MON, None, "volgende MT"),
        ("Graag z.s.m. oppakken.", MON, None, "z.s.m."),
        ("MEVA komt later terug op de cijfers.", MON, None, None),
        # no meeting date: relative phrases cannot be resolved, explicit dates can
        ("Vrijdag gereed.", None, None, "Vrijdag"),
        ("Gereed op 2 maart 2021.", None, "2021-03-02", "op 2 maart 2021"),
        # an impossible date is not a date
        ("Gereed 31 februari.", MON, None, "31 februari"),
    ],
)  # fmt: skip
def test_resolve_deadline(
    text: str, meeting: dt.date | None, iso: str | None, due_text: str | None
) -> None:
    assert resolve_deadline(text, meeting) == (iso, due_text)
