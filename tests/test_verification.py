"""The record recomputed from its evidence (issue 15): a record the app made verifies clean; a
balance, a state, an audit row, a letter or a SEPA file changed behind the app's back is found
and named, with the figure kept and the figure recomputed."""

import hashlib
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    BudgetLine,
    Decision,
    LedgerEntry,
    Ministry,
    PaymentRun,
    PaymentRunStatus,
    User,
    VerificationOrigin,
    VerificationRun,
)
from grants.money import format_eur
from grants.payments.runs import approve_run, prepare_run
from grants.services.verification import (
    Unreadable,
    describe,
    sepa_figures,
    verify_record,
)
from tests.payments.conftest import (
    EMPLOYERS_IBAN,
    INSTITUTION_IBAN,
    PRAKTIJKLEREN_IBAN,
    Grants,
    pay_run,
)
from tests.payments.test_runs import NEW_YEAR_2015
from tests.reports.flow import settlement_request
from tests.test_ledger import assessed
from tests.workflows.scenarios import PARTLY
from tests.workflows.test_lifecycles import ok


@pytest.fixture
def record(world, clock):
    """A sector plan granted (its letter stored), two advance instalments paid by an approved
    payment run (its SEPA file stored), and the seeded lines around it."""
    world.employers.iban = EMPLOYERS_IBAN
    world.institution.iban = INSTITUTION_IBAN
    world.employer.iban = PRAKTIJKLEREN_IBAN
    db.session.commit()
    number = Grants(world, clock).sector_plan()
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    db.session.commit()
    assert run.line_count == 2
    return db.session.get(Application, number), run


def found(report, check: str) -> list[dict]:
    return [finding.as_json() for finding in report.findings if finding.check == check]


