"""Many decisions fired together (grants.workflows.engine.Workflow.fire_many, through
grants.services.applications.fire_triggers): what an allocation run does with the tens of
thousands of decisions it takes in one transaction.

Each firing is the engine's own (role, state, guards, effects, audit row), so the outcome must be
exactly what firing the same triggers one by one gives: the same states, amounts and dates, the
same ledger entries, decisions and letters' references, the same mails. Only the writing is done
together; a ceiling that cannot take the whole refuses it all (Awb 4:25), and a row another
writer changed refuses it all too.

Figures: praktijkleren 2013-2014 settled on 16 September 2014 (a Tuesday). The objection term
(Awb 6:7) is six weeks: it ends on Tuesday 28 October 2014, a working day.
"""

import gc
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.budget.ledger import CeilingReached
from grants.errors import Conflict, NotFound
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    Decision,
    LedgerEntry,
    OutgoingMail,
    StatutoryDayOff,
)
from grants.services.applications import fire_trigger, fire_triggers
from grants.services.schemes import amend_ceiling
from grants.workflows import engine, terms
from tests.allocation.test_runs import line, mbo, validated_placements
from tests.workflows.test_lifecycles import ok

SETTLED_ON = datetime(2014, 9, 16, 9, tzinfo=UTC)
NOTE = "Besloten met de verdeling (test)"


def settle(cents: int) -> dict:
    euros, rest = divmod(cents, 100)
    return {"amounts": {"mbo": f"{euros}.{rest:02d}"}, "reason": NOTE}


@pytest.fixture
def placements(world, clock):
    """Two pairs of applications: the two of a pair have as many places, of other students, so
    one can be settled together with the others and its twin one by one."""
    numbers = validated_placements(world, clock, [
        {"places": [mbo("Anna", 40), mbo("Bram", 20)]},  # 1,5 places
        {"places": [mbo("Cor", 40)]},  # 1 place
        {"places": [mbo("Dirk", 40), mbo("Eva", 20)]},
        {"places": [mbo("Femke", 40)]},
    ])
    clock.moment = SETTLED_ON
    return numbers


def outcome(number: int) -> dict:
    """What settling left of one application: everything but its own id and reference."""
    application = db.session.get(Application, number)
    audit = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger == "settle")).one()
    decision = db.session.scalars(sa.select(Decision).where(
        Decision.application_id == number)).one()
    entries = db.session.execute(sa.select(
        LedgerEntry.line_id, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.cause,
        LedgerEntry.actor_id, LedgerEntry.at, LedgerEntry.reason).where(
        LedgerEntry.application_id == number).order_by(LedgerEntry.id)).all()
    mails = db.session.scalars(sa.select(OutgoingMail.subject).where(
        OutgoingMail.application_id == number, OutgoingMail.kind == "decision")).all()
    # The letter names the application (its subject too) and its students: the twin's are
    # others.
    context = {key: value for key, value in decision.context.items()
               if key not in ("reference", "subject", "application", "places")}
    return {
        "state": application.state, "version": application.version,
        "granted": application.granted_cents, "settled": application.settled_cents,
        "decided_at": application.decided_at, "objection_due_on": application.objection_due_on,
        "due_on": application.due_on,
        "audit": (audit.from_state, audit.to_state, audit.actor_id, audit.at, audit.reason,
                  {k: v for k, v in audit.data.items()}),
        "decision": (decision.kind, decision.amount_cents, decision.decided_on,
                     decision.audit_event_id == audit.id, decision.job_id is not None, context),
        "entries": entries,
        "mails": len(mails),
    }


def test_many_settled_together_are_settled_as_one_by_one(world, placements):
    first, second, first_twin, second_twin = placements
    approver = world.approver.user
    # A run's decisions are fired by the approver on behalf of the run (its id is the audit's).
    fire_triggers([(first, "settle", settle(3000_00)), (second, "settle", settle(2000_00))],
                  approver, SETTLED_ON, allocation=7)
    for number, cents in ((first_twin, 3000_00), (second_twin, 2000_00)):
        fire_trigger(number, "settle", approver, settle(cents), SETTLED_ON, allocation=7)

    assert outcome(first) == outcome(first_twin)
    assert outcome(second) == outcome(second_twin)
    together = outcome(first)
    assert together["state"] == ApplicationState.SETTLED
    assert together["granted"] == together["settled"] == 3000_00
    assert together["objection_due_on"] == date(2014, 10, 28)
    assert together["audit"][5]["allocation_run"] == 7
    assert together["audit"][5]["amount_cents"] == 3000_00
    assert [entry.amount_cents for entry in together["entries"]] == [3000_00]
    assert together["mails"] == 1
    # 3.000 + 2.000 twice: the mbo line holds € 10.000,00 of commitments, entry by entry.
    mbo_line = line("2013-2014-mbo")
    db.session.refresh(mbo_line)
    assert mbo_line.committed_cents == 10_000_00
    assert db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents)).where(
        LedgerEntry.line_id == mbo_line.id)) == 10_000_00


