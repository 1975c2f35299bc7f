"""TARGET2 business days (domain.md §4): a run's requested execution date is never a Saturday,
Sunday, 1 January, Good Friday, Easter Monday, 1 May, 25 or 26 December; a run made on such a
day asks for the next business day, and the preview says so."""

from datetime import UTC, date, datetime

import pytest

from grants.extensions import db
from grants.models import Ministry
from grants.payments.runs import approve_run, due_payments, prepare_run
from grants.payments.target2 import closed_because, execution_day, is_business_day
from tests.payments.test_runs import NS, sepa_document


@pytest.mark.parametrize(("day", "why"), [
    (date(2014, 1, 1), "Nieuwjaarsdag"),
    (date(2014, 4, 18), "Goede Vrijdag"),  # Easter Sunday 2014 is 20 April
    (date(2014, 4, 21), "Tweede paasdag"),
    (date(2014, 5, 1), "1 mei"),  # a Thursday
    (date(2014, 12, 25), "Eerste kerstdag"),
    (date(2014, 12, 26), "Tweede kerstdag"),  # a Friday
    (date(2015, 4, 3), "Goede Vrijdag"),  # Easter Sunday 2015 is 5 April
    (date(2015, 4, 6), "Tweede paasdag"),
    (date(2014, 4, 19), "zaterdag"),
    (date(2014, 4, 20), "zondag"),
])
def test_target2_is_closed(day, why):
    assert closed_because(day) == why
    assert not is_business_day(day)


@pytest.mark.parametrize("day", [
    date(2014, 4, 17),  # Maundy Thursday
    date(2014, 4, 22),  # the Tuesday after Easter
    date(2015, 4, 27),  # King's Day: a Dutch holiday, not a TARGET2 one
    date(2015, 5, 5),  # Liberation Day, likewise
    date(2015, 5, 14),  # Ascension Day, likewise
    date(2014, 12, 24),
    date(2014, 12, 31),
])
def test_target2_is_open(day):
    assert is_business_day(day)
    assert execution_day(day) == day


@pytest.mark.parametrize(("requested", "executed"), [
    (date(2014, 4, 18), date(2014, 4, 22)),  # Good Friday, weekend, Easter Monday
    (date(2014, 5, 1), date(2014, 5, 2)),
    (date(2014, 12, 25), date(2014, 12, 29)),  # Christmas, Boxing Day, weekend
    (date(2014, 12, 26), date(2014, 12, 29)),
    (date(2014, 12, 27), date(2014, 12, 29)),
    (date(2015, 1, 1), date(2015, 1, 2)),
    (date(2015, 4, 3), date(2015, 4, 7)),
])
def test_a_closed_day_moves_to_the_next_business_day(requested, executed):
    assert execution_day(requested) == executed


def test_a_run_made_on_good_friday_is_executed_on_the_tuesday_after_easter(
        grants, world, clock, login_as):
    # A one-year plan from 1 January 2014: the first instalment (€ 180.000,00) falls on the
    # grant day, 10 April 2014.
    grants.sector_plan(starts_on="2014-01-01", ends_on="2014-12-31")
    clock.moment = datetime(2014, 4, 18, 9, tzinfo=UTC)  # Good Friday
    preview = due_payments(Ministry.SZW, date(2014, 4, 18), world.finance.user,
                           date(2014, 4, 18))
    assert (preview.requested_on, preview.execution_on) == (date(2014, 4, 18),
                                                            date(2014, 4, 22))
    html = login_as(world.finance.user).get(
        "/financien/betalingen/?due_on=2014-04-18&ministry=SZW").get_data(as_text=True)
    assert ("Uitvoeringsdatum: 22 april 2014. Vandaag (18 april 2014) is geen TARGET2-werkdag "
            "(Goede Vrijdag); de bank voert de betalingen uit op de eerstvolgende werkdag."
            in html)

    run = prepare_run(Ministry.SZW, date(2014, 4, 18), world.finance.user, clock())
    assert run.execution_on == date(2014, 4, 22)
    run = approve_run(run.id, world.approver.user, clock())
    assert run.execution_on == date(2014, 4, 22)
    document = sepa_document(run.sepa_xml)
    assert document.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt",
                             namespaces=NS) == "2014-04-22"


def test_a_run_approved_on_boxing_day_asks_for_monday(grants, world, clock):
    grants.sector_plan()
    clock.moment = datetime(2014, 12, 23, 9, tzinfo=UTC)
    run = prepare_run(Ministry.SZW, date(2014, 7, 1), world.finance.user, clock())
    assert run.execution_on == date(2014, 12, 23)
    db.session.commit()
    # Approved on Friday 26 December 2014 (Boxing Day): the file asks for Monday 29 December.
    clock.moment = datetime(2014, 12, 26, 10, tzinfo=UTC)
    run = approve_run(run.id, world.approver.user, clock())
    assert run.execution_on == date(2014, 12, 29)
    assert sepa_document(run.sepa_xml).findtext(
        "p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt", namespaces=NS) == "2014-12-29"
