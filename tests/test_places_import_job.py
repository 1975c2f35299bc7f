"""A large places CSV on the applicant's page is imported by a job, followed on a status page
(issue 15: one applicant cannot stall the service). The job runs at once in tests (huey's
immediate mode, after the commit), so the page's redirect already leads to its outcome."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.clock import now
from grants.extensions import db
from grants.jobs import places as places_job
from grants.jobs.places import resume_places_imports, run_places_import
from grants.models import PlacesImport, PlacesImportStatus, User
from grants.services.places_imports import queue_places_import
from tests.conftest import csrf_token, rows
from tests.test_places_csv import (
    IN_WINDOW,
    csv_file,
    good_lines,
    line,
    page_path,
    post_file,
    unchanged,
)

JOB_BYTES = 4096  # the tests' threshold: a few lines stay in the request, hundreds go to a job
STATUS_PATH = re.compile(r"/aanvragen/(\d+)/plaatsen/inlezen/(\d+)$")


@pytest.fixture
def draft(world, clock):
    clock.moment = IN_WINDOW
    response = world.employer_applicant.create(world.praktijkleren())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture(autouse=True)
def small_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "PLACES_CSV_JOB_BYTES", JOB_BYTES)


def many_lines(count: int) -> list[str]:
    return [line(f"Student {n:05d}", "hbo" if n % 4 == 0 else "mbo",
                 weeks=21 if n % 4 == 0 else 40) for n in range(count)]


def imports() -> list[PlacesImport]:
    return list(db.session.scalars(sa.select(PlacesImport).order_by(PlacesImport.id)
                                   .execution_options(populate_existing=True)))


def upload_on_page(client, draft, body: bytes):
    return post_file(client, draft, body, csrf_token(client, page_path(draft)))


def status_path(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert STATUS_PATH.search(location), location
    return STATUS_PATH.search(location).group(0)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def test_a_large_file_goes_to_a_job_and_its_status_page_shows_the_result(
        world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    body = csv_file(*many_lines(2500))
    assert len(body) > JOB_BYTES
    path = status_path(upload_on_page(client, draft, body))

    (upload,) = imports()
    assert upload.status == PlacesImportStatus.DONE
    assert (upload.lines, upload.imported) == (2500, 2500)
    assert (upload.lines_read, upload.bytes_read, upload.total_bytes) == (2500, len(body),
                                                                          len(body))
    assert upload.user_id == world.employer_applicant.user.id
    assert upload.content is None  # the file is not kept once its places are stored
    assert upload.fractions == {"vmbo": "0", "mbo": "1875", "hbo": "312.5", "promovendus": "0"}

    html = client.get(path).get_data(as_text=True)
    assert "2500 plaatsen ingelezen uit 2500 regels" in html
    assert "Het gevraagde bedrag is nu € 5.906.250,00." in text(html)
    assert "1875 volledige mbo-plaatsen, 312,5 volledige hbo-plaatsen" in text(html)
    assert "<progress" not in html  # finished: nothing to follow
    assert "/static/js/places-import.js" in html and "<script>" not in html

    application = world.employer_applicant.get(draft["id"]).get_json()
    assert len(application["places"]) == 2500
    assert application["requested_amount"] == "5906250.00"


def test_a_refused_large_file_names_its_lines_and_changes_nothing(
        world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    lines = many_lines(600)
    lines[1] = line("Student 00001", weeks=41)
    lines[500] = line("Student 00500", category="havo")
    path = status_path(upload_on_page(client, draft, csv_file(*lines)))

    (upload,) = imports()
    assert upload.status == PlacesImportStatus.REFUSED
    assert sorted(upload.refusal["fields"]) == ["line 3", "line 502"]
    assert upload.refusal["status"] == 422 and upload.content is None
    unchanged(world, draft)

    html = client.get(path).get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert "Er is niets ingelezen: 2 regels van het bestand bevatten fouten." in html
    # Each wrong line links to the file field of the form for a corrected file.
    assert re.findall(r'<a href="#file">Regel (\d+)</a>', html) == ["3", "502"]
    assert 'action="/aanvragen/{}/plaatsen"'.format(draft["id"]) in html
    assert "De huidige plaatsen zijn niet veranderd." in html


def test_the_job_writes_how_far_it_has_read_while_it_reads(world, draft, monkeypatch):
    user = db.session.get(User, world.employer_applicant.user.id)
    body = csv_file(*many_lines(2500))
    import_id = queue_places_import(draft["id"], user, body, "groot.csv", now()).id
    db.session.commit()
    seen = []
    record_progress = places_job.record_progress

    def watched(import_id, *args):
        renewed = record_progress(import_id, *args)
        seen.append(db.session.execute(
            sa.select(PlacesImport.status, PlacesImport.lines_read, PlacesImport.bytes_read)
            .where(PlacesImport.id == import_id)).one())
        return renewed

    monkeypatch.setattr(places_job, "record_progress", watched)
    assert run_places_import(import_id, progress_seconds=0) == PlacesImportStatus.DONE
    # read_places reports every thousand lines and at the end; the bytes are whole chunks read.
    assert [row.lines_read for row in seen] == [1000, 2000, 2500]
    assert all(row.status == PlacesImportStatus.RUNNING for row in seen)
    read = [row.bytes_read for row in seen]
    assert 0 < read[0] <= read[1] <= read[2] == len(body) and read[0] < len(body)
    (upload,) = imports()
    assert upload.status == PlacesImportStatus.DONE and upload.finished_at is not None


def test_progress_is_written_only_every_so_often(world, draft, monkeypatch):
    user = db.session.get(User, world.employer_applicant.user.id)
    import_id = queue_places_import(draft["id"], user, csv_file(*many_lines(2500)),
                                    "groot.csv", now()).id
    db.session.commit()
    writes = []
    monkeypatch.setattr(places_job, "record_progress",
                        lambda *args: writes.append(args) or True)
    assert run_places_import(import_id, progress_seconds=3600) == PlacesImportStatus.DONE
    assert writes == []


def test_the_status_page_while_the_job_waits_or_reads(world, draft, login_as):
    user = db.session.get(User, world.employer_applicant.user.id)
    body = csv_file(*many_lines(300))
    import_id = queue_places_import(draft["id"], user, body, "C:\\Mijn map\\plaatsen.csv",
                                    now()).id
    db.session.commit()
    client = login_as(world.employer_applicant.user)
    path = f"{page_path(draft)}/inlezen/{import_id}"
    html = client.get(path).get_data(as_text=True)
    assert f'<progress id="places-import-progress" class="places-upload__bar" ' \
           f'max="{len(body)}" value="0"' in html
    assert "In de wachtrij; het inlezen begint zo." in html
    assert ">plaatsen.csv<" in html  # the sender's folders are not shown
    assert 'http-equiv="refresh"' not in html  # the script follows it; no reload steals focus

    read = -(-len(body) * 35 // 100)  # 35% of the file, rounded up
    db.session.execute(sa.update(PlacesImport).where(PlacesImport.id == import_id).values(
        status=PlacesImportStatus.RUNNING, lines_read=12_000, bytes_read=read))
    db.session.commit()
    html = client.get(path).get_data(as_text=True)
    assert f'max="{len(body)}" value="{read}"' in html
    assert "12.000 regels gelezen (35%)" in html
    progress = client.get(f"{path}/voortgang")
    assert progress.status_code == 200
    assert progress.headers["Cache-Control"] == "no-store"
    assert progress.get_json() == {
        "status": "running", "status_label": "Wordt ingelezen", "finished": False,
        "lines_read": 12_000, "bytes_read": read, "total_bytes": len(body),
        "percent": 35, "text": "12.000 regels gelezen (35%)"}


@pytest.mark.parametrize("who", ["applicant", "assessor", "outsider"])
def test_another_organisation_gets_404(world, draft, login_as, who):
    owner = login_as(world.employer_applicant.user)
    path = status_path(upload_on_page(owner, draft, csv_file(*many_lines(300))))
    other = login_as(getattr(world, who).user, client=owner.application.test_client())
    assert other.get(path).status_code == 404
    assert other.get(f"{path}/voortgang").status_code == 404
    # Nor under another application's address.
    assert owner.get(path.replace(f"/{draft['id']}/", f"/{draft['id'] + 1000}/")
                     ).status_code == 404


def test_small_files_keep_the_old_path(world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    body = csv_file(*good_lines())
    assert len(body) <= JOB_BYTES
    response = upload_on_page(client, draft, body)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(page_path(draft))
    assert rows(PlacesImport.__table__) == 0
    assert "3 plaatsen ingelezen uit 3 regels" in client.get(page_path(draft)).get_data(
        as_text=True)


def test_a_large_file_over_the_size_limit_is_refused_in_the_request(
        world, draft, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLACES_CSV_MAX_BYTES", 20_000)
    client = login_as(world.employer_applicant.user)
    body = csv_file(*many_lines(400))
    assert len(body) > 20_000
    response = upload_on_page(client, draft, body)
    assert response.status_code == 422
    assert "Een bestand met plaatsen is hoogstens 20.000 bytes" in response.get_data(
        as_text=True)
    assert rows(PlacesImport.__table__) == 0
    unchanged(world, draft)


def test_an_application_submitted_before_the_job_runs_is_refused(world, draft):
    user = db.session.get(User, world.employer_applicant.user.id)
    import_id = queue_places_import(draft["id"], user, csv_file(*many_lines(300)),
                                    "plaatsen.csv", now()).id
    db.session.commit()
    assert world.employer_applicant.fire(draft["id"], "submit").status_code == 200
    assert run_places_import(import_id) == PlacesImportStatus.REFUSED
    (upload,) = imports()
    assert upload.refusal["status"] == 409
    assert "kan niet meer worden gewijzigd" in upload.refusal["message"]
    assert len(world.employer_applicant.get(draft["id"]).get_json()["places"]) == 2


def test_a_job_that_breaks_off_imports_nothing_and_says_so(world, draft, login_as,
                                                           monkeypatch):
    def broken(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(places_job, "import_places", broken)
    client = login_as(world.employer_applicant.user)
    path = status_path(upload_on_page(client, draft, csv_file(*many_lines(300))))
    (upload,) = imports()
    assert upload.status == PlacesImportStatus.FAILED
    unchanged(world, draft)
    html = client.get(path).get_data(as_text=True)
    assert "Het inlezen is afgebroken door een fout aan onze kant" in html


def test_a_finished_import_is_not_run_again_and_an_unfinished_one_is_resumed(
        world, draft, app):
    user = db.session.get(User, world.employer_applicant.user.id)
    import_id = queue_places_import(draft["id"], user, csv_file(*many_lines(300)),
                                    "plaatsen.csv", now()).id
    db.session.commit()
    assert resume_places_imports(app) == [import_id]  # the worker's start runs it
    (upload,) = imports()
    assert upload.status == PlacesImportStatus.DONE
    assert run_places_import(import_id) is None
    assert resume_places_imports(app) == []


def test_an_import_whose_worker_died_is_taken_up_when_its_lease_ran_out(
        world, draft, clock):
    user = db.session.get(User, world.employer_applicant.user.id)
    import_id = queue_places_import(draft["id"], user, csv_file(*many_lines(300)),
                                    "plaatsen.csv", now()).id
    db.session.execute(sa.update(PlacesImport).where(PlacesImport.id == import_id).values(
        status=PlacesImportStatus.RUNNING, worker="elders:1:1", started_at=now(),
        lease_until=now() + timedelta(seconds=120), lines_read=100, bytes_read=10))
    db.session.commit()
    assert run_places_import(import_id) is None  # still someone else's
    clock.advance(seconds=121)
    assert run_places_import(import_id) == PlacesImportStatus.DONE


def test_the_places_page_points_to_an_import_still_being_read(world, draft, login_as):
    user = db.session.get(User, world.employer_applicant.user.id)
    import_id = queue_places_import(draft["id"], user, csv_file(*many_lines(300)),
                                    "groot.csv", now()).id
    db.session.commit()
    status = f"{page_path(draft)}/inlezen/{import_id}"
    owner = login_as(world.employer_applicant.user)
    html = owner.get(page_path(draft)).get_data(as_text=True)
    assert "Het bestand groot.csv wordt nog ingelezen." in html
    assert f'<a href="{status}">Bekijk de voortgang</a>' in html
    staff = login_as(world.assessor.user, client=world.assessor.client.application.test_client())
    assert status not in staff.get(page_path(draft)).get_data(as_text=True)
    run_places_import(import_id)
    html = owner.get(page_path(draft)).get_data(as_text=True)
    assert "wordt nog ingelezen" not in html and "Student 00199" in html