def test_the_letters_are_numbered_after_the_decisions_an_application_has(world, placements):
    first, second, *_ = placements
    application = db.session.get(Application, first)
    # Awb 4:14: the decision (due on 15 December 2014) is postponed first, to Monday 5 January
    # 2015: a notice of its own (…/1).
    ok(world.assessor.fire(first, "extend_decision_term", {
        "decision_due_on": "2015-01-05", "reason": "Meer tijd nodig"}))
    fire_triggers([(first, "settle", settle(3000_00)), (second, "settle", settle(2000_00))],
                  world.approver.user, SETTLED_ON, allocation=7)
    references = dict(db.session.execute(
        sa.select(Decision.application_id, sa.func.max(Decision.reference))
        .group_by(Decision.application_id)).all())
    assert references[first] == f"{application.reference}/2"
    assert references[second].endswith("/1")


def test_a_ceiling_that_cannot_take_them_all_refuses_them_all(world, placements, clock):
    first, second, third, _ = placements
    # € 7.000,00 on the line; together they ask € 3.000 + € 2.000 + € 3.000 = € 8.000,00.
    amend_ceiling(line("2013-2014-mbo"), 7000_00, reason="Testplafond",
                  effective_on=date(2014, 6, 1), now=clock(), user=None)
    with pytest.raises(CeilingReached) as refused:
        fire_triggers([(first, "settle", settle(3000_00)), (second, "settle", settle(2000_00)),
                       (third, "settle", settle(3000_00))],
                      world.approver.user, SETTLED_ON, allocation=7)
    assert refused.value.fields == {"amount": [
        "Er is €\xa07.000,00 over op Studiejaar 2013/2014, mbo (bbl); gevraagd is "
        "€\xa08.000,00."]}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0
    assert line("2013-2014-mbo").committed_cents == 0


def test_a_row_another_writer_changed_refuses_them_all(world, placements):
    first, second, *_ = placements
    applications = [db.session.get(Application, number) for number in (first, second)]
    for application in applications:
        application.version += 1
        application.title = "Gewijzigd"
    # Another writer got to the second one first (its version moved on under us).
    db.session.execute(sa.text("UPDATE applications SET version = version + 1 WHERE id = :id"),
                       {"id": second})
    with pytest.raises(Conflict):
        engine._write_together(applications)


def test_the_rows_written_together_are_what_the_session_holds(world, placements):
    first, second, *_ = placements
    fire_triggers([(first, "settle", settle(3000_00)), (second, "settle", settle(2000_00))],
                  world.approver.user, SETTLED_ON, allocation=7)
    for number in (first, second):
        application = db.session.get(Application, number)
        assert application not in db.session.dirty
        stored = db.session.execute(sa.select(
            Application.state, Application.version, Application.settled_cents,
            Application.objection_due_on, Application.due_on).where(
            Application.id == number)).one()
        assert tuple(stored) == (application.state, application.version,
                                 application.settled_cents, application.objection_due_on,
                                 application.due_on)


def test_only_staff_decisions_are_fired_together(world, placements):
    first, *_ = placements
    with pytest.raises(ValueError, match="one by one"):
        fire_triggers([(first, "submit", {})], world.employer_applicant.user, SETTLED_ON)
    # What the actor may not see is not found, as one by one.
    with pytest.raises(NotFound):
        fire_triggers([(first, "settle", settle(3000_00))], world.outsider.user, SETTLED_ON,
                      allocation=7)
    assert fire_triggers([], world.approver.user, SETTLED_ON) == []


def test_the_days_off_are_read_once_for_the_firings_together(schemes):
    # A royal decree makes Friday 2 January 2015 a day off.
    db.session.add(StatutoryDayOff(day=date(2015, 1, 2), reason="Koninklijk besluit"))
    db.session.flush()
    with terms.days_off_read_once():
        assert terms.days_off() == {date(2015, 1, 2)}
        # Nothing fired together changes them; what changes them meanwhile is not seen.
        db.session.add(StatutoryDayOff(day=date(2015, 1, 5), reason="Koninklijk besluit"))
        db.session.flush()
        assert terms.days_off() == {date(2015, 1, 2)}
    assert terms.days_off() == {date(2015, 1, 2), date(2015, 1, 5)}


@pytest.mark.no_db
def test_the_collector_waits_longer_while_firings_are_made_together():
    before = gc.get_threshold()
    with engine.fewer_collections():
        # Young objects wait for 50,000, a full collection for 100 middle ones.
        assert gc.get_threshold() == (max(before[0], 50_000), before[1], max(before[2], 100))
        # A batch within (or beside) a batch keeps them; the last one out restores them.
        with engine.fewer_collections():
            assert gc.get_threshold()[0] == max(before[0], 50_000)
        assert gc.get_threshold()[0] == max(before[0], 50_000)
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), engine.fewer_collections():
        raise RuntimeError("a firing failed")
    assert gc.get_threshold() == before
