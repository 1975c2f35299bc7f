"""The database keeps the record whatever the app (or someone with its credentials) tries
(issue 15): assessments and frozen submissions never change; a ceiling amendment only gets its
approver, once; a payment run and its lines are fixed once the run is approved (sent to the
bank); nothing of it is deleted; on PostgreSQL no evidence table can be truncated."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from grants.extensions import db
from grants.models import (
    Assessment,
    BudgetLine,
    CeilingAmendment,
    Ministry,
    PaymentLine,
    PaymentRun,
    Submission,
    User,
)
from grants.payments.runs import prepare_run
from grants.services.schemes import amend_ceiling
from tests.payments.conftest import pay_run
from tests.payments.test_runs import NEW_YEAR_2015

EVIDENCE = ("audit_events", "ledger_entries", "admin_events", "decisions", "assessments",
            "submissions", "ceiling_amendments", "payment_runs", "payment_lines")


def refused(statement) -> None:
    with pytest.raises(DatabaseError), db.session.begin_nested():
        db.session.execute(statement)


def allowed(statement) -> None:
    with db.session.begin_nested():
        db.session.execute(statement)


def test_assessments_and_submissions_are_never_changed_or_deleted(grants):
    grants.sector_plan()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    refused(sa.update(Assessment).values(reasoning="Achteraf anders opgeschreven."))
    refused(sa.update(Assessment).values(recommendation="negative"))
    refused(sa.delete(Assessment))
    refused(sa.update(Submission).values(requested_cents=1))
    refused(sa.delete(Submission))


def test_an_approved_run_and_its_lines_are_fixed_and_nothing_is_deleted(grants, world, clock):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    db.session.commit()
    refused(sa.update(PaymentRun).where(PaymentRun.id == run.id).values(total_cents=1))
    refused(sa.update(PaymentRun).where(PaymentRun.id == run.id).values(status="cancelled"))
    refused(sa.update(PaymentLine).where(PaymentLine.run_id == run.id)
            .values(creditor_iban="NL02ABNA0123456789"))
    refused(sa.update(PaymentLine).where(PaymentLine.run_id == run.id).values(amount_cents=1))
    refused(sa.delete(PaymentLine))
    refused(sa.delete(PaymentRun))


def test_a_prepared_run_still_changes_until_it_is_approved(grants, world, clock):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    run = prepare_run(Ministry.SZW, date(2015, 1, 1), world.finance.user, clock())
    db.session.commit()
    allowed(sa.update(PaymentLine).where(PaymentLine.run_id == run.id)
            .values(release_reason="Nagekeken"))
    allowed(sa.update(PaymentRun).where(PaymentRun.id == run.id).values(skipped=[]))
    refused(sa.delete(PaymentRun).where(PaymentRun.id == run.id))


def test_a_ceiling_amendment_gets_its_approver_once_and_nothing_else(world, clock):
    line = db.session.scalars(sa.select(BudgetLine).where(
        BudgetLine.code == "uitvoering-reserve")).one()
    amendment = amend_ceiling(line, line.ceiling_cents - 100_00, reason="Ruimte voor T4",
                              effective_on=clock().date(), now=clock(), user=world.admin.user)
    db.session.flush()
    this = sa.update(CeilingAmendment).where(CeilingAmendment.id == amendment.id)
    refused(this.values(new_ceiling_cents=1))
    refused(this.values(reason="Anders"))
    allowed(this.values(approved_by_id=world.approver.user.id))
    refused(this.values(approved_by_id=db.session.scalar(sa.select(sa.func.max(User.id)))))
    refused(sa.delete(CeilingAmendment).where(CeilingAmendment.id == amendment.id))


def test_no_evidence_table_can_be_truncated_on_postgresql(world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE fires the row triggers tested above")
    for table in EVIDENCE:
        with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text(f"TRUNCATE {table} CASCADE"))
