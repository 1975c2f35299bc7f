"""Counting terms as the law counts them (domain.md §4, "Counting terms"): the calendar alone.

Every date below is worked out by hand from a calendar, never from the code under test.
"""

from datetime import date

import pytest

from grants.workflows.terms import (
    after_suspension,
    day_off_name,
    holidays,
    objection_in_time,
    statutory_end,
    term_after,
)

pytestmark = pytest.mark.no_db


# -- Algemene termijnenwet art. 1 and 3 ---------------------------------------------------------

def test_the_holidays_of_2014_as_the_termijnenwet_names_them():
    # Easter Sunday 2014 was 20 April; King's Day 27 April was a Sunday, so it was kept on
    # Saturday 26 April.
    assert dict(holidays(2014)) == {
        date(2014, 1, 1): "Nieuwjaarsdag",
        date(2014, 4, 18): "Goede Vrijdag",
        date(2014, 4, 21): "Tweede paasdag",
        date(2014, 4, 26): "Koningsdag",
        date(2014, 5, 5): "Bevrijdingsdag",
        date(2014, 5, 29): "Hemelvaartsdag",
        date(2014, 6, 9): "Tweede pinksterdag",
        date(2014, 12, 25): "Eerste kerstdag",
        date(2014, 12, 26): "Tweede kerstdag",
    }


def test_before_2014_the_queens_day_was_30_april():
    assert holidays(2013)[date(2013, 4, 30)] == "Koninginnedag"
    assert date(2013, 4, 27) not in holidays(2013)


def test_objection_term_ending_on_boxing_day_runs_to_monday():
    # Domain example: decision sent Friday 14 November 2014; six weeks end Friday 26 December
    # (Boxing Day), then Saturday and Sunday: on time until Monday 29 December 2014.
    assert term_after(date(2014, 11, 14), weeks=6) == date(2014, 12, 29)


def test_a_term_ending_on_a_working_day_stays():
    # Thursday 10 April 2014 + 6 weeks = Thursday 22 May 2014, no holiday.
    assert term_after(date(2014, 4, 10), weeks=6) == date(2014, 5, 22)


@pytest.mark.parametrize(("ends", "runs_to", "why"), [
    # King's Day 2014 was Saturday 26 April (27 April was a Sunday): Sunday, then Monday 28.
    (date(2014, 4, 26), date(2014, 4, 28), "Koningsdag"),
    # King's Day 2015 was Monday 27 April: Tuesday 28 April.
    (date(2015, 4, 27), date(2015, 4, 28), "Koningsdag"),
    # Good Friday 3 April 2015, the weekend, Easter Monday 6 April: Tuesday 7 April.
    (date(2015, 4, 3), date(2015, 4, 7), "Goede Vrijdag"),
    # Easter Monday 21 April 2014: Tuesday 22 April.
    (date(2014, 4, 21), date(2014, 4, 22), "Tweede paasdag"),
    # Ascension Day Thursday 29 May 2014: Friday 30 May.
    (date(2014, 5, 29), date(2014, 5, 30), "Hemelvaartsdag"),
    # Liberation Day every year, not only in lustrum years: Tuesday 5 May 2015 → Wednesday.
    (date(2015, 5, 5), date(2015, 5, 6), "Bevrijdingsdag"),
    # Whit Monday 9 June 2014: Tuesday 10 June.
    (date(2014, 6, 9), date(2014, 6, 10), "Tweede pinksterdag"),
    # New Year's Day Thursday 1 January 2015: Friday 2 January.
    (date(2015, 1, 1), date(2015, 1, 2), "Nieuwjaarsdag"),
    # Saturday 30 August 2014: Monday 1 September.
    (date(2014, 8, 30), date(2014, 9, 1), "zaterdag"),
    (date(2014, 8, 31), date(2014, 9, 1), "zondag"),
])
def test_a_term_ending_on_a_day_off_runs_to_the_next_working_day(ends, runs_to, why):
    assert day_off_name(ends) == why
    assert statutory_end(ends) == runs_to


def test_a_day_made_equal_by_royal_decree_counts_as_a_holiday():
    # Suppose a decree makes Friday 30 May 2014 (after Ascension Day) equal to a holiday: a
    # term ending on Ascension Day runs past Friday and the weekend to Monday 2 June 2014.
    decree = {date(2014, 5, 30)}
    assert statutory_end(date(2014, 5, 29), decree) == date(2014, 6, 2)
    assert day_off_name(date(2014, 5, 30), decree) == "bij koninklijk besluit gelijkgestelde dag"
    # Without it, Friday is a working day.
    assert statutory_end(date(2014, 5, 29)) == date(2014, 5, 30)


