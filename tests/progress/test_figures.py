"""The public progress figures (issue 17), computed by hand from a few sector plans in two
regions: totals per scheme and region, counts, a past day, the cache, the files and their
conditional answers, the same totals as finance and the API, and nothing personal anywhere."""

import csv
import gzip
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from grants.extensions import db
from grants.models import Application, Organisation, Role, User
from grants.services.progress import compute_progress, months_before, progress
from grants.services.tokens import create_token
from tests.factories import UserFactory
from tests.test_finance_pages import PARTLY, row_named
from tests.workflows.test_lifecycles import ok

A_COMMITTED = 450_000_00
B_COMMITTED = 500_166_66
A_PAID = 360_000_00


def _plan(world, **changes) -> int:
    number = ok(world.applicant.create(world.sectorplan(**changes)), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    return number


def _assessed(world, number: int, recommendation: str = "positive") -> None:
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment",
                           {"recommendation": recommendation, "reasoning": "Beoordeeld."}))


@pytest.fixture
def plans(world, clock):
    """1 April 2014: A (Noord) granted € 450.000; 4 April: B (Zuidoost) granted in full;
    6 April: A paid an advance of € 360.000, C (Zuidoost) refused, D (Noord) received."""
    a = _plan(world)
    _assessed(world, a)
    ok(world.approver.fire(a, "approve", {"amount": "450000.00", **PARTLY}))
    clock.advance(days=3)
    b = _plan(world, region="Zuidoost", sector="Bouw")
    _assessed(world, b)
    ok(world.approver.fire(b, "approve"))
    clock.advance(days=2)
    ok(world.finance.fire(a, "pay_advance", {"amount": "360000.00"}))
    c = _plan(world, region="Zuidoost", sector="Bouw")
    _assessed(world, c, "negative")
    ok(world.approver.fire(c, "reject", {"reason": "Past niet in de regeling."}))
    d = _plan(world)
    return a, b, c, d


def _counts(row):
    return (row.counts.received, row.counts.granted, row.counts.refused)


def test_totals_per_scheme_and_region(plans):
    figures = progress()
    plans_budget = figures.budget("sectorplannen")
    assert plans_budget.money.committed == A_COMMITTED + B_COMMITTED
    assert plans_budget.money.paid == A_PAID
    assert _counts(plans_budget) == (4, 2, 1)
    t2 = next(line for line in plans_budget.lines if line.code == "T2")
    assert (t2.money.committed, t2.money.paid) == (A_COMMITTED + B_COMMITTED, A_PAID)
    assert t2.money.remaining == t2.money.ceiling - A_COMMITTED - B_COMMITTED
    assert (t2.counts.received, t2.counts.granted) == (4, 2)

    noord, zuidoost = figures.region("Noord"), figures.region("Zuidoost")
    assert (noord.committed, noord.paid, _counts(noord)) == (A_COMMITTED, A_PAID, (2, 1, 0))
    assert (zuidoost.committed, zuidoost.paid, _counts(zuidoost)) == (B_COMMITTED, 0, (2, 1, 1))
    assert [row.key for row in figures.regions] == [
        "Noord", "Oost-Nederland", "Zuidoost", "Zuidwestvleugel", "Noordvleugel"]
    assert _counts(figures.region("Noordvleugel")) == (0, 0, 0)

    assert [row.key for row in figures.sectors] == ["Bouw", "Metaal en techniek"]
    assert figures.sector("Bouw").committed == B_COMMITTED
    assert _counts(figures.sector("Metaal en techniek")) == (2, 1, 0)

    assert sorted((p.region, p.granted) for p in figures.projects) == [
        ("Noord", A_COMMITTED), ("Zuidoost", B_COMMITTED)]


