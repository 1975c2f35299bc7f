"""The TARGET2 calendar (grants/payments/target2.py) as a whole year, with the dates worked out by
hand (issue 19; bench/mutation.py --module grants/payments/target2.py; the day-by-day cases are
in tests/payments/test_target2.py).

Rule (shared/domain.md §4 "Payments"): SEPA credit transfers execute on TARGET2 business days:
not on a Saturday or Sunday, nor on New Year's Day, Good Friday, Easter Monday, 1 May, 25 or 26
December; Dutch public holidays (King's Day, Ascension Day, Whit Monday) are business days.

Equivalent mutants: none known.
"""

from datetime import date, timedelta

import pytest

from grants.payments.target2 import closed_because, closing_days, execution_day, is_business_day

pytestmark = pytest.mark.no_db


def test_target2_closes_on_exactly_six_holidays_a_year():
    # Easter Sunday 2016 is 27 March: Good Friday 25 March, Easter Monday 28 March.
    assert closing_days(2016) == {
        date(2016, 1, 1): "Nieuwjaarsdag", date(2016, 3, 25): "Goede Vrijdag",
        date(2016, 3, 28): "Tweede paasdag", date(2016, 5, 1): "1 mei",
        date(2016, 12, 25): "Eerste kerstdag", date(2016, 12, 26): "Tweede kerstdag"}


def test_2015_has_256_target2_business_days():
    # 365 days from Thursday 1 January: 52 whole weeks and Thursday 31 December, so 52 × 5 + 1 =
    # 261 weekdays. Five holidays fall on one: 1 January (Thu), Good Friday 3 April, Easter
    # Monday 6 April, 1 May (Fri), 25 December (Fri); 26 December is a Saturday. 261 − 5 = 256;
    # Whit Monday (25 May) and King's Day (27 April) stay open.
    days = [date(2015, 1, 1) + timedelta(days=n) for n in range(365)]
    assert sum(is_business_day(day) for day in days) == 256
    assert closed_because(date(2015, 12, 26)) == "zaterdag"  # a Saturday first, then a holiday
    assert is_business_day(date(2015, 5, 25)) and is_business_day(date(2015, 4, 27))


def test_the_last_days_of_a_year_move_into_the_next():
    # Thursday 31 December 2015 is open; Saturday 31 December 2016 moves past Sunday and New
    # Year's Day (a Sunday in 2017) to Monday 2 January 2017.
    assert execution_day(date(2015, 12, 31)) == date(2015, 12, 31)
    assert execution_day(date(2016, 12, 31)) == date(2017, 1, 2)
