"""The work queue's stored due date (applications.due_on, issue 16): kept by every transition
that changes the state or a term, in the same transaction, and read by the queue page by page
in exactly the order of sorting the whole queue.

Sector plans of window T2 (1 April – 31 May 2014): the decision term is 13 weeks after the
window closes on Saturday 31 May 2014, so its own last day is Saturday 30 August 2014 and it is
due Monday 1 September 2014 (Algemene termijnenwet); a repair term is 14 days.
"""

import importlib.util
import random
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, ApplicationState, Role
from grants.models.applications import due_on_for
from grants.services.work_queue import (
    QUEUE_STATES,
    Assigned,
    Due,
    QueueFilters,
    queue_count,
    queue_page,
    work_queue,
)
from grants.timefmt import AMSTERDAM
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory
from tests.workflows.test_lifecycles import ok

S = ApplicationState
PLAN = {"starts_on": "2014-07-01", "ends_on": "2015-12-31"}
MIGRATION = Path(__file__).parents[2] / "grants/migrations/versions/c4a0e1f2a014_pages_at_scale.py"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=AMSTERDAM)


def stored(number: int) -> tuple[S, date | None]:
    """State and due date as the database holds them (not the session's copy)."""
    db.session.expire_all()
    return tuple(db.session.execute(sa.select(Application.state, Application.due_on)
                                    .where(Application.id == number)).one())


def test_due_date_follows_every_transition(world, clock):
    number = ok(world.applicant.create(world.sectorplan(**PLAN)), 201)["id"]
    assert stored(number) == (S.DRAFT, None)

    ok(world.applicant.fire(number, "submit"))  # 1 April 2014
    assert stored(number) == (S.SUBMITTED, date(2014, 9, 1))

    clock.moment = at(2014, 6, 2)
    ok(world.assessor.fire(number, "request_information", {"reason": "Begroting ontbreekt."}))
    # Incomplete: the repair term counts, 2 June + 14 days.
    assert stored(number) == (S.INCOMPLETE, date(2014, 6, 16))

    clock.moment = at(2014, 6, 9)
    ok(world.applicant.fire(number, "provide_information"))
    # The clock stood still 3 – 8 June: 30 August + 6 days = Friday 5 September 2014.
    assert stored(number) == (S.SUBMITTED, date(2014, 9, 5))

    ok(world.assessor.fire(number, "start_assessment"))
    assert stored(number) == (S.IN_ASSESSMENT, date(2014, 9, 5))

    clock.moment = at(2014, 8, 20)
    ok(world.assessor.fire(number, "extend_decision_term", {
        "reason": "Advies van de sociale partners.", "decision_due_on": "2014-10-15"}))
    assert stored(number) == (S.IN_ASSESSMENT, date(2014, 10, 15))

    ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": "negative", "reasoning": "Past niet bij de regeling.",
        "scores": {"analysis": 4, "measures": 4, "partnership": 5, "budget": 4}}))
    assert stored(number) == (S.ASSESSED, date(2014, 10, 15))

    ok(world.approver.fire(number, "reject", {"reason": "Te algemeen."}))
    # Decided: no term of the queue runs any more.
    assert stored(number) == (S.REJECTED, None)


def test_a_refused_transition_leaves_the_due_date(world, clock):
    number = ok(world.applicant.create(world.sectorplan(**PLAN)), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    response = world.assessor.fire(number, "request_information",
                                   {"reason": "Begroting ontbreekt.",
                                    "repair_due_on": "2014-03-01"})
    assert response.status_code == 422
    assert stored(number) == (S.SUBMITTED, date(2014, 9, 1))


def _spread(world_window, count: int, seed: int) -> list[Application]:
    """Applications in every state, with terms that tie, differ and are missing."""
    rng = random.Random(seed)
    organisations = [OrganisationFactory(region=region) for region in ("Noord", "Zuidoost")]
    states = [*QUEUE_STATES, S.ASSESSED, S.APPROVED, S.DRAFT]
    made = []
    for number in range(count):
        made.append(ApplicationFactory(
            window=world_window, organisation=rng.choice(organisations),
            reference=f"Q-{rng.randrange(10**6):06d}-{number:03d}", state=rng.choice(states),
            decision_due_on=rng.choice([None, date(2014, 9, 1), date(2014, 9, 5),
                                        date(2014, 4, 20)]),
            repair_due_on=rng.choice([None, date(2014, 4, 15), date(2014, 9, 1)])))
    return made


FILTERS = [QueueFilters(), QueueFilters(state=S.INCOMPLETE), QueueFilters(region="Zuidoost"),
           QueueFilters(due=Due.OVERDUE), QueueFilters(due=Due.SOON),
           QueueFilters(assigned=Assigned.NOBODY), QueueFilters(scheme="sectorplan"),
           QueueFilters(scheme="rif")]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f)[13:-1] or "none")
def test_every_page_is_the_slice_of_the_whole_sorted_queue(schemes, filters):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    made = _spread(window, 60, seed=16)
    assessor = UserFactory(role=Role.ASSESSOR)
    today = date(2014, 4, 18)
    assert all(a.due_on == due_on_for(a.state, a.repair_due_on, a.decision_due_on)
               for a in made)

    whole = [(a.id, due) for a, due, _starter in db.session.execute(
        work_queue(assessor, filters, today, 7))]
    if filters == QueueFilters():
        assert len(whole) == sum(a.state in QUEUE_STATES for a in made) > 20
    assert queue_count(assessor, filters, today, 7) == len(whole)
    for per_page in (1, 7, 50):
        paged = []
        for offset in range(0, len(whole) + per_page, per_page):
            rows = queue_page(assessor, filters, today, 7, offset=offset, limit=per_page)
            assert len(rows) <= per_page
            paged += [(a.id, due) for a, due, _starter in rows]
        assert paged == whole, per_page


def test_the_queue_sorts_by_term_then_reference_with_no_term_last(schemes):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    _spread(window, 40, seed=4)
    assessor = UserFactory(role=Role.ASSESSOR)
    rows = queue_page(assessor, QueueFilters(), date(2014, 4, 18), 7, offset=0, limit=100)
    keys = [(due is None, due or date.min, a.reference) for a, due, _starter in rows]
    assert keys == sorted(keys) and keys[-1][0] and not keys[0][0]


def test_the_migration_fills_the_due_date_as_the_model_keeps_it(schemes):
    spec = importlib.util.spec_from_file_location("pages_at_scale", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    made = _spread(window, 40, seed=1)
    expected = {a.id: a.due_on for a in made}
    assert any(expected.values()) and not all(expected.values())

    db.session.execute(sa.text("UPDATE applications SET due_on = NULL"))
    db.session.execute(sa.text(migration.BACKFILL))
    db.session.expire_all()
    assert dict(db.session.execute(sa.select(Application.id, Application.due_on).where(
        Application.id.in_(list(expected)))).all()) == expected


def test_an_edit_outside_the_engine_keeps_the_due_date_too(schemes):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    application = ApplicationFactory(window=window, state=S.SUBMITTED,
                                     decision_due_on=date(2014, 9, 1),
                                     repair_due_on=date(2014, 4, 15))
    assert application.due_on == date(2014, 9, 1)
    application.state = S.INCOMPLETE
    db.session.commit()
    assert stored(application.id) == (S.INCOMPLETE, date(2014, 4, 15))
    application.repair_due_on = date(2014, 4, 22)
    db.session.commit()
    assert stored(application.id) == (S.INCOMPLETE, date(2014, 4, 22))