def test_a_past_day_is_cut_at_its_end(plans):
    first_day = compute_progress(date(2014, 4, 1))
    budget = first_day.budget("sectorplannen")
    assert (budget.money.committed, budget.money.paid) == (A_COMMITTED, 0)
    assert _counts(budget) == (1, 1, 0)
    assert first_day.region("Zuidoost").committed == 0
    assert [p.region for p in first_day.projects] == ["Noord"]

    fourth = compute_progress(date(2014, 4, 4)).budget("sectorplannen")
    assert (fourth.money.committed, fourth.money.paid) == (A_COMMITTED + B_COMMITTED, 0)
    assert _counts(fourth) == (2, 2, 0)

    before = compute_progress(date(2014, 3, 31)).budget("sectorplannen")
    assert (before.money.committed, _counts(before)) == (0, (0, 0, 0))


def test_a_past_day_has_the_ceiling_of_that_day(plans):
    # The fixture's T2 ceiling is that of 2014, before its amendment; today it is the same.
    today = progress().budget("sectorplannen")
    past = compute_progress(date(2014, 4, 6)).budget("sectorplannen")
    assert [line.money for line in past.lines] == [line.money for line in today.lines]


def test_the_trend_is_per_month(plans):
    trend = progress().budget("sectorplannen").trend
    assert [(p.month, p.committed, p.paid) for p in trend] == [
        (date(2014, 4, 1), A_COMMITTED + B_COMMITTED, A_PAID)]
    assert trend[-1].day == date(2014, 4, 6)


def test_the_cache_refreshes_after_its_time(app, world, clock, plans):
    a = plans[0]
    assert progress().budget("sectorplannen").money.paid == A_PAID
    ok(world.finance.fire(a, "pay_advance", {"amount": "10000.00"}))
    assert progress().budget("sectorplannen").money.paid == A_PAID  # still the kept figures
    clock.advance(seconds=app.config["PROGRESS_CACHE_SECONDS"] - 1)
    assert progress().budget("sectorplannen").money.paid == A_PAID
    clock.advance(seconds=1)
    assert progress().budget("sectorplannen").money.paid == A_PAID + 10_000_00


def test_previous_report_is_six_months_earlier():
    assert months_before(date(2015, 6, 30), 6) == date(2014, 12, 30)
    assert months_before(date(2015, 8, 31), 6) == date(2015, 2, 28)
    assert months_before(date(2015, 1, 15), 6) == date(2014, 7, 15)


# -- files ------------------------------------------------------------------------------------

def test_json_holds_the_figures_as_decimal_strings(client, plans):
    response = client.get("/voortgang/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    data = json.loads(response.get_data(as_text=True))
    assert data["licence"] == "CC0-1.0"
    assert data["until"] == "2014-04-06"
    budget = next(b for b in data["budgets"] if b["code"] == "sectorplannen")
    assert budget["committed"] == "950166.66"
    assert budget["paid"] == "360000.00"
    assert (budget["received"], budget["granted"], budget["refused"]) == (4, 2, 1)
    region = next(r for r in data["regions"] if r["region"] == "Zuidoost")
    assert region["committed"] == "500166.66" and region["refused"] == 1
    assert sorted(p["granted_amount"] for p in data["projects"]) == ["450000.00", "500166.66"]
    assert set(data["projects"][0]) == {"organisation", "scheme", "window", "region", "sector",
                                        "granted_amount", "starts_on", "ends_on", "decided_on"}


def test_csv_holds_the_same(client, plans):
    response = client.get("/voortgang/data.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    line = next(r for r in rows if r["record_type"] == "line" and r["line_code"] == "T2")
    assert (line["committed"], line["paid"], line["received"]) == ("950166.66", "360000.00", "4")
    noord = next(r for r in rows if r["record_type"] == "region" and r["region"] == "Noord")
    assert (noord["committed"], noord["granted"], noord["refused"]) == ("450000.00", "1", "0")
    projects = [r for r in rows if r["record_type"] == "project"]
    assert {(p["organisation"], p["region"], p["sector"]) for p in projects} == {
        ("Metaalwerkgevers", "Noord", "Metaal en techniek"),
        ("Metaalwerkgevers", "Zuidoost", "Bouw")}
    assert all(Decimal(p["granted_amount"]) > 0 for p in projects)


@pytest.mark.parametrize("path", ["/voortgang/data.csv", "/voortgang/data.json"])
def test_files_answer_304_when_unchanged(client, clock, plans, path):
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    # Recomputed after the cache's time but unchanged: the same ETag and date.
    clock.advance(minutes=10)
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/voortgang/data.csv", "/voortgang/data.json"])
def test_files_go_compressed_to_readers_that_accept_gzip(client, plans, path):
    plain = client.get(path)
    assert "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data())
    # Two forms of one file: caches keep them apart, and each has its own tag.
    assert "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in packed.headers[
        "Vary"]
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers[
        "ETag"]}).status_code == 304


