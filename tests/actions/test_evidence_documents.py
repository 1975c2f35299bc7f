"""Evidence as an uploaded document: programme staff add a PDF (checked as an applicant's
attachment is) instead of a link; a refused file is named at its field and nothing is stored;
everyone downloads the document from the public pages, and the open data and the report for
parliament list it with its public URL. The history names the file, never holds its bytes."""

import csv
import hashlib
import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import ActionEvent, ActionEventKind, ActionEvidence, Role
from grants.services import action_book as service
from grants.services.progress_report import report_pdf
from tests.actions.test_action_book import BOOK, PUBLIC, _action, _events
from tests.admin.conftest import field_errors, post_form, summary_links, text_of
from tests.conftest import csrf_token, rows
from tests.factories import UserFactory
from tests.portal.conftest import pdf_bytes
from tests.portal.test_attachment_active_content import with_javascript
from tests.progress.test_figures import _pdf_text

APRIL_FIRST = datetime(2014, 4, 1, 10, tzinfo=UTC)
NAME = "Pacttekst Noord (definitief).pdf"
# As url_for writes it: a path segment keeps its parentheses.
URL_NAME = "Pacttekst%20Noord%20(definitief).pdf"


@pytest.fixture
def keeper(schemes):
    return UserFactory(role=Role.PROGRAMME)


@pytest.fixture
def signed_in(keeper, login_as):
    login_as(keeper)
    return keeper


def _upload(client, action, data: bytes | None, *, title="Pacttekst", url="",
            name=NAME):
    form = {"bewijs-title": title, "bewijs-url": url}
    if data is not None:
        form["bewijs-file"] = (io.BytesIO(data), name)
    return post_form(client, f"{BOOK}/{action.id}/bewijs", form, page=f"{BOOK}/{action.id}")


def _stored() -> tuple[int, int]:
    return rows(ActionEvidence.__table__), rows(ActionEvent.__table__)


# -- adding a document --------------------------------------------------------------------

def test_staff_upload_a_pdf_with_its_history_row(client, signed_in, clock):
    action = _action(signed_in, clock)
    data = pdf_bytes(2)
    response = _upload(client, action, data)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"{BOOK}/{action.id}#bewijs")
    (evidence,) = action.evidence
    assert evidence.is_document and evidence.url is None
    assert (evidence.title, evidence.filename, evidence.content_type) == (
        "Pacttekst", NAME, "application/pdf")
    assert evidence.size_bytes == len(data) and evidence.content == data
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    event = _events(action)[-1]
    assert event.kind == ActionEventKind.EVIDENCE_ADDED and event.evidence_id == evidence.id
    assert event.actor_id == signed_in.id and event.at == clock()
    assert event.changes == {"title": [None, "Pacttekst"], "filename": [None, NAME],
                             "sha256": [None, evidence.sha256]}
    page = client.get(f"{BOOK}/{action.id}").get_data(as_text=True)
    text = text_of(page)
    assert "Bewijsstuk toevoegen" in text and "Bewijsstuk toegevoegd: Pacttekst" in text
    assert f"Bestand {NAME}" in text and evidence.sha256 in text
    assert f'href="{PUBLIC}/{action.id}/bewijs/{evidence.id}/{URL_NAME}"' in page
    assert "PDF, 1 kB, toegevoegd op 1 april 2014" in text


