"""The ways money enters and leaves the system (grants/money.py), stated as rules, so that no
small change to them goes unnoticed (issue 19; bench/mutation.py --module grants/money.py).

Rules: shared/domain.md §6 (integer cents, Dutch notation € 1.234.567,89) and shared/api.md
(Conventions: money is a decimal string in euros with two decimals, never a float).

Mutants that cannot change behaviour (read by bench/mutation.py). Babel's Locale.parse looks
locale identifiers up case-insensitively, so a default locale spelt differently is still nl_NL:

equivalent: grants.money.x_format_eur__mutmut_2 — locale "nl_nl": Babel parses it as nl_NL
equivalent: grants.money.x_format_eur__mutmut_3 — locale "NL_NL": Babel parses it as nl_NL
"""

import pytest

from grants.money import InvalidAmount, cents_to_api, euros, format_eur

pytestmark = pytest.mark.no_db


def test_no_amount_is_shown_as_nothing():
    # A granted amount that is not decided yet is blank on a page or a letter, not "€ 0,00".
    assert format_eur(None) == ""
    assert cents_to_api(None) is None


def test_the_smallest_amount_is_one_cent_both_ways():
    # € 0,01 = 1 cent: in Dutch notation, as the API's decimal string, and back.
    assert format_eur(1) == "€\xa00,01"
    assert cents_to_api(1) == "0.01"
    assert euros("0.01") == 1


def test_api_amounts_have_at_most_thirteen_euro_digits():
    # 13 digits: 9.999.999.999.999,99 euro = 999_999_999_999_999 cents (fits a bigint column);
    # the 14-digit 10.000.000.000.000 is refused.
    assert euros("9999999999999.99") == 999_999_999_999_999
    assert euros("9999999999999") == 999_999_999_999_900
    with pytest.raises(InvalidAmount):
        euros("10000000000000")
    with pytest.raises(InvalidAmount):
        euros("10000000000000.00")


def test_the_sign_of_an_api_amount_is_kept_for_the_rules_to_judge():
    # "-0.01" is −1 cent, not 1 cent: a negative amount reaches the rule that refuses it (a
    # booking is a positive amount) instead of being turned into a payment.
    assert euros("-0.01") == -1
    assert euros("-2700.00") == -270000
    assert cents_to_api(-1) == "-0.01"
    with pytest.raises(InvalidAmount):
        euros("+1.00")


def test_whole_euros_and_surrounding_spaces_are_accepted():
    # 205 000 000 euro (the amended T2 ceiling) = 20_500_000_000 cents.
    assert euros(" 205000000 ") == 20_500_000_000
    assert euros(2700) == 270000


def test_a_refused_amount_is_named_in_the_message():
    # The message repeats what was given, so that the person who typed it sees which figure.
    with pytest.raises(InvalidAmount) as refused:
        euros("12.345")
    assert str(refused.value) == "'12.345' is geen bedrag in euro's met hoogstens twee decimalen"


def test_english_pages_show_euros_in_english_notation():
    # Pages in English (grants/i18n.py) pass their locale: € 1,234,567.89.
    assert format_eur(123456789, locale="en") == "€1,234,567.89"
    assert format_eur(123456789) == "€\xa01.234.567,89"
