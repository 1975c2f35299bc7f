"""Payment runs raced in real processes: two finance officers prepare the same day's run at one
moment, then two approvers approve it at one moment. Each payable is planned once and paid
once: an advance instalment (booked on the ledger) and an objection's costs (booked nowhere)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    AuditEvent,
    Objection,
    ObjectionOutcome,
    Organisation,
    PaymentKind,
    PaymentLine,
    PaymentRun,
    Role,
    User,
)
from grants.services.accounts import create_user
from grants.services.tokens import create_token
from tests.concurrency.conftest import NOW, PASSWORD, race, transaction  # noqa: F401
from tests.payments.conftest import EMPLOYERS_IBAN

pytestmark = pytest.mark.no_db

DUE_ON = "2014-04-01"


def finance_tokens(race) -> list[str]:  # noqa: F811
    with race.app.app_context():
        tokens = []
        for key in ("finance", "finance2"):
            user = db.session.scalars(sa.select(User).where(
                User.email == f"{key}@example.nl")).one_or_none()
            user = user or create_user(email=f"{key}@example.nl", name=key,
                                       roles={Role.FINANCE}, password=PASSWORD)
            tokens.append(create_token(user, NOW, label="race")[1])
        db.session.commit()
    return tokens


def granted_with_objection_costs(race) -> int:  # noqa: F811
    """A plan granted € 400.000,00 on the race's day, whose first instalment (€ 80.000,00) falls
    due that day, and an upheld objection awarding € 1.050,00 of costs."""
    with race.app.app_context():
        db.session.get(Organisation, race.employers_id).iban = EMPLOYERS_IBAN
        db.session.commit()
    application = race.application("assessed")
    race.trigger(application["id"], "approve", "approver",
                 {"amount": "400000.00", "reason": "Niet alle kosten komen in aanmerking."})
    with race.app.app_context():
        against = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.application_id == application["id"], AuditEvent.trigger == "approve")
        ).one()
        db.session.add(Objection(
            application_id=application["id"], against_event_id=against.id,
            lodged_at=NOW - timedelta(hours=2), lodged_by_id=against.actor_id,
            reason="Bezwaar.", decision_due_on=NOW.date(), outcome=ObjectionOutcome.UPHELD,
            decided_at=NOW - timedelta(hours=1), decided_by_id=against.actor_id,
            decision_reason="Gegrond.", costs_cents=1_050_00))
        db.session.commit()
    return application["id"]


def held_lines(run_id: int | None = None) -> list[tuple]:
    stmt = sa.select(PaymentLine).where(PaymentLine.held.is_(True)).order_by(PaymentLine.id)
    if run_id is not None:
        stmt = stmt.where(PaymentLine.run_id == run_id)
    return [(line.kind, line.amount_cents, line.paid_through_cents)
            for line in db.session.scalars(stmt)]


def test_two_preparations_then_two_approvals_at_once_pay_each_payable_once(race):  # noqa: F811
    tokens = finance_tokens(race)
    number = granted_with_objection_costs(race)

    prepare = {"method": "POST", "path": "/api/v1/payment-runs",
               "body": {"due_on": DUE_ON, "dry_run": False, "ministry": "SZW"}}
    outcomes = race.run([{**prepare, "token": token} for token in tokens])
    # Both were in flight at one moment: neither finished before the other started.
    assert max(o.started for o in outcomes) < min(o.finished for o in outcomes)
    # One prepares the run; the other finds everything held by it.
    assert sorted(o.status for o in outcomes) == [201, 409], [o.body for o in outcomes]
    (run,) = [o.body for o in outcomes if o.status == 201]
    assert run["status"] == "prepared"
    with race.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRun)) == 1
        assert held_lines() == [(PaymentKind.ADVANCE, 80_000_00, 80_000_00),
                                (PaymentKind.OBJECTION_COSTS, 1_050_00, 1_050_00)]
        db.session.remove()

    approve = {"method": "POST", "path": f"/api/v1/payment-runs/{run['id']}/approve"}
    outcomes = race.run([{**approve, "token": race.tokens[key]}
                         for key in ("approver2", "approver3")])
    assert max(o.started for o in outcomes) < min(o.finished for o in outcomes)
    assert sorted(o.status for o in outcomes) == [200, 409], [o.body for o in outcomes]
    (approved,) = [o.body for o in outcomes if o.status == 200]
    assert approved["status"] == "approved"
    (refused,) = [o.body for o in outcomes if o.status == 409]
    assert refused["error"]["message"] == f"Betaalrun {run['id']} is al goedgekeurd."

    entries = race.entries(application_ids=[number])
    assert [(e["kind"].value, e["amount_cents"]) for e in entries
            if e["kind"].value == "disburse"] == [("disburse", 80_000_00)]
    assert race.get(number)["state"] == "monitored"
    with race.app.app_context():
        assert held_lines(run["id"]) == [(PaymentKind.ADVANCE, 80_000_00, 80_000_00),
                                         (PaymentKind.OBJECTION_COSTS, 1_050_00, 1_050_00)]
        db.session.remove()

    # Afterwards nothing is left to prepare.
    again = race.api("POST", "/payment-runs", tokens[0],
                     {"due_on": DUE_ON, "dry_run": False, "ministry": "SZW"})
    assert again.status_code == 409, again.get_json()