def test_the_upload_form_says_the_document_becomes_public(client, signed_in, clock):
    action = _action(signed_in, clock)
    html = client.get(f"{BOOK}/{action.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'id="bewijs-file"' in html and 'aria-describedby="bewijs-file-hint"' in html
    hint = text_of(html.split('id="bewijs-file-hint">')[1].split("</p>")[0])
    assert "wordt openbaar" in hint and "/voortgang" in hint
    assert "geen persoonsgegevens" in hint and "10 MB" in hint


@pytest.mark.parametrize(("data", "message"), [
    (b"PK\x03\x04 this is a zip file", "Alleen PDF-bestanden kunnen worden bijgevoegd"),
    (b"%PDF-1.7\nkapot en onvolledig", "Dit PDF-bestand is beschadigd of onvolledig"),
    (b"", "Het bestand is leeg."),
    (None, "Deze PDF bevat JavaScript."),
])
def test_a_file_that_is_no_good_pdf_is_refused_at_its_field(client, signed_in, clock, data,
                                                           message):
    action = _action(signed_in, clock)
    before = _stored()
    response = _upload(client, action, with_javascript() if data is None else data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    (error,) = field_errors(html)["bewijs-file"]
    assert error.startswith(message), error
    assert summary_links(html) == ["bewijs-file"]
    assert "Fout:" in text_of(html.split("<title>")[1].split("</title>")[0])
    assert _stored() == before and action.evidence == []


def test_a_file_over_the_limit_is_refused_and_nothing_stored(client, signed_in, clock, app,
                                                            monkeypatch):
    action = _action(signed_in, clock)
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    before = _stored()
    data = pdf_bytes(1) + b"%" * 2048  # a PDF, only too large
    response = _upload(client, action, data)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["bewijs-file"] == [
        "Een bijlage is hoogstens 1 kB."]
    # A body far over the limit is refused before it is read, with the same page.
    huge = _upload(client, action, b"%PDF-" + b"0" * (400 * 1024))
    assert huge.status_code == 413
    html = huge.get_data(as_text=True)
    assert field_errors(html)["bewijs-file"] == ["Een PDF-bestand is hoogstens 1 kB."]
    assert summary_links(html) == ["bewijs-file"]
    assert _stored() == before


def test_an_oversized_body_from_someone_else_shows_no_staff_page(client, signed_in, clock, app,
                                                                 monkeypatch, login_as):
    action = _action(signed_in, clock)
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    other = app.test_client()
    login_as(UserFactory(role=Role.ASSESSOR), client=other)
    response = other.post(f"{BOOK}/{action.id}/bewijs", data={
        "bewijs-title": "x", "bewijs-file": (io.BytesIO(b"0" * (400 * 1024)), "a.pdf")})
    assert response.status_code == 413
    assert "Bewijsstuk toevoegen" not in response.get_data(as_text=True)


def test_a_link_and_a_file_together_or_neither_are_refused(client, signed_in, clock):
    action = _action(signed_in, clock)
    before = _stored()
    both = _upload(client, action, pdf_bytes(), url="https://www.techniekpact.nl/")
    assert both.status_code == 422
    html = both.get_data(as_text=True)
    assert field_errors(html)["bewijs-file"] == [
        "Geef een webadres óf een PDF-bestand, niet allebei: maak één van beide leeg."]
    assert summary_links(html) == ["bewijs-file"]
    neither = _upload(client, action, None)
    assert neither.status_code == 422
    assert field_errors(neither.get_data(as_text=True))["bewijs-url"] == [
        "Vul het webadres van het bewijsstuk in, of kies een PDF-bestand."]
    # A file input left empty sends a part without a name: that is no file.
    empty = _upload(client, action, b"", name="")
    assert empty.status_code == 422
    assert "bewijs-url" in field_errors(empty.get_data(as_text=True))
    untitled = _upload(client, action, pdf_bytes(), title=" ")
    assert field_errors(untitled.get_data(as_text=True)) == {
        "bewijs-title": ["Vul de titel van het bewijsstuk in."]}
    assert _stored() == before


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR])
def test_applicants_and_assessors_cannot_upload(client, schemes, clock, login_as, role):
    action = _action(UserFactory(role=Role.PROGRAMME), clock)
    login_as(UserFactory(role=role))
    before = _stored()
    response = client.post(f"{BOOK}/{action.id}/bewijs", data={
        "csrf_token": csrf_token(client, "/"), "bewijs-title": "Mijn stuk",
        "bewijs-file": (io.BytesIO(pdf_bytes()), "stuk.pdf")})
    assert response.status_code == 403
    assert _stored() == before
    with pytest.raises(Forbidden):
        service.add_evidence(action, UserFactory(role=role), clock(), title="Stuk",
                             filename="stuk.pdf", stream=io.BytesIO(pdf_bytes()))


def test_an_admin_may_upload_too(client, schemes, clock, login_as):
    action = _action(UserFactory(role=Role.PROGRAMME), clock)
    admin = UserFactory(role=Role.ADMIN)
    login_as(admin)
    assert _upload(client, action, pdf_bytes()).status_code == 303
    assert _events(action)[-1].actor_id == admin.id


def test_the_service_refuses_with_the_fields_named(keeper, clock):
    action = _action(keeper, clock)
    with pytest.raises(ValidationFailed) as refused:
        service.add_evidence(action, keeper, clock(), title="", filename="x.pdf",
                             stream=io.BytesIO(b"<html>"))
    assert set(refused.value.fields) == {"title", "file"}
    assert action.evidence == []


