from verslagqa.evals import facts_found


def test_key_facts_any_alternative_case_insensitive():
    assert facts_found("Vrijdag moet de brief gereed zijn.", ["vrijdag", "brief"]) == 1.0
    assert facts_found("De brief komt later.", ["vrijdag|maandag", "brief"]) == 0.5
    assert facts_found("iets", []) == 1.0


def test_english_month_day_order_is_the_same_date():
    facts = ["18 March|18 maart"]
    assert facts_found("It was adopted on March 18, 2026. [1]", facts) == 1.0
    assert facts_found("It was adopted on March 18th. [1]", facts) == 1.0
    assert facts_found("It was adopted on 18 March 2026. [1]", facts) == 1.0
    # another day, or a month without a day, is not the date
    assert facts_found("It was adopted on March 19, 2026.", facts) == 0.0
    assert facts_found("It was adopted in March 2026.", facts) == 0.0
    assert facts_found("It was adopted on March 8, 2026.", ["18 March"]) == 0.0
