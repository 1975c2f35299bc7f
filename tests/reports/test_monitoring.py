"""The monitoring overview: grants per phase, late reports, and money equal to the ledger
report, per scheme and region; and its CSV."""

import csv
import io
from datetime import UTC, datetime

import pytest

from grants.budget.report import budget_report
from grants.extensions import db
from grants.models import Application
from grants.services.monitoring import monitoring_overview
from tests.decisions.conftest import ok, plain
from tests.reports.flow import settlement_request


@pytest.fixture
def grants_followed(world, steps, clock):
    """Noord: one grant with an advance paid, one settled lower with recovery; Zuidoost: one
    approved grant."""
    advanced = steps.granted("450000.00")
    ok(world.finance.fire(advanced, "pay_advance", {"amount": "100000.00"}))
    settled = steps.granted("450000.00")
    ok(world.finance.fire(settled, "pay_advance", {"amount": "360000.00"}))
    ok(settlement_request(world.applicant, settled, "300000.00"))
    world.decide_prepared(settled, "settle", {"amount": "300000.00", "reason": "Minder kosten."})
    number = steps.assessed_sector_plan(region="Zuidoost")
    ok(world.approver.fire(number, "approve", {"amount": "200000.00", "reason": "Deels."}))
    assert db.session.get(Application, number).region.value == "Zuidoost"
    clock.moment = datetime(2015, 7, 10, 8, tzinfo=UTC)  # the progress reports are late
    return advanced, settled, number


def test_the_figures_equal_the_ledger_report(grants_followed):
    overview = monitoring_overview(datetime(2015, 7, 10).date())
    total = overview.total_of("sectorplan")
    (budget,) = [b for b in budget_report() if b.scheme == "sectorplan"]
    assert (total.committed, total.paid) == (budget.committed, budget.disbursed)
    # 450.000 + 300.000 + 200.000 committed; 100.000 + (360.000 - 60.000) paid.
    assert (total.committed, total.paid) == (950_000_00, 400_000_00)

    regions = {row.region: row for row in overview.rows
               if row.scheme == "sectorplan" and row.region}
    assert set(regions) == {"Noord", "Zuidoost"}
    assert sum(r.committed for r in regions.values()) == total.committed
    assert sum(r.paid for r in regions.values()) == total.paid
    assert regions["Noord"].phases == {"approved": 0, "monitored": 1,
                                       "settlement_requested": 0, "settled": 1, "paid": 0,
                                       "closed": 0}
    assert regions["Zuidoost"].phases["approved"] == 1
    assert (regions["Noord"].committed, regions["Zuidoost"].committed) == (750_000_00,
                                                                          200_000_00)
    # Late: the progress reports of the two grants still followed (not of the settled one).
    assert (regions["Noord"].reports_overdue, regions["Zuidoost"].reports_overdue) == (1, 1)
    assert total.reports_overdue == 2 and total.grants == 3


def test_the_page_and_its_csv(world, grants_followed, web_as):
    finance = web_as(world.finance.user)
    page = plain(finance.get("/monitoring").get_data(as_text=True))
    assert "Monitoring van de subsidies" in page
    assert "Zuidoost" in page and "€ 950.000,00" in page and "€ 400.000,00" in page
    assert "SP-T2-00001" in page and "Voortgangsverslag" in page

    response = finance.get("/monitoring.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_key = {(r["regeling"], r["regio"]): r for r in rows}
    total = by_key[("sectorplan", "totaal")]
    assert (total["verplicht"], total["betaald"]) == ("950000.00", "400000.00")
    assert (total["fase_monitored"], total["fase_settled"], total["fase_approved"]) == (
        "1", "1", "1")
    assert by_key[("sectorplan", "Zuidoost")]["rapportages_te_laat"] == "1"


@pytest.mark.parametrize("who", ["applicant", "committee"])
def test_the_overview_is_for_finance_admins_and_assessors(world, web_as, who):
    web = web_as(getattr(world, who).user)
    assert web.get("/monitoring").status_code == 403
    assert web.get("/monitoring.csv").status_code == 403
    for staff in ("assessor", "admin"):
        assert web_as(getattr(world, staff).user).get("/monitoring").status_code == 200
