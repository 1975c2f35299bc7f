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


def switch_to(client, login_as, user):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/regelingen")})
    return login_as(user)


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
        [reference, "Metaalwerkgevers", "NL91 ABNA 0417 1643 00", "voorschot 1 van 3",
         "1 juli 2014", f"{reference} voorschot 1/3", "€\xa0120.000,00"],
        [reference, "Metaalwerkgevers", "NL91 ABNA 0417 1643 00", "voorschot 2 van 3",
         "1 januari 2015", f"{reference} voorschot 2/3", "€\xa0120.000,00"]]
    assert "Betaalrun voorbereiden" in html
    assert "Uitvoeringsdatum: 2 januari 2015." in html
    # The list only reads.
    assert disbursements() == 0


def test_the_list_opens_on_today(grants, world, clock, login_as):
    grants.sector_plan()
    clock.moment = datetime(2014, 7, 1, 9, tzinfo=UTC)
    html = login_as(world.finance.user).get("/financien/betalingen/").get_data(as_text=True)
    assert 'value="2014-07-01"' in html
    assert "Te betalen tot en met 1 juli 2014" in html


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
    assert '<a href="#confirm">Bevestig dat u de betalingen wilt voorleggen.</a>' in html
    assert 'id="confirm-error"' in html and 'aria-describedby="confirm-error"' in html
    assert "Te betalen tot en met 1 januari 2015" in html
    assert disbursements() == 0


def test_prepare_approve_then_the_run_page_and_the_same_sepa_file_again(
        grants, world, clock, login_as):
    number = grants.sector_plan()
    reference = db.session.get(Application, number).reference
    clock.moment = NEW_YEAR_2015
    client = login_as(world.finance.user)
    response = commit(client)
    assert response.status_code == 302
    run = db.session.scalars(sa.select(PaymentRun)).one()
    assert response.headers["Location"].endswith(f"/financien/betalingen/{run.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Betaalrun {run.id} is voorbereid: 2 betalingen." in html
    assert [row for row in table_rows(html) if row and row[0] == reference][1] == [
        reference, "Metaalwerkgevers", "NL91 ABNA 0417 1643 00", "voorschot 2 van 3",
        "1 januari 2015", f"{reference} voorschot 2/3", "€\xa0120.000,00"]
    assert "voorbereid" in html and "Komt er pas na goedkeuring." in html
    # The preparer is offered no approval, and is refused one all the same.
    assert "Betaalrun goedkeuren" not in html and "Betaalrun annuleren" in html
    own = client.post(f"/financien/betalingen/{run.id}/goedkeuren", data={
        "csrf_token": csrf_token(client, f"/financien/betalingen/{run.id}")})
    assert own.status_code == 409
    assert "U hebt deze betaalrun voorbereid" in own.get_data(as_text=True)
    assert client.get(f"/financien/betalingen/{run.id}/sepa.xml").status_code == 409
    assert disbursements() == 0

    client = switch_to(client, login_as, world.approver.user)
    page = client.get(f"/financien/betalingen/{run.id}").get_data(as_text=True)
    assert "Betaalrun goedkeuren" in page
    approved = client.post(f"/financien/betalingen/{run.id}/goedkeuren", data={
        "csrf_token": csrf_token(client, f"/financien/betalingen/{run.id}")})
    assert approved.status_code == 302
    html = client.get(approved.headers["Location"]).get_data(as_text=True)
    assert f"Betaalrun {run.id} is goedgekeurd: 2 betalingen geboekt." in html
    assert f"door {world.finance.user.name}" in html
    assert f"door {world.approver.user.name}" in html
    assert "Betaalrun goedkeuren" not in html and "Betaalrun annuleren" not in html
    assert disbursements() == 2
    db.session.refresh(run)
    assert run.sepa_sha256 in html

    first = client.get(f"/financien/betalingen/{run.id}/sepa.xml")
    again = client.get(f"/financien/betalingen/{run.id}/sepa.xml")
    assert first.status_code == 200 and first.mimetype == "application/xml"
    assert first.data == again.data == run.sepa_xml
    assert hashlib.sha256(first.data).hexdigest() == run.sepa_sha256
    assert f'filename="{run.message_id}.xml"' in first.headers["Content-Disposition"]
    sepa_document(first.data)

    # The same day again: nothing is paid twice, and the page says why.
    client = switch_to(client, login_as, world.finance.user)
    second = commit(client)
    assert second.status_code == 409
    assert "Er is op 1 januari 2015 niets (meer) te betalen." in second.get_data(as_text=True)
    assert disbursements() == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRun)) == 1
    listing = client.get("/financien/betalingen/").get_data(as_text=True)
    assert re.search(rf"Betaalrun {run.id}</a>", listing)
    assert [row for row in table_rows(listing) if row and row[0] == f"Betaalrun {run.id}"][0][
        3:6] == ["goedgekeurd", world.finance.user.name, world.approver.user.name]


def test_a_prepared_run_is_cancelled_with_a_reason(grants, world, clock, login_as):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    client = login_as(world.finance.user)
    commit(client)
    run = db.session.scalars(sa.select(PaymentRun)).one()
    url = f"/financien/betalingen/{run.id}"
    empty = client.post(f"{url}/annuleren", data={"csrf_token": csrf_token(client, url),
                                                 "reason": ""})
    assert empty.status_code == 422
    assert 'id="reason-error"' in empty.get_data(as_text=True)
    done = client.post(f"{url}/annuleren", data={"csrf_token": csrf_token(client, url),
                                                "reason": "De datum klopt niet."})
    assert done.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "geannuleerd" in html and "De datum klopt niet." in html
    assert "Geen: de betaalrun is geannuleerd." in html
    assert disbursements() == 0


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
    assert "Betaalrun voorbereiden" not in html


@pytest.mark.parametrize("who", ["assessor", "applicant", "admin", "committee"])
def test_only_finance_and_approvers_reach_the_payments(grants, world, clock, login_as, who):
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


def test_an_approver_sees_the_runs_but_prepares_none(grants, world, clock, login_as):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    client = login_as(world.approver.user)
    html = client.get("/financien/betalingen/?due_on=2015-01-01").get_data(as_text=True)
    assert "Betaalruns" in html and "Betaalrun voorbereiden" not in html
    token = csrf_token(client, "/regelingen")
    response = client.post("/financien/betalingen/", data={
        "csrf_token": token, "due_on": "2015-01-01", "ministry": "SZW", "confirm": "y"})
    assert response.status_code == 403
