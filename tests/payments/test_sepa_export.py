"""The SEPA export folder (issue 15): each approved run's file is written outside the database,
and a file recorded as sent after a restore (``--mark-sent``) keeps its payments from being
paid again until finance resolves it."""

from datetime import UTC, date, datetime

import pytest

from grants.errors import Conflict
from grants.extensions import db
from grants.models import Application, Ministry, PaymentRun
from grants.payments import export, sepa
from grants.payments.runs import approve_run, due_payments, prepare_run
from tests.payments.conftest import EMPLOYERS_IBAN, ok, pay_run

NEW_YEAR_2015 = datetime(2015, 1, 2, 9, tzinfo=UTC)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEPA_EXPORT_DIR", str(tmp_path / "sepa"))
    return tmp_path / "sepa"


def test_approving_through_the_api_writes_the_file_to_the_export_folder(
        grants, world, clock, folder):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    run = ok(world.finance.call("POST", "/payment-runs", {
        "due_on": "2015-01-01", "dry_run": False}), 201)["id"]
    response = world.approver.call("POST", f"/payment-runs/{run}/approve")
    assert response.status_code == 200 and response.headers["X-SEPA-Export"] == "written"
    stored = db.session.get(PaymentRun, run)
    assert (folder / f"{stored.message_id}.xml").read_bytes() == stored.sepa_xml
    assert list(export.exported_files(folder)) == [stored.message_id]


def test_the_export_never_overwrites_another_file_under_the_same_message_id(
        grants, world, clock, folder):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    folder.mkdir()
    (folder / f"{run.message_id}.xml").write_bytes(b"<other/>")
    with pytest.raises(export.ExportConflict):
        export.write_sepa_file(run)
    assert export.export_after_approval(run) is False
    assert (folder / f"{run.message_id}.xml").read_bytes() == b"<other/>"
    # The same bytes again are a harmless retry.
    (folder / f"{run.message_id}.xml").unlink()
    assert export.export_after_approval(run) and export.export_after_approval(run)
    assert export.export_missing(folder) == ([], [])


def test_the_transfers_are_read_back_from_the_file(grants, world, clock):
    number = grants.sector_plan()
    reference = db.session.get(Application, number).reference
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    assert [(t.end_to_end_id, t.reference, t.amount_cents, t.remittance)
            for t in export.transfers_in(run.sepa_xml)] == [
        (f"{reference}-{run.id}-V1", reference, 120_000_00, f"{reference} voorschot 1/3"),
        (f"{reference}-{run.id}-V2", reference, 120_000_00, f"{reference} voorschot 2/3")]


def test_a_file_recorded_as_sent_holds_its_payments_back_until_resolved(grants, world, clock):
    number = grants.sector_plan()
    other = grants.sector_plan("300000.00")
    reference = db.session.get(Application, number).reference
    clock.moment = NEW_YEAR_2015
    # What the bank received after the backup: run 999's file, paying the first plan's
    # advance; the restored database never saw that run.
    debtor = sepa.debtor_for(Ministry.SZW)
    sent_xml = sepa.credit_transfer(debtor, [sepa.Transfer(
        f"{reference}-999-V1", "Metaalwerkgevers", EMPLOYERS_IBAN, 120_000_00,
        f"{reference} voorschot 1/3")], message_id="TP-SZW-00000999", created_at=clock(),
        execution_on=date(2015, 1, 2))

    export.record_sent("TP-SZW-00000999", sent_xml, clock(), "test")
    preview = due_payments(Ministry.SZW, date(2015, 1, 1), world.finance.user)
    assert {line.application.id for line in preview.lines} == {other}
    (skipped,) = preview.skipped
    assert skipped.application.id == number and "TP-SZW-00000999" in skipped.reason

    # A run prepared before the record that holds the plan cannot be approved.
    export.resolve_sent("TP-SZW-00000999", clock(), "tijdelijk")
    run = prepare_run(Ministry.SZW, date(2015, 1, 1), world.finance.user, clock())
    export.record_sent("TP-SZW-00000999", sent_xml, clock(), "test")
    with pytest.raises(Conflict, match="TP-SZW-00000999"):
        approve_run(run.id, world.approver.user, clock())

    export.resolve_sent("TP-SZW-00000999", clock(), "met de hand geboekt")
    assert approve_run(run.id, world.approver.user, clock()).line_count == 4
    assert [r["resolution"] for r in export.sent_records()] == ["met de hand geboekt"]
    assert reference in {t["reference"] for t in export.sent_records()[0]["transfers"]}