def test_the_database_holds_a_link_or_a_document_never_both(keeper, clock):
    action = _action(keeper, clock)
    data = pdf_bytes()
    both = {"action_id": action.id, "title": "x", "url": "https://example.org/",
            "filename": "x.pdf", "content_type": "application/pdf", "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "content": data, "added_at": clock()}
    neither = {**both, "url": None, "filename": None, "content_type": None,
               "size_bytes": None, "sha256": None, "content": None}
    for values in (both, neither):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(sa.insert(ActionEvidence).values(**values))


# -- everyone reads it --------------------------------------------------------------------

def _document(keeper, clock, data: bytes, title="Pacttekst"):
    action = _action(keeper, clock)
    evidence = service.add_evidence(action, keeper, clock(), title=title, filename=NAME,
                                    stream=io.BytesIO(data))
    service.add_evidence(action, keeper, clock(), title="Webpagina",
                         url="https://www.techniekpact.nl/noord")
    db.session.commit()
    return action, evidence


def test_everyone_downloads_the_document_as_uploaded(app, keeper, clock):
    data = pdf_bytes(3)
    action, evidence = _document(keeper, clock, data)
    anonymous = app.test_client()
    page = anonymous.get(f"{PUBLIC}/{action.id}")
    html = page.get_data(as_text=True)
    path = f"{PUBLIC}/{action.id}/bewijs/{evidence.id}/{URL_NAME}"
    assert f'href="{path}"' in html and "Webpagina" in html
    assert f"PDF, {service.attachment_checks.size_text(len(data))}" in text_of(html)
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and URL_NAME.replace("%20", " ") in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{evidence.sha256}"'
    assert "public" in response.headers["Cache-Control"]
    again = anonymous.get(path, headers={"If-None-Match": f'"{evidence.sha256}"'})
    assert again.status_code == 304 and again.data == b""


def test_a_document_is_only_found_at_its_own_address(app, keeper, clock):
    action, evidence = _document(keeper, clock, pdf_bytes())
    other = _action(keeper, clock, title="Andere actie")
    (link,) = [item for item in action.evidence if not item.is_document]
    anonymous = app.test_client()
    for path in (f"{PUBLIC}/{other.id}/bewijs/{evidence.id}/{URL_NAME}",
                 f"{PUBLIC}/{action.id}/bewijs/{link.id}/{URL_NAME}",
                 f"{PUBLIC}/{action.id}/bewijs/{evidence.id + 1000}/{URL_NAME}",
                 f"{PUBLIC}/{action.id}/bewijs/{evidence.id}/iets-anders.pdf"):
        assert anonymous.get(path).status_code == 404, path


def test_the_open_data_and_the_report_list_the_document(app, client, keeper, clock):
    clock.moment = APRIL_FIRST
    action, evidence = _document(keeper, clock, pdf_bytes(), title="Pacttekst Noord")
    base = app.config["BASE_URL"].rstrip("/")
    url = f"{base}{PUBLIC}/{action.id}/bewijs/{evidence.id}/{URL_NAME}"
    data = json.loads(client.get("/voortgang/data.json").get_data(as_text=True))
    (row,) = data["actions"]
    assert row["evidence"] == [
        {"title": "Pacttekst Noord", "kind": "document", "url": url, "added_on": "2014-04-01",
         "size_bytes": evidence.size_bytes, "sha256": evidence.sha256},
        {"title": "Webpagina", "kind": "link", "url": "https://www.techniekpact.nl/noord",
         "added_on": "2014-04-01", "size_bytes": None, "sha256": None}]
    lines = list(csv.DictReader(io.StringIO(client.get("/voortgang/data.csv").get_data(
        as_text=True))))
    listed = [(line["action_id"], line["name"], line["url"]) for line in lines
              if line["record_type"] == "action_evidence"]
    assert listed == [(str(action.id), "Pacttekst Noord", url),
                      (str(action.id), "Webpagina", "https://www.techniekpact.nl/noord")]
    assert "action_evidence" in text_of(client.get("/voortgang/data").get_data(as_text=True))
    with app.test_request_context():
        text = " ".join(_pdf_text(report_pdf(None)).split())
    assert "Bewijsstukken" in text and "Pacttekst Noord (PDF, 1 kB)" in text
    # A long address may wrap in the PDF; it holds no spaces of its own.
    assert url in text.replace(" ", "")
