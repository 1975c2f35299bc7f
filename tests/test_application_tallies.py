"""The lists' totals read off the tallies the database keeps per scheme, window, state and
region (issue 16): whatever writes the applications (the engine, an edit, a bulk INSERT, plain
SQL, a deleted draft), every filter's total is the number of applications a count finds, and
folding the tallies changes none of them."""

import itertools

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    ApplicationTally,
    Region,
    Role,
    Scheme,
    Window,
)
from grants.services import tallies
from grants.services.applications import count_visible
from grants.services.work_queue import QUEUE_STATES, Assigned, QueueFilters, queue_count
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory

S = ApplicationState


def counted(**filters) -> int:
    """What a count of the applications themselves finds."""
    stmt = sa.select(sa.func.count()).select_from(Application)
    if filters.get("scheme"):
        stmt = stmt.join(Scheme, Scheme.id == Application.scheme_id).where(
            Scheme.code == filters["scheme"])
    if filters.get("window"):
        stmt = stmt.join(Window, Window.id == Application.window_id).where(
            Window.code == filters["window"])
    if filters.get("states") is not None:
        stmt = stmt.where(Application.state.in_(filters["states"]))
    if filters.get("region"):
        stmt = stmt.where(Application.region == filters["region"])
    return db.session.scalar(stmt)


def every_filter():
    schemes = [None, "sectorplan", "praktijkleren", "rif"]
    windows = [None, "T1", "T2", "2013-2014"]
    states = [None, [S.DRAFT], [S.SUBMITTED], list(QUEUE_STATES), [S.APPROVED]]
    regions = [None, Region.NOORD, Region.ZUIDOOST]
    return itertools.product(schemes, windows, states, regions)


def assert_tallies_match() -> None:
    for scheme, window, states, region in every_filter():
        expected = counted(scheme=scheme, window=window, states=states, region=region)
        assert tallies.tallied(scheme=scheme, window_code=window, states=states,
                               region=region) == expected, (scheme, window, states, region)


@pytest.fixture
def windows(schemes):
    found = {(w.scheme.code, w.code): w for w in db.session.scalars(sa.select(Window))}
    return [found[("sectorplan", "T1")], found[("sectorplan", "T2")],
            found[("praktijkleren", "2013-2014")]]


@pytest.fixture
def spread(windows):
    """Applications in three windows, two regions and several states."""
    north = OrganisationFactory(region=Region.NOORD)
    south = OrganisationFactory(region=Region.ZUIDOOST)
    made = []
    for number, (window, organisation, state) in enumerate(itertools.product(
            windows, [north, south], [S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.APPROVED])):
        made += ApplicationFactory.create_batch(1 + number % 3, window=window,
                                                organisation=organisation, state=state)
    db.session.flush()
    return made


def test_every_filter_totals_what_a_count_finds_after_inserts(spread):
    assert len(spread) > 40
    assert_tallies_match()


def test_an_update_moves_an_application_between_tallies_and_an_edit_moves_nothing(spread):
    submitted = [a for a in spread if a.state == S.SUBMITTED]
    submitted[0].state = S.IN_ASSESSMENT
    submitted[1].region = (Region.NOORD if submitted[1].region == Region.ZUIDOOST
                           else Region.ZUIDOOST)
    submitted[2].title = "Alleen de titel"
    db.session.flush()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationTally))
    submitted[2].title = "Weer een andere titel"
    submitted[2].version += 1
    db.session.flush()
    # Neither title nor version is part of a tally's key: no row was added for them.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationTally)) == rows
    assert_tallies_match()


def test_plain_sql_bulk_writes_and_a_deleted_draft_are_tallied(spread, windows):
    organisation = spread[0].organisation
    db.session.execute(sa.insert(Application.__table__).values([
        {"reference": f"BULK-{n}", "scheme_id": windows[2].scheme_id,
         "window_id": windows[2].id, "organisation_id": organisation.id,
         "region": organisation.region, "title": "Bulk", "state": S.SUBMITTED,
         "requested_cents": 0, "details": {}, "version": 1,
         "created_at": spread[0].created_at} for n in range(7)]))
    db.session.execute(sa.update(Application).where(Application.state == S.APPROVED)
                       .values(state=S.CLOSED).execution_options(synchronize_session=False))
    draft = next(a for a in spread if a.state == S.DRAFT)
    db.session.delete(draft)
    db.session.flush()
    assert_tallies_match()
    assert tallies.tallied(states=[S.APPROVED]) == 0


