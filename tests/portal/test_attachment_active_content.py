"""A PDF that would run something when opened, or that is also another kind of file, is
refused (issue 15): an assessor opens every attachment on a ministry workstation."""

import io
import zipfile

import pytest
import sqlalchemy as sa
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Attachment
from grants.services.attachments import check_pdf
from tests.portal.conftest import draft_id, error_for, pdf_bytes


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.alert('Hallo');"))
    return written(writer)


def with_action(kind: str, **entries) -> bytes:
    """A page with a link whose action is ``kind`` (as a person clicking it would start)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    action = DictionaryObject({NameObject("/S"): NameObject(kind), **{
        NameObject(f"/{key}"): TextStringObject(value) for key, value in entries.items()}})
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100),
                                          FloatObject(100)]),
        NameObject("/A"): action})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return written(writer)


def with_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("factuur.exe", b"MZ\x90\x00")
    return written(writer)


def with_a_zip_after_it() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.html", "<script>alert(1)</script>")
    return pdf_bytes() + archive.getvalue()


def refusal(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as refused:
        check_pdf(data)
    [message] = refused.value.fields["file"]
    return message


@pytest.mark.no_db
@pytest.mark.parametrize(("data", "named"), [
    (with_javascript(), "Deze PDF bevat JavaScript."),
    (with_action("/JavaScript", JS="app.alert(1)"), "Deze PDF bevat JavaScript."),
    (with_action("/Launch", F="calc.exe"), "Deze PDF bevat een opdracht die een programma "
                                           "start."),
    (with_action("/SubmitForm", F="https://example.org/"), "Deze PDF bevat een formulier dat "
                                                           "gegevens verstuurt."),
    (with_embedded_file(), "Deze PDF bevat een ingesloten bestand."),
])
def test_a_pdf_that_runs_or_opens_something_is_refused_saying_what(data, named):
    message = refusal(data)
    assert message.startswith(named), message
    assert "Afdrukken als PDF" in message


@pytest.mark.no_db
def test_a_pdf_with_another_file_after_its_end_is_refused():
    assert refusal(with_a_zip_after_it()).startswith(
        "Na het einde van deze PDF staan nog gegevens van een ander soort bestand.")


@pytest.mark.no_db
def test_plain_pdfs_and_ordinary_links_pass():
    check_pdf(pdf_bytes(pages=3))
    check_pdf(with_action("/URI", URI="https://www.rvo.nl/"))
    check_pdf(pdf_bytes() + b"\r\n")


def test_the_portal_refuses_it_on_the_file_field_and_stores_nothing(world, applicant):
    number = draft_id(world)
    response = applicant.post(f"/portaal/aanvragen/{number}/bijlagen",
                              {"file": (io.BytesIO(with_javascript()), "begroting.pdf")},
                              content_type="multipart/form-data")
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "file").startswith(
        "Deze PDF bevat JavaScript.")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
