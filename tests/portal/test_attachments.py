"""Attachments: PDF by their bytes, a size limit, stored with their hash, served as a download
to the owner organisation and staff only."""

import hashlib
import io

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, Attachment
from grants.services.attachments import attachments_for, safe_filename
from tests.portal.conftest import draft_id, error_for, pdf_bytes


def upload(web, number, body: bytes, name="plan.pdf", **fields):
    return web.post(f"/portaal/aanvragen/{number}/bijlagen",
                    {"file": (io.BytesIO(body), name), **fields},
                    content_type="multipart/form-data")


def stored() -> list[Attachment]:
    return list(db.session.scalars(sa.select(Attachment).order_by(Attachment.id)))


def test_a_pdf_is_stored_with_its_hash_and_served_as_a_download(world, applicant):
    number = draft_id(world)
    body = pdf_bytes(pages=2)
    response = upload(applicant, number, body, name="Begroting 2014 (def).pdf")
    assert response.status_code == 303
    [attachment] = stored()
    assert attachment.filename == "Begroting 2014 (def).pdf"
    assert attachment.sha256 == hashlib.sha256(body).hexdigest()
    assert attachment.size_bytes == len(body)
    assert "Begroting 2014 (def).pdf is bijgevoegd" in applicant.text(
        f"/portaal/aanvragen/{number}/bijlagen")

    download = applicant.get(f"/bijlagen/{attachment.id}")
    assert download.status_code == 200
    assert download.data == body
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Begroting 2014 (def).pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("body", "message"), [
    (b"GIF89a not a pdf at all", "Alleen PDF-bestanden kunnen worden bijgevoegd."),
    (b"%PDF-1.7\n% only a header, no document\n", "beschadigd of onvolledig"),
    (b"", "Het bestand is leeg."),
])
def test_what_is_not_a_readable_pdf_is_refused_whatever_its_name(world, applicant, body,
                                                                  message):
    number = draft_id(world)
    response = upload(applicant, number, body, name="echt-een.pdf")
    assert response.status_code == 422
    assert message in error_for(response.get_data(as_text=True), "file")
    assert stored() == []


def test_an_attachment_over_the_limit_is_refused(world, applicant, app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    number = draft_id(world)
    body = pdf_bytes(pages=12)
    assert len(body) > 1024
    response = upload(applicant, number, body)
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "file").startswith(
        "Een bijlage is hoogstens 1 kB.")
    assert stored() == []


def test_a_request_body_far_over_the_limit_is_not_read(world, applicant, app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    number = draft_id(world)
    response = upload(applicant, number, b"%PDF-" + b"0" * 300_000)
    assert response.status_code == 413
    assert error_for(response.get_data(as_text=True), "file") == \
        "Een bijlage is hoogstens 1 kB."
    assert stored() == []


def test_another_organisation_gets_404_and_staff_may_download(world, applicant, session_for):
    number = draft_id(world)
    assert upload(applicant, number, pdf_bytes()).status_code == 303
    [attachment] = stored()

    other = session_for(world.rif_applicant.user)
    assert other.get(f"/bijlagen/{attachment.id}").status_code == 404
    assert upload(other, number, pdf_bytes()).status_code == 404
    assert other.post(f"/portaal/bijlagen/{attachment.id}/verwijderen").status_code == 404
    assert len(stored()) == 1

    staff = session_for(world.assessor.user)
    assert staff.get(f"/bijlagen/{attachment.id}").status_code == 200


def test_file_names_are_reduced_to_safe_characters():
    assert safe_filename("..\\..\\windows\\system32\\plan.PDF") == "plan.pdf"
    assert safe_filename("/etc/passwd") == "passwd.pdf"
    assert safe_filename('a"b;\r\nc<script>.pdf') == "a-b-c-script.pdf"
    assert safe_filename("   .pdf") == "bijlage.pdf"
    assert safe_filename("Beleidsvisie café.pdf") == "Beleidsvisie café.pdf"
    assert len(safe_filename("x" * 500 + ".pdf")) == 160


def test_attachments_can_be_taken_back_only_until_they_are_sent(world, applicant):
    number = draft_id(world)
    upload(applicant, number, pdf_bytes(), name="eerste.pdf")
    upload(applicant, number, pdf_bytes(), name="tweede.pdf")
    application = db.session.get(Application, number)
    assert [a.filename for a in attachments_for(application)] == ["tweede.pdf", "eerste.pdf"]
    first = stored()[0]
    assert applicant.post(f"/portaal/bijlagen/{first.id}/verwijderen").status_code == 303
    assert [a.filename for a in stored()] == ["tweede.pdf"]

    assert world.applicant.fire(number, "submit").status_code == 200
    [sent] = stored()
    assert applicant.post(f"/portaal/bijlagen/{sent.id}/verwijderen").status_code == 409
    late = upload(applicant, number, pdf_bytes())
    assert late.status_code == 409
    assert "geen bijlagen meer" in late.get_data(as_text=True)
    assert len(stored()) == 1


def test_a_rif_document_ticks_off_what_the_scheme_asks_for(world, login_as, web):
    login_as(world.rif_applicant.user)
    number = world.rif_applicant.create(world.rif(documents=[])).get_json()["id"]
    page = web.text(f"/portaal/aanvragen/{number}/bewerken")
    assert "Regionale visie: nog niet bijgevoegd" in page
    response = upload(web, number, pdf_bytes(), name="visie.pdf",
                      document_kind="regional_vision")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, number).details["documents"] == [
        {"kind": "regional_vision", "name": "visie.pdf"}]
    assert "Regionale visie: bijgevoegd" in web.text(f"/portaal/aanvragen/{number}/bewerken")
    [attachment] = stored()
    web.post(f"/portaal/bijlagen/{attachment.id}/verwijderen")
    db.session.expire_all()
    assert db.session.get(Application, number).details.get("documents") in (None, [])