def test_folding_keeps_every_total_and_leaves_one_row_per_key(spread):
    for application in spread[:10]:
        application.state = S.WITHDRAWN
    db.session.flush()
    keys = db.session.execute(sa.select(
        ApplicationTally.scheme_id, ApplicationTally.window_id, ApplicationTally.state,
        ApplicationTally.region).group_by(
        ApplicationTally.scheme_id, ApplicationTally.window_id, ApplicationTally.state,
        ApplicationTally.region).having(sa.func.sum(ApplicationTally.change) != 0)).all()

    tallies.fold(db.session.connection())

    rows = db.session.execute(sa.select(
        ApplicationTally.scheme_id, ApplicationTally.window_id, ApplicationTally.state,
        ApplicationTally.region)).all()
    assert sorted(rows) == sorted(keys)  # one each; keys summing to nothing are gone
    assert_tallies_match()
    tallies.fold(db.session.connection())  # a fold of folded rows changes nothing
    assert sorted(db.session.execute(sa.select(
        ApplicationTally.scheme_id, ApplicationTally.window_id, ApplicationTally.state,
        ApplicationTally.region)).all()) == sorted(keys)
    assert_tallies_match()


def test_the_lists_totals_come_from_the_tallies_for_staff_who_see_everything(spread):
    assessor = UserFactory(role=Role.ASSESSOR)
    db.session.flush()
    db.session.execute(sa.insert(ApplicationTally).values(
        scheme_id=spread[0].scheme_id, window_id=spread[0].window_id, state=S.SUBMITTED,
        region=Region.NOORD, change=1000))
    # A tally off by 1,000 shows: the totals are read off it, not counted.
    assert count_visible(assessor) == counted() + 1000
    assert queue_count(assessor, QueueFilters(), spread[0].created_at.date(), 14) == \
        counted(states=list(QUEUE_STATES)) + 1000
    # A filter the tallies do not keep (who started the assessment) is counted.
    assert queue_count(assessor, QueueFilters(assigned=Assigned.NOBODY),
                       spread[0].created_at.date(), 14) == counted(states=list(QUEUE_STATES))


def test_an_applicant_and_a_committee_member_are_counted_not_tallied(spread):
    applicant = UserFactory(organisation=spread[0].organisation)
    member = UserFactory(role=Role.COMMITTEE)
    db.session.flush()
    db.session.execute(sa.insert(ApplicationTally).values(
        scheme_id=spread[0].scheme_id, window_id=spread[0].window_id, state=S.SUBMITTED,
        region=Region.NOORD, change=1000))
    own = db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.organisation_id == spread[0].organisation_id))
    assert count_visible(applicant) == own
    # Only submitted RIF applications (none here), counted.
    assert count_visible(member) == counted(scheme="rif", states=[
        state for state in S if state != S.DRAFT])


def test_a_sum_over_too_many_rows_folds_them(spread, monkeypatch):
    # Each application there and back again: two more rows for each of its keys.
    for state in (S.WITHDRAWN, S.SUBMITTED):
        for application in spread:
            if application.state == S.SUBMITTED or state == S.SUBMITTED \
                    and application.title == "heen":
                application.state, application.title = state, "heen"
        db.session.flush()
    folded = []
    drafts = db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationTally)
                               .where(ApplicationTally.state == S.DRAFT))
    monkeypatch.setattr(tallies, "FOLD_AFTER", drafts)
    monkeypatch.setattr(tallies, "fold_apart", lambda: folded.append(True))
    tallies.tallied(states=[S.DRAFT])
    assert folded == []  # as many rows as it may read
    tallies.tallied()
    assert folded == [True]
    # Folded, the rows are one per key: more than FOLD_AFTER of them is no reason to fold.
    tallies.fold(db.session.connection())
    folded.clear()
    monkeypatch.setattr(tallies, "FOLD_AFTER", 1)
    tallies.tallied()
    assert folded == []