# -- Awb 4:15 -----------------------------------------------------------------------------------

# Sector plans T2: the window closed on Saturday 31 May 2014, so the 13-week decision term runs
# from Sunday 1 June and its own last day is Saturday 30 August 2014 (due Monday 1 September).
T2 = {"counts_from": date(2014, 6, 1), "ends_on": date(2014, 8, 30)}


def test_asked_on_2_june_supplied_on_9_june_stands_still_six_days():
    # Domain example: still from 3 June up to (not including) 9 June = 3, 4, 5, 6, 7, 8 June.
    # 30 August + 6 days = Friday 5 September 2014, a working day.
    assert after_suspension(date(2014, 6, 2), date(2014, 6, 9), **T2) == (
        6, date(2014, 9, 5), date(2014, 9, 5))


def test_a_request_before_the_term_started_moves_nothing():
    # Asked 1 April, supplied 10 April: the window was still open, the term not yet running.
    assert after_suspension(date(2014, 4, 1), date(2014, 4, 10), **T2) == (
        0, date(2014, 8, 30), date(2014, 9, 1))


def test_only_the_days_inside_the_running_term_count():
    # Asked Wednesday 28 May, supplied Thursday 5 June: still 29 May – 4 June, of which only
    # 1, 2, 3 and 4 June fall in the term: 4 days. 30 August + 4 = Wednesday 3 September.
    assert after_suspension(date(2014, 5, 28), date(2014, 6, 5), **T2) == (
        4, date(2014, 9, 3), date(2014, 9, 3))


def test_supplied_the_day_after_the_request_the_term_did_not_stand_still():
    assert after_suspension(date(2014, 6, 2), date(2014, 6, 3), **T2)[0] == 0


def test_a_request_after_the_term_ran_out_moves_nothing():
    # Due Monday 1 September; asked Tuesday 2 September.
    assert after_suspension(date(2014, 9, 2), date(2014, 9, 10), **T2) == (
        0, date(2014, 8, 30), date(2014, 9, 1))


def test_days_added_to_the_terms_own_end_then_moved_off_the_weekend():
    # Asked Monday 2 June, supplied Wednesday 4 June: still 3 June, 1 day.
    # 30 August + 1 = Sunday 31 August → Monday 1 September.
    assert after_suspension(date(2014, 6, 2), date(2014, 6, 4), **T2) == (
        1, date(2014, 8, 31), date(2014, 9, 1))


def test_asked_in_the_days_the_termijnenwet_added_the_rest_of_those_days_remains():
    # Asked on the own last day, Saturday 30 August; supplied Wednesday 3 September. Still
    # from Sunday 31 August (the term then ran to Monday 1 September: 2 days left) up to
    # Wednesday: 31 August, 1 and 2 September = 3 days; the 2 days left are 3 and 4 September.
    assert after_suspension(date(2014, 8, 30), date(2014, 9, 3), **T2) == (
        3, date(2014, 9, 4), date(2014, 9, 4))


# -- Awb 6:9 ------------------------------------------------------------------------------------

# The objection term of a decision sent Friday 14 November 2014 ends Monday 29 December 2014;
# a week after it is Monday 5 January 2015.
END = date(2014, 12, 29)


@pytest.mark.parametrize(("received", "postmarked", "in_time"), [
    (date(2014, 12, 29), None, True),                 # received on the last day
    (date(2014, 12, 30), None, False),                # a day late, no postmark
    (date(2015, 1, 5), date(2014, 12, 29), True),     # posted on the last day, in within a week
    (date(2015, 1, 6), date(2014, 12, 29), False),    # posted in time, in after the week
    (date(2015, 1, 2), date(2014, 12, 30), False),    # posted after the term
])
def test_an_objection_posted_in_time_and_received_within_a_week_is_on_time(
        received, postmarked, in_time):
    assert objection_in_time(received, END, postmarked) is in_time


def test_the_week_after_the_term_ends_as_statutory_terms_do():
    # A term ending Monday 14 April 2014: a week later is Easter Monday 21 April, so the week
    # runs to Tuesday 22 April 2014.
    assert objection_in_time(date(2014, 4, 22), date(2014, 4, 14), date(2014, 4, 14))
    assert not objection_in_time(date(2014, 4, 23), date(2014, 4, 14), date(2014, 4, 14))
