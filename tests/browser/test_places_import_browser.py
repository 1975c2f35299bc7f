"""A large places file in a real browser: the upload leads to the import's status page, whose
progress bar follows the job without reloading the page, then shows the result or the wrong
lines; no serious accessibility violations in any of these states.

The server here has no worker (huey's queue waits in its instance folder): the test plays the
worker, first writing progress to the import's row as a job mid-file would, then running the
job itself, so every state of the page is seen.
"""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import demo_server, own_postgresql_schema
from tests.browser.test_places_upload import (
    assert_no_serious_violations,
    choose_file,
    draft_places_page,
    log_in,
    places_csv,
)

JOB_BYTES = 10_000


def latest_import(app):
    from grants.extensions import db
    from grants.models import PlacesImport

    with app.app_context():
        upload = db.session.scalars(sa.select(PlacesImport).order_by(
            PlacesImport.id.desc()).limit(1)).one()
        figures = (upload.id, upload.status.value, upload.total_bytes)
        db.session.remove()
    return figures


def write_progress(app, import_id: int, lines: int, bytes_read: int) -> None:
    from grants.database import writing
    from grants.extensions import db
    from grants.models import PlacesImport, PlacesImportStatus

    with app.app_context(), writing():
        db.session.execute(sa.update(PlacesImport).where(PlacesImport.id == import_id).values(
            status=PlacesImportStatus.RUNNING, lines_read=lines, bytes_read=bytes_read))
        db.session.commit()
        db.session.remove()


def run_job(app, import_id: int):
    from grants.jobs.places import run_places_import

    with app.app_context():
        return run_places_import(import_id, progress_seconds=0)


def test_the_status_page_follows_the_job_and_passes_axe(open_page, tmp_path, screenshot):
    with own_postgresql_schema("w15_places_import") as database_url, \
            demo_server(tmp_path, "places-import", database_url=database_url,
                        PLACES_CSV_JOB_BYTES=JOB_BYTES) as server:
        page = open_page(server.url)
        log_in(page)
        path, first_year = draft_places_page(page)
        page.goto(path)

        # Large: the upload (through the page's script) ends on the status page.
        body = places_csv(first_year, 600)
        assert len(body) > JOB_BYTES
        choose_file(page, body)
        page.get_by_role("button", name="Plaatsen inlezen").click()
        expect(page).to_have_url(re.compile(r"/plaatsen/inlezen/\d+$"))
        import_id, status, total = latest_import(server.app)
        assert (status, total) == ("queued", len(body))
        bar = page.get_by_role("progressbar", name="Gelezen van het bestand")
        expect(bar).to_have_attribute("max", str(len(body)))
        expect(bar).to_have_attribute("value", "0")
        expect(page.locator("#places-import-text")).to_have_text(
            "In de wachtrij; het inlezen begint zo.")
        assert_no_serious_violations(page, "status page (queued)")

        # The job is a third of the way: the page's script moves the bar, no reload.
        page.evaluate("window.notReloaded = true")
        third = len(body) // 3
        write_progress(server.app, import_id, 200, third)
        expect(bar).to_have_attribute("value", str(third), timeout=10_000)
        expect(page.locator("#places-import-text")).to_have_text("200 regels gelezen (33%)")
        expect(page.locator("#places-import-announce")).to_have_text(
            "200 regels gelezen (33%)")
        assert page.evaluate("window.notReloaded") is True
        screenshot(page, "plaatsen-inlezen-bezig")
        assert_no_serious_violations(page, "status page (running)")

        # Done: the page loads once more and shows what was imported.
        assert run_job(server.app, import_id).value == "done"
        notice = page.locator("main .notice--success")
        expect(notice).to_contain_text("600 plaatsen ingelezen uit 600 regels",
                                       timeout=10_000)
        expect(notice).to_be_focused()
        expect(page.get_by_role("progressbar")).to_have_count(0)
        screenshot(page, "plaatsen-inlezen-klaar")
        assert_no_serious_violations(page, "status page (done)")
        page.get_by_role("link", name="Bekijk de plaatsen").click()
        expect(page.locator("main table.places-table tbody tr").first).to_contain_text(
            "Student 00000")

        # A large file with wrong lines: refused, each line named, the field one click away.
        page.goto(path)
        choose_file(page, places_csv(first_year, 600, wrong_lines=(3, 7)))
        page.get_by_role("button", name="Plaatsen inlezen").click()
        expect(page).to_have_url(re.compile(r"/plaatsen/inlezen/\d+$"))
        refused_id = latest_import(server.app)[0]
        assert refused_id != import_id
        assert run_job(server.app, refused_id).value == "refused"
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Er is niets ingelezen", timeout=10_000)
        expect(summary.get_by_role("link")).to_have_text(["Regel 3", "Regel 7"])
        expect(summary).to_be_focused()
        screenshot(page, "plaatsen-inlezen-geweigerd")
        assert_no_serious_violations(page, "status page (refused)")
        summary.get_by_role("link", name="Regel 3").click()
        expect(page.get_by_label("CSV-bestand met plaatsen")).to_be_focused()
        assert page.errors == []
