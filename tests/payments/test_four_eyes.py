"""Four eyes on payment runs (domain.md §4): finance prepares, a second person with the approver
role approves, and only then is anything paid, booked, or written to a SEPA file."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.errors import Conflict, Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    EntryKind,
    LedgerEntry,
    Ministry,
    PaymentRunStatus,
    Role,
)
from grants.models.users import UserRole
from grants.payments.runs import (
    approve_run,
    cancel_run,
    due_payments,
    prepare_run,
    sepa_file,
)
from tests.factories import UserFactory
from tests.payments.conftest import pay_run, praktijkleren_settled
from tests.payments.test_runs import NEW_YEAR_2015, sepa_document

DAY = date(2015, 1, 1)


def disbursed() -> list[tuple[int, int]]:
    return [(e.application_id, e.amount_cents) for e in db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.DISBURSE)
        .order_by(LedgerEntry.id))]


@pytest.fixture
def prepared(grants, world, clock):
    """Two instalments of € 120.000,00 of one sector plan, planned on 2 January 2015."""
    number = grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, clock())
    db.session.commit()
    return number, run


def test_preparing_books_nothing_and_makes_no_file(prepared, world):
    number, run = prepared
    assert run.status == PaymentRunStatus.PREPARED
    assert run.prepared_by == world.finance.user and run.approved_by is None
    assert [(line.instalment, line.amount_cents, line.held) for line in run.lines] == [
        (1, 120_000_00, True), (2, 120_000_00, True)]
    assert run.total_cents == 240_000_00
    assert disbursed() == []
    assert db.session.get(Application, number).state.value == "approved"
    assert run.sepa_xml is None
    with pytest.raises(Conflict):
        sepa_file(run)
    # Held by the prepared run: no second run plans them, and the preview says why.
    preview = due_payments(Ministry.SZW, DAY, world.finance.user)
    assert preview.lines == []
    assert [s.reason for s in preview.skipped] == [
        f"Staat al in betaalrun {run.id}, die op goedkeuring wacht."]
    with pytest.raises(Conflict):
        prepare_run(Ministry.SZW, DAY, world.finance.user, NEW_YEAR_2015)


def test_the_approver_pays_books_and_makes_the_file(prepared, world, clock):
    number, run = prepared
    clock.moment = datetime(2015, 1, 5, 9, tzinfo=UTC)  # approved on Monday
    run = approve_run(run.id, world.approver.user, clock())
    assert run.status == PaymentRunStatus.APPROVED
    assert (run.approved_by, run.approved_at) == (world.approver.user, clock())
    assert run.execution_on == date(2015, 1, 5)
    assert disbursed() == [(number, 120_000_00), (number, 120_000_00)]
    trail = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger == "pay_advance")).all()
    # The approver fires the payments: the audit names who decided.
    assert {event.actor_id for event in trail} == {world.approver.user.id}
    document = sepa_document(sepa_file(run))
    assert document.findtext(
        "{*}CstmrCdtTrfInitn/{*}PmtInf/{*}ReqdExctnDt") == "2015-01-05"


def test_the_preparer_cannot_approve_and_nobody_approves_twice(prepared, world, clock):
    number, run = prepared
    with pytest.raises(Conflict) as own:
        approve_run(run.id, world.finance.user, clock())
    assert "U hebt deze betaalrun voorbereid" in own.value.message
    # A preparer who is an approver too is still the preparer.
    world.finance.user.role_rows.append(UserRole(role=Role.APPROVER))
    db.session.flush()
    with pytest.raises(Conflict):
        approve_run(run.id, world.finance.user, clock())
    other_finance = UserFactory(role=Role.FINANCE)
    with pytest.raises(Forbidden):
        approve_run(run.id, other_finance, clock())
    assert disbursed() == []

    approve_run(run.id, world.approver.user, clock())
    db.session.commit()
    with pytest.raises(Conflict) as twice:
        approve_run(run.id, world.approver2.user, clock())
    assert twice.value.message == f"Betaalrun {run.id} is al goedgekeurd."
    assert len(disbursed()) == 2


def test_a_cancelled_run_frees_its_lines(prepared, world, clock):
    number, run = prepared
    with pytest.raises(ValidationFailed) as no_reason:
        cancel_run(run.id, world.finance.user, clock(), "  ")
    assert "reason" in no_reason.value.fields
    with pytest.raises(Forbidden):
        cancel_run(run.id, UserFactory(role=Role.FINANCE), clock(), "Verkeerde dag.")
    cancel_run(run.id, world.approver.user, clock(), "Eerst het IBAN controleren.")
    db.session.commit()
    assert run.status == PaymentRunStatus.CANCELLED
    assert (run.cancelled_by, run.cancel_reason) == (world.approver.user,
                                                    "Eerst het IBAN controleren.")
    assert [line.held for line in run.lines] == [None, None]
    with pytest.raises(Conflict):
        approve_run(run.id, world.approver.user, clock())
    with pytest.raises(Conflict):
        cancel_run(run.id, world.finance.user, clock(), "Nog eens.")

    again = pay_run(world, clock, Ministry.SZW, DAY)
    assert [(line.instalment, line.amount_cents) for line in again.lines] == [
        (1, 120_000_00), (2, 120_000_00)]
    assert disbursed() == [(number, 120_000_00), (number, 120_000_00)]


def test_approval_pays_only_what_is_still_owed_and_says_what_it_skipped(grants, world, clock):
    plan = grants.sector_plan()
    settled = praktijkleren_settled(world, clock)
    clock.moment = NEW_YEAR_2015
    sector_run = prepare_run(Ministry.SZW, DAY, world.finance.user, clock())
    ocw_run = prepare_run(Ministry.OCW, DAY, world.finance.user, clock())
    db.session.commit()
    # Meanwhile € 120.000,00 of the plan is paid by hand (the first instalment), and the
    # praktijkleren settlement too.
    assert world.finance.fire(plan, "pay_advance", {"amount": "120000.00"}).status_code == 200
    assert world.finance.fire(settled, "pay").status_code == 200

    approved = approve_run(sector_run.id, world.approver.user, clock())
    assert [(line.instalment, line.held, line.release_reason) for line in approved.lines] == [
        (1, None, "Het bedrag is gewijzigd sinds de voorbereiding; het komt in een volgende "
                  "betaalrun."),
        (2, True, "")]
    assert approved.total_cents == 120_000_00
    assert [(n, a) for n, a in disbursed() if n == plan] == [(plan, 120_000_00)] * 2

    with pytest.raises(Conflict) as nothing:
        approve_run(ocw_run.id, world.approver.user, clock())
    assert nothing.value.message == (
        f"Niets van betaalrun {ocw_run.id} is nog te betalen; annuleer haar.")
    db.session.rollback()
    assert db.session.get(type(ocw_run), ocw_run.id).status == PaymentRunStatus.PREPARED


def test_a_changed_iban_is_not_paid_as_approved(prepared, world, clock):
    number, run = prepared
    world.employers.iban = "NL20INGB0001234567"
    db.session.commit()
    with pytest.raises(Conflict):
        approve_run(run.id, world.approver.user, clock())
    db.session.rollback()
    assert disbursed() == []
