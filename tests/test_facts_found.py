from verslagqa.evals import facts_found


def test_key_facts_any_alternative_case_insensitive():
    assert facts_found("Vrijdag moet de brief gereed zijn.", ["vrijdag", "brief"]) == 1.0
    assert facts_found("De brief komt later.", ["vrijdag|maandag", "brief"]) == 0.5
    assert facts_found("iets", []) == 1.0


def test_a_fact_starts_a_word_and_an_abbreviation_is_a_whole_word():
    # a fact found inside another word is not found: "MO" is not the answer
    # "… uitgezonderd van de mondkapjesplicht"
    assert facts_found("Instellingen zijn uitgezonderd van de mondkapjesplicht.", ["MO"]) == 0.0
    assert facts_found("MO werkt nog aan de uitzondering.", ["MO"]) == 1.0
    assert facts_found("Dat doet (MO).", ["MO"]) == 1.0
    assert facts_found("De actie ligt bij CFAX.", ["CFA"]) == 0.0
    # a word of the gold may be the start of a longer word (a plural, a prefix on purpose)
    assert facts_found("Er zijn gelijkenissen.", ["gelijkenis"]) == 1.0
    assert facts_found("in de ‘ebMS Best Practises’", ["Best Practi"]) == 1.0
    assert facts_found("Het is ongelijkenis.", ["gelijkenis"]) == 0.0
    assert facts_found("op 2 maart", ["2 maart"]) == 1.0
    assert facts_found("op 12 maart", ["2 maart"]) == 0.0


def test_english_month_day_order_is_the_same_date():
    facts = ["18 March|18 maart"]
    assert facts_found("It was adopted on March 18, 2026. [1]", facts) == 1.0
    assert facts_found("It was adopted on March 18th. [1]", facts) == 1.0
    assert facts_found("It was adopted on 18 March 2026. [1]", facts) == 1.0
    # another day, or a month without a day, is not the date
    assert facts_found("It was adopted on March 19, 2026.", facts) == 0.0
    assert facts_found("It was adopted in March 2026.", facts) == 0.0
    assert facts_found("It was adopted on March 8, 2026.", ["18 March"]) == 0.0