def drop_guard(sqlite_trigger: str, postgresql_trigger: str, table: str) -> None:
    """Tamper as someone with the database's keys would: the guard goes, inside the test's
    transaction (DDL is transactional on both databases), so the rollback brings it back."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.text(f"DROP TRIGGER {postgresql_trigger} ON {table}"))
    else:
        db.session.execute(sa.text(f"DROP TRIGGER {sqlite_trigger}"))


def the_letter(application: Application) -> Decision:
    return db.session.scalars(sa.select(Decision).where(
        Decision.application_id == application.id, Decision.pdf.is_not(None))).one()


# -- clean ----------------------------------------------------------------------------------------

def test_a_record_made_by_the_app_verifies_clean(record):
    application, run = record
    report = verify_record()
    assert report.findings == []
    assert report.clean
    assert report.lines == db.session.scalar(sa.select(sa.func.count(BudgetLine.id)))
    assert report.applications == db.session.scalar(sa.select(sa.func.count(Application.id)))
    assert report.decisions == 1
    assert report.payment_runs == 1


def test_every_kind_of_entry_is_summed_into_its_balance(world, schemes):
    """Reservations made and released, a commitment partly released, advances paid and partly
    recovered: the balances the ledger service kept are the ones recomputed."""
    scheme = schemes["sectorplan"]
    scheme.rules = {**scheme.rules, "reserve_on_positive_assessment": True}
    db.session.commit()
    granted, refused, waiting = assessed(world), assessed(world), assessed(world)
    ok(world.approver.fire(granted, "approve", {"amount": "400000.00", **PARTLY}))
    ok(world.approver.fire(refused, "reject", {"reason": "Onvoldoende draagvlak"}))
    ok(world.finance.fire(granted, "pay_advance", {"amount": "320000.00"}))
    ok(settlement_request(world.applicant, granted, "250000.00"))
    world.decide_prepared(granted, "settle", {"amount": "250000.00"})
    booked = set(db.session.execute(sa.select(LedgerEntry.kind, LedgerEntry.bucket)).all())
    assert {(kind.value, bucket and bucket.value) for kind, bucket in booked} == {
        ("reserve", None), ("release", "reserved"), ("commit", None), ("disburse", None),
        ("recover", None), ("release", "committed")}
    t2 = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == "T2")).one()
    assert (t2.reserved_cents, t2.committed_cents, t2.disbursed_cents, t2.recovered_cents) == (
        500_166_66, 250_000_00, 320_000_00, 70_000_00)
    assert db.session.get(Application, waiting).state.value == "assessed"

    assert verify_record().findings == []


def test_the_demo_verifies_clean_with_its_letters_and_a_payment_run(app, clock):
    from grants.demo import load_demo

    # Late in 2015: the demo's whole history has happened by then; its letters are made when
    # the load commits (the job queue runs at once when testing).
    clock.moment = datetime(2015, 12, 1, 9, tzinfo=UTC)
    load_demo(clock())
    db.session.commit()
    finance, approver = (db.session.scalars(sa.select(User).where(User.email == email)).one()
                         for email in ("financien@demo.techniekpact.nl",
                                       "beslisser@demo.techniekpact.nl"))
    run = prepare_run(Ministry.SZW, date(2015, 12, 1), finance, clock())
    approve_run(run.id, approver, clock())
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["grants", "verify"])
    assert result.exit_code == 0, result.output
    recorded = db.session.scalars(sa.select(VerificationRun)).one()
    assert recorded.clean and recorded.findings == []
    assert recorded.origin == VerificationOrigin.CLI and recorded.run_by_id is None
    assert recorded.applications_checked >= 24
    assert recorded.decisions_checked >= 1
    assert recorded.payment_runs_checked == 1
    assert recorded.lines_checked > 0
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) > 0
    assert result.output.splitlines() == [
        f"Gecontroleerd: {recorded.lines_checked} budgetregels, "
        f"{recorded.applications_checked} aanvragen, {recorded.decisions_checked} "
        f"besluitbrieven, 1 betaalruns.",
        f"Geen afwijkingen (controle {recorded.id}).",
    ]


# -- drift ----------------------------------------------------------------------------------------

def test_a_line_balance_changed_behind_the_ledger_is_found(record):
    line = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == "T2")).one()
    committed, disbursed = line.committed_cents, line.disbursed_cents
    db.session.execute(sa.text(
        "UPDATE budget_lines SET committed_cents = committed_cents + 100, "
        "disbursed_cents = disbursed_cents - 1 WHERE id = :id"), {"id": line.id})

    report = verify_record()
    assert not report.clean
    findings = [(f.check, f.record, f.recorded, f.recomputed) for f in report.findings]
    assert findings == [
        ("line_committed", "T2 (Tweede aanvraagtijdvak)", committed + 100, committed),
        ("line_disbursed", "T2 (Tweede aanvraagtijdvak)", disbursed - 1, disbursed),
    ]
    assert describe(report.findings[0].as_json()) == (
        f"Budgetregel T2 (Tweede aanvraagtijdvak): verplicht staat op "
        f"{format_eur(committed + 100)}, maar de boekingen tellen op tot {format_eur(committed)}.")


def test_a_chart_total_changed_behind_the_ledger_is_found(record):
    line = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == "T2")).one()
    committed = line.committed_cents
    db.session.execute(sa.text(
        "UPDATE ledger_periods SET committed_change_cents = committed_change_cents + 250 "
        "WHERE line_id = :id AND starts_at = (SELECT min(starts_at) FROM ledger_periods "
        "WHERE line_id = :id)"), {"id": line.id})

    report = verify_record()
    findings = [(f.check, f.record, f.recorded, f.recomputed) for f in report.findings]
    assert findings == [
        ("line_chart_committed", "T2 (Tweede aanvraagtijdvak)", committed + 250, committed)]
    assert describe(report.findings[0].as_json()) == (
        f"Budgetregel T2 (Tweede aanvraagtijdvak): de dagtotalen voor de grafieken geven "
        f"verplicht {format_eur(committed + 250)}, maar de boekingen tellen op tot "
        f"{format_eur(committed)}.")


def test_an_application_state_changed_behind_its_trail_is_found(record):
    application, _run = record
    db.session.execute(sa.text("UPDATE applications SET state = 'closed' WHERE id = :id"),
                       {"id": application.id})

    report = verify_record()
    [finding] = found(report, "application_state")
    assert (finding["record_id"], finding["record"]) == (application.id, application.reference)
    assert (finding["recorded"], finding["recomputed"]) == ("closed", "monitored")
    assert finding["message"] == (f"Aanvraag {application.reference}: de status is Afgesloten "
                                  "(closed), maar volgens het auditspoor In uitvoering "
                                  "(monitored).")
    assert len(report.findings) == 1


def test_an_audit_row_slipped_into_the_trail_breaks_the_chain(record, world):
    application, _run = record
    # Inserting is what the append-only trail allows: a row claiming a grant from a state the
    # application was never in, ending where it now is, so that the state still matches.
    db.session.execute(sa.insert(AuditEvent).values(
        application_id=application.id, trigger="approve", from_state="submitted",
        to_state=application.state.value, actor_id=world.approver.user.id,
        at=datetime(2015, 1, 3, 9, tzinfo=UTC), reason="", data={}))
    inserted = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))

    report = verify_record()
    [finding] = report.findings
    assert (finding.check, finding.record, finding.detail) == (
        "audit_chain", application.reference, str(inserted))
    assert (finding.recorded, finding.recomputed) == ("submitted", "monitored")
    assert describe(finding.as_json()) == (
        f"Aanvraag {application.reference}: auditregel {inserted} begint bij Ingediend "
        "(submitted), maar de regel ervoor eindigde bij In uitvoering (monitored).")


def test_a_letter_replaced_behind_the_app_is_found(record):
    application, _run = record
    letter = the_letter(application)
    kept = letter.sha256
    forged = letter.pdf + b"\n% aangepast\n"
    drop_guard("decisions_no_update", "decisions_guard", "decisions")
    db.session.execute(sa.text("UPDATE decisions SET pdf = :pdf WHERE id = :id"),
                       {"pdf": forged, "id": letter.id})

    report = verify_record()
    [finding] = report.findings
    assert (finding.kind, finding.record_id, finding.check) == ("decision", letter.id,
                                                                "letter_sha256")
    assert finding.record == f"{letter.id} ({letter.reference})"
    assert (finding.recorded, finding.recomputed) == (kept, hashlib.sha256(forged).hexdigest())
    assert kept in describe(finding.as_json())


def test_a_changed_hash_of_a_letter_is_found(record):
    application, _run = record
    letter = the_letter(application)
    actual = letter.sha256
    drop_guard("decisions_no_update", "decisions_guard", "decisions")
    db.session.execute(sa.text("UPDATE decisions SET sha256 = :hash WHERE id = :id"),
                       {"hash": "0" * 64, "id": letter.id})

    [finding] = verify_record().findings
    assert (finding.recorded, finding.recomputed) == ("0" * 64, actual)


def test_a_sepa_file_whose_amount_was_changed_is_found(record):
    _application, run = record
    xml = run.sepa_xml
    amount = sepa_amounts(xml)[0]
    forged = xml.replace(f">{amount}</InstdAmt>".encode(), b">999999.99</InstdAmt>", 1)
    assert forged != xml
    drop_guard("payment_runs_guard", "payment_runs_guard", "payment_runs")
    db.session.execute(sa.text("UPDATE payment_runs SET sepa_xml = :xml WHERE id = :id"),
                       {"xml": forged, "id": run.id})

    report = verify_record()
    changed = 99999999 - cents(amount)
    assert {(f.check, f.recorded, f.recomputed) for f in report.findings} == {
        ("sepa_sha256", run.sepa_sha256, hashlib.sha256(forged).hexdigest()),
        ("sepa_transfers_sum", run.total_cents, run.total_cents + changed),
        ("sepa_batch_sum", run.total_cents, run.total_cents + changed),
    }
    assert {f.record for f in report.findings} == {f"{run.id} ({run.message_id})"}
    message = describe(found(report, "sepa_transfers_sum")[0])
    assert message == (f"Betaalrun {run.id} ({run.message_id}): het vastgelegde totaal is "
                       f"{format_eur(run.total_cents)}, maar de overboekingen in het "
                       f"SEPA-bestand tellen op tot {format_eur(run.total_cents + changed)}.")


def test_a_payment_runs_total_and_count_changed_are_found(record):
    _application, run = record
    total, count = run.total_cents, run.line_count
    drop_guard("payment_runs_guard", "payment_runs_guard", "payment_runs")
    db.session.execute(sa.text("UPDATE payment_runs SET total_cents = total_cents + 5, "
                               "line_count = line_count + 1 WHERE id = :id"), {"id": run.id})

    report = verify_record()
    assert {(f.check, f.recorded, f.recomputed) for f in report.findings} == {
        ("paid_lines_sum", total + 5, total),
        ("paid_lines_count", count + 1, count),
        ("sepa_transfers_sum", total + 5, total),
        ("sepa_transfers_count", count + 1, count),
        ("sepa_ctrl_sum", total + 5, total),
        ("sepa_nb_of_txs", count + 1, count),
    }


def test_a_prepared_run_has_no_file_yet_and_is_not_checked(record, world, clock):
    Grants(world, clock).sector_plan("300000.00")
    clock.moment = NEW_YEAR_2015
    prepare_run(Ministry.SZW, date(2015, 1, 1), world.finance.user, clock())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(PaymentRun.id)).where(
        PaymentRun.status == PaymentRunStatus.PREPARED)) == 1
    report = verify_record()
    assert report.clean
    assert (report.payment_runs, report.decisions) == (1, 2)


# -- the SEPA file read -------------------------------------------------------------------------

def sepa_amounts(xml: bytes) -> list[str]:
    import re

    return re.findall(r">([0-9.]+)</InstdAmt>", xml.decode())


def cents(amount: str) -> int:
    euros, _, decimals = amount.partition(".")
    return int(euros) * 100 + int((decimals + "00")[:2])


def test_the_sepa_file_read_gives_its_totals(record):
    _application, run = record
    figures = sepa_figures(run.sepa_xml)
    assert (figures.nb_of_txs, figures.count) == (run.line_count, run.line_count)
    assert (figures.ctrl_sum, figures.total) == (run.total_cents, run.total_cents)
    assert figures.total == sum(cents(amount) for amount in sepa_amounts(run.sepa_xml))


@pytest.mark.no_db
@pytest.mark.parametrize("xml, reason", [
    (b"<Document><CstmrCdtTrfInitn>", "geen XML"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>', "DTD"),
    (b"<Document/>", "geen GrpHdr"),
    (b"<Document><GrpHdr><NbOfTxs>1</NbOfTxs><CtrlSum>1e3</CtrlSum></GrpHdr></Document>",
     "CtrlSum '1e3' is geen bedrag"),
    (b"<Document><GrpHdr><NbOfTxs>\xd9\xa1</NbOfTxs><CtrlSum>1.00</CtrlSum></GrpHdr>"
     b"</Document>", "geen aantal"),
])
def test_a_sepa_file_that_cannot_be_read_says_why(xml, reason):
    with pytest.raises(Unreadable, match=reason):
        sepa_figures(xml)


def test_an_unreadable_sepa_file_is_a_finding(record):
    _application, run = record
    drop_guard("payment_runs_guard", "payment_runs_guard", "payment_runs")
    db.session.execute(sa.text("UPDATE payment_runs SET sepa_xml = :xml WHERE id = :id"),
                       {"xml": b"<Document>", "id": run.id})
    checks = {f.check: f for f in verify_record().findings}
    assert set(checks) == {"sepa_sha256", "sepa_unreadable"}
    assert describe(checks["sepa_unreadable"].as_json()).startswith(
        f"Betaalrun {run.id} ({run.message_id}): het SEPA-bestand is niet te lezen (geen XML")


# -- the command ------------------------------------------------------------------------------

def test_the_command_exits_1_and_names_each_finding(app, record):
    application, run = record
    db.session.execute(sa.text("UPDATE applications SET state = 'closed' WHERE id = :id"),
                       {"id": application.id})
    db.session.execute(sa.text(
        "UPDATE budget_lines SET reserved_cents = reserved_cents + 1 WHERE code = 'T2'"))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["grants", "verify"])
    assert result.exit_code == 1, result.output
    recorded = db.session.scalars(sa.select(VerificationRun)).one()
    assert not recorded.clean and recorded.finding_count == 2
    assert result.output.splitlines()[1:] == [
        f"2 afwijkingen (controle {recorded.id}):",
        f"- Budgetregel T2 (Tweede aanvraagtijdvak): gereserveerd staat op {format_eur(1)}, "
        f"maar de boekingen tellen op tot {format_eur(0)}.",
        f"- Aanvraag {application.reference}: de status is Afgesloten (closed), maar volgens "
        "het auditspoor In uitvoering (monitored).",
    ]
    assert [f["check"] for f in recorded.findings] == ["line_reserved", "application_state"]
    assert recorded.findings[1]["recorded"] == "closed"


def test_the_command_records_who_checked(app, record, world):
    result = app.test_cli_runner().invoke(
        args=["grants", "verify", "--as", world.finance.user.email])
    assert result.exit_code == 0, result.output
    recorded = db.session.scalars(sa.select(VerificationRun)).one()
    assert recorded.run_by_id == world.finance.user.id

    refused = app.test_cli_runner().invoke(
        args=["grants", "verify", "--as", world.applicant.user.email])
    assert refused.exit_code == 2
    assert "geen financiële medewerker of beheerder" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(VerificationRun.id))) == 1


# -- at night ---------------------------------------------------------------------------------

@pytest.mark.no_db
@pytest.mark.parametrize("utc, due", [
    (datetime(2015, 1, 15, 2, 0), True),  # winter: 03:00 CET
    (datetime(2015, 1, 15, 1, 0), False),
    (datetime(2015, 1, 15, 2, 1), False),
    (datetime(2015, 7, 15, 1, 0), True),  # summer: 03:00 CEST
    (datetime(2015, 7, 15, 2, 0), False),
    (datetime(2015, 3, 29, 1, 0), True),  # the clocks go from 02:00 to 03:00
    (datetime(2015, 10, 25, 0, 0), False),  # 02:00 CEST, then the clocks go back
    (datetime(2015, 10, 25, 1, 0), False),  # 02:00 CET
    (datetime(2015, 10, 25, 2, 0), True),  # 03:00 CET, once
])
def test_the_nightly_check_is_due_at_three_in_amsterdam(utc, due):
    from grants.jobs.verification import at_three_in_amsterdam

    assert at_three_in_amsterdam(utc) is due


def test_the_worker_runs_the_check_at_night_and_records_it(app, record):
    from grants.jobs.queue import queue_for
    from grants.jobs.verification import VERIFY_NIGHTLY, run_nightly_verification

    huey = queue_for(app).huey
    assert [task.name for task in huey.read_periodic(datetime(2015, 1, 15, 2, 0))] == [
        VERIFY_NIGHTLY]
    assert huey.read_periodic(datetime(2015, 1, 15, 3, 0)) == []

    application, _run = record
    db.session.execute(sa.text("UPDATE applications SET state = 'closed' WHERE id = :id"),
                       {"id": application.id})
    run = run_nightly_verification()
    recorded = db.session.get(VerificationRun, run.id)
    assert recorded.origin == VerificationOrigin.NIGHTLY and recorded.run_by_id is None
    assert recorded.origin_label == "nachtelijke controle"
    assert not recorded.clean
    assert [f["record"] for f in recorded.findings] == [application.reference]