def test_files_change_when_the_figures_do(client, clock, world, plans):
    etag = client.get("/voortgang/data.json").headers["ETag"]
    ok(world.finance.fire(plans[0], "pay_advance", {"amount": "10000.00"}))
    clock.advance(minutes=10)
    response = client.get("/voortgang/data.json", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


# -- pages ------------------------------------------------------------------------------------

def test_public_pages_need_no_login(client, plans):
    for path in ["/voortgang", "/voortgang/regio/noord", "/voortgang/regio/zuidoost",
                 "/voortgang/sector/bouw", "/voortgang/projecten",
                 "/voortgang/projecten?regio=zuidoost&regeling=sectorplan", "/voortgang/data"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="nl">' in response.get_data(as_text=True)
    assert client.get("/voortgang/regio/atlantis").status_code == 404
    assert client.get("/voortgang/sector/onbekend").status_code == 404


def test_project_list_filters_and_pages(client, plans):
    html = client.get("/voortgang/projecten?regio=zuidoost").get_data(as_text=True)
    assert "500.166,66" in html and "450.000,00" not in html
    html = client.get("/voortgang/projecten?regio=noord&pagina=7").get_data(as_text=True)
    assert "450.000,00" in html


def test_staff_report_page_needs_programme_finance_or_admin(app, client, login_as, world,
                                                            plans):
    assert client.get("/voortgang/rapport").status_code == 302
    login_as(world.applicant.user)
    assert client.get("/voortgang/rapport").status_code == 403
    assessor = login_as(UserFactory(role=Role.ASSESSOR), client=app.test_client())
    assert assessor.get("/voortgang/rapport").status_code == 403
    for role in (Role.PROGRAMME, Role.FINANCE, Role.ADMIN):
        staff = login_as(UserFactory(role=role), client=app.test_client())
        assert staff.get("/voortgang/rapport").status_code == 200, role


def test_staff_report_names_the_field_of_a_bad_date(client, login_as, world, plans):
    login_as(world.finance.user)
    response = client.get("/voortgang/rapport?tot=30-06-2014")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#tot"' in html and "JJJJ-MM-DD" in html and 'aria-invalid="true"' in html
    assert client.get("/voortgang/rapport?tot=2099-01-01").status_code == 422
    pdf = client.get("/voortgang/rapport?tot=2014-04-04")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data)
    assert "4 april 2014" in text and "4 oktober 2013" in text  # compared with six months ago
    assert "950.166,66" in text and "360.000,00" not in text


def test_cli_writes_the_report_and_refuses_a_bad_date(app, tmp_path, plans):
    runner = app.test_cli_runner()
    out = tmp_path / "rapport.pdf"
    result = runner.invoke(args=["grants", "progress-report", "--until", "2014-04-06",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "360.000,00" in _pdf_text(out.read_bytes())
    bad = runner.invoke(args=["grants", "progress-report", "--until", "2014-13-01"])
    assert bad.exit_code == 2
    assert "--until" in bad.output and "JJJJ-MM-DD" in bad.output


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# -- done when: the same totals as finance, nothing personal -----------------------------------

DEMO_MOMENT = datetime(2015, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
def demo(clock):
    from grants.demo import load_demo

    clock.moment = DEMO_MOMENT
    load_demo(DEMO_MOMENT)
    db.session.commit()


def _api_budgets(client, clock) -> dict:
    from grants.models import Role

    finance = db.session.scalars(sa.select(User).where(
        User.email == "financien@demo.techniekpact.nl")).one()
    assert finance.has_role(Role.FINANCE)
    token = create_token(finance, clock())[1]
    response = client.get("/api/v1/budgets", headers={"Authorization": f"Bearer {token}"})
    return {item["name"]: item for item in response.get_json()["items"]}


def test_public_totals_equal_the_api_and_the_finance_dashboard(client, clock, login_as, demo):
    public_html = client.get("/voortgang").get_data(as_text=True)
    public_json = json.loads(client.get("/voortgang/data.json").get_data(as_text=True))
    api = _api_budgets(client, clock)

    from grants.models import Role
    from tests.factories import UserFactory

    login_as(UserFactory(role=Role.FINANCE))
    dashboard = client.get("/financien/").get_data(as_text=True)
    assert public_json["budgets"], "the demo holds budgets"
    for budget in public_json["budgets"]:
        item = api[budget["name"]]
        assert [budget[k] for k in ("ceiling", "committed", "paid", "remaining")] == \
            [item[k] for k in ("ceiling", "committed", "disbursed", "remaining")]
        public_row = row_named(public_html, budget["name"])
        finance_row = row_named(dashboard, budget["name"])
        # Public: ceiling, committed, paid, remaining; finance: ceiling, reserved, committed,
        # paid, remaining.
        assert public_row[1:5] == [finance_row[1], *finance_row[3:6]]
    assert any(Decimal(b["committed"]) > 0 for b in public_json["budgets"])


def _personal_data() -> set[str]:
    found = set()
    for email, name in db.session.execute(sa.select(User.email, User.name)):
        found |= {email, name}
    for contact, iban in db.session.execute(
            sa.select(Organisation.contact_name, Organisation.iban)):
        found |= {contact, iban}
    for (details,) in db.session.execute(sa.select(Application.details)):
        details = details or {}
        found.add(details.get("iban") or "")
        for place in details.get("places") or []:
            found |= {place.get("student_name") or "", place.get("student_number") or ""}
    return {text for text in found if text and len(text) > 3}


def test_no_personal_data_on_any_public_page_or_file(client, demo):
    personal = _personal_data()
    assert any("@" in text for text in personal) and any(text.startswith("NL") and
                                                         text[2:4].isdigit() for text in personal)
    students = {p.get("student_name") for (d,) in db.session.execute(
        sa.select(Application.details)) for p in (d or {}).get("places") or []}
    assert students - {None}, "the demo holds praktijkleren places with students"

    figures = progress()
    pages = ["/voortgang", "/voortgang/projecten", "/voortgang/data", "/voortgang/acties",
             "/voortgang/acties/regio", *[f"/voortgang/acties/{action['id']}"
                                          for action in figures.actions],
             *[f"/voortgang/regio/{slug}" for slug in
               ("noord", "oost-nederland", "zuidoost", "zuidwestvleugel", "noordvleugel")],
             *[f"/voortgang/sector/{re.sub('[^a-z0-9]+', '-', row.key.lower()).strip('-')}"
               for row in figures.sectors]]
    texts = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = response.get_data(as_text=True)
    texts["csv"] = client.get("/voortgang/data.csv").get_data(as_text=True)
    texts["json"] = client.get("/voortgang/data.json").get_data(as_text=True)
    texts["json-decoded"] = json.dumps(json.loads(texts["json"]), ensure_ascii=False)
    texts["pdf"] = _pdf_text(client.get("/voortgang/rapport.pdf").data)
    compact = {where: re.sub(r"\s+", " ", text) for where, text in texts.items()}
    leaks = [(where, item) for where, text in compact.items() for item in personal
             if item in text or item.replace(" ", "") in text.replace(" ", "")]
    assert leaks == []
    assert texts["pdf"] and figures.projects and figures.actions, "there is something to leak"


def test_a_report_day_before_today_uses_the_ledger_and_matches_today(demo):
    today = progress()
    ledger = compute_progress(DEMO_MOMENT.date())
    assert [b.money for b in ledger.budgets] == [b.money for b in today.budgets]
    assert ledger.regions == today.regions and ledger.projects == today.projects
    earlier = compute_progress(DEMO_MOMENT.date() - timedelta(days=300))
    assert earlier.money.committed < today.money.committed
