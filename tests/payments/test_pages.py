"""The payment pages: what is due, committing with confirmation, the run and its SEPA file."""

import hashlib
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, EntryKind, LedgerEntry, PaymentRun
from tests.conftest import csrf_token
from tests.payments.test_runs import NEW_YEAR_2015, sepa_document
from tests.test_finance_pages import table_rows


def commit(client, due_on="2015-01-01", ministry="SZW", confirm="y"):
    data = {"csrf_token": csrf_token(client, f"/financien/betalingen/?due_on={due_on}"
                                              f"&ministry={ministry}"),
            "due_on": due_on, "ministry": ministry}
    if confirm:
        data["confirm"] = confirm
    return client.post("/financien/betalingen/", data=data)


def disbursements() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry).where(
        LedgerEntry.kind == EntryKind.DISBURSE))


def test_finance_sees_what_falls_due_with_iban_and_reference(grants, world, clock, login_as):
    number = grants.sector_plan()
    reference = db.session.get(Application, number).reference
    clock.moment = NEW_YEAR_2015
    client = login_as(world.finance.user)
    html = client.get("/financien/betalingen/?due_on=2015-01-01&ministry=SZW").get_data(
        as_text=True)
    rows = [row for row in table_rows(html) if row and row[0] == reference]
    assert rows == [
        [reference, "Metaalwerkgevers", "NL91 ABNA 0417 1643 00", "1 van 3", "1 juli 2014",
         f"{reference} voorschot 1/3", "€\xa0120.000,00"],
        [reference, "Metaalwerkgevers", "NL91 ABNA 0417 1643 00", "2 van 3", "1 januari 2015",
         f"{reference} voorschot 2/3", "€\xa0120.000,00"]]
    assert "Betalingen boeken en SEPA-bestand maken" in html
    # The list only reads.
    assert disbursements() == 0


def test_the_list_opens_on_today(grants, world, clock, login_as):
    grants.sector_plan()
    clock.moment = datetime(2014, 7, 1, 9, tzinfo=UTC)
    html = login_as(world.finance.user).get("/financien/betalingen/").get_data(as_text=True)
    assert 'value="2014-07-01"' in html
    assert "Te betalen termijnen tot en met 1 juli 2014" in html


def test_a_bad_date_is_named_at_its_field(world, login_as):
    html = login_as(world.finance.user).get(
        "/financien/betalingen/?due_on=morgen&ministry=SZW").get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'id="due_on-error"' in html
    assert 'href="#due_on"' in html


def test_committing_needs_the_confirmation(grants, world, clock, login_as):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    client = login_as(world.finance.user)
    response = commit(client, confirm=None)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # In the summary at the top, linked to the box, and next to the box itself.
    assert '<a href="#confirm">Bevestig dat u de betalingen wilt boeken.</a>' in html
    assert 'id="confirm-error"' in html and 'aria-describedby="confirm-error"' in html
    assert "Te betalen termijnen tot en met 1 januari 2015" in html
    assert disbursements() == 0


def test_commit_then_the_run_page_and_the_same_sepa_file_again(grants, world, clock, login_as):
    number = grants.sector_plan()
    reference = db.session.get(Application, number).reference
    clock.moment = NEW_YEAR_2015
    client = login_as(world.finance.user)
    response = commit(client)
    assert response.status_code == 302
    run = db.session.scalars(sa.select(PaymentRun)).one()
    assert response.headers["Location"].endswith(f"/financien/betalingen/{run.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Betaalrun {run.id} is geboekt: 2 betalingen." in html
    assert [row for row in table_rows(html) if row and row[0] == reference][1] == [
        reference, "Metaalwerkgevers", "NL91 ABNA 0417 1643 00", "2 van 3", "1 januari 2015",
        f"{reference} voorschot 2/3", "€\xa0120.000,00"]
    assert run.sepa_sha256 in html

    first = client.get(f"/financien/betalingen/{run.id}/sepa.xml")
    again = client.get(f"/financien/betalingen/{run.id}/sepa.xml")
    assert first.status_code == 200 and first.mimetype == "application/xml"
    assert first.data == again.data == run.sepa_xml
    assert hashlib.sha256(first.data).hexdigest() == run.sepa_sha256
    assert f'filename="{run.message_id}.xml"' in first.headers["Content-Disposition"]
    sepa_document(first.data)

    # The same day again: nothing is paid twice, and the page says why.
    second = commit(client)
    assert second.status_code == 409
    assert "Er zijn op 1 januari 2015 geen voorschotten (meer) te betalen." in second.get_data(
        as_text=True)
    assert disbursements() == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRun)) == 1
    listing = client.get("/financien/betalingen/").get_data(as_text=True)
    assert re.search(rf"Betaalrun {run.id}</a>", listing)


def test_left_out_organisations_are_shown_with_the_reason(grants, world, clock, login_as):
    number = grants.sector_plan()
    world.employers.iban = ""
    db.session.commit()
    clock.moment = NEW_YEAR_2015
    html = login_as(world.finance.user).get(
        "/financien/betalingen/?due_on=2015-01-01&ministry=SZW").get_data(as_text=True)
    reference = db.session.get(Application, number).reference
    assert [reference, "Geen IBAN bekend van Metaalwerkgevers; vul het aan voordat er "
            "betaald wordt."] in table_rows(html)
    assert "Betalingen boeken" not in html


@pytest.mark.parametrize("who", ["assessor", "approver", "applicant", "admin", "committee"])
def test_only_finance_reaches_the_payments(grants, world, clock, login_as, who):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    client = login_as(getattr(world, who).user)
    assert client.get("/financien/betalingen/?due_on=2015-01-01").status_code == 403
    assert client.get("/financien/betalingen/1").status_code == 403
    assert client.get("/financien/betalingen/1/sepa.xml").status_code == 403
    token = csrf_token(client, "/regelingen")
    response = client.post("/financien/betalingen/", data={
        "csrf_token": token, "due_on": "2015-01-01", "ministry": "SZW", "confirm": "y"})
    assert response.status_code == 403
    assert disbursements() == 0
