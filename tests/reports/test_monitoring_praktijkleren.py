"""Monitoring counts praktijkleren in its own phases: a direct settlement is settled, then paid
(domain.md §5), with the committed and paid amounts from the ledger."""

import csv
import io
from datetime import UTC, date, datetime

from grants.budget.report import budget_report
from grants.models import OrganisationKind, Region, Role
from grants.services.monitoring import monitoring_overview
from grants.services.tokens import create_token
from tests.decisions.conftest import ok, plain
from tests.factories import OrganisationFactory, UserFactory
from tests.workflows.scenarios import EMPLOYER_IBAN, Api


def validated(world, api, places) -> int:
    """Submitted in the window and validated; the final run settles it at the full rate."""
    number = ok(api.create(world.praktijkleren(places=places)), 201)["id"]
    ok(api.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment"))
    return number


def place(name: str, category: str, code: str, weeks: int) -> dict:
    return {"student_name": name, "category": category, "programme_code": code,
            "school": "ROC", "starts_on": "2013-09-01", "ends_on": "2014-06-30", "weeks": weeks}


def test_a_settled_and_paid_praktijkleren_application_is_counted(world, client, clock, web_as):
    clock.moment = datetime(2014, 9, 1, 10, tzinfo=UTC)
    # Noord: one full mbo place € 2.700 + 21/42 hbo place € 1.350 = € 4.050, then paid.
    paid = validated(world, world.employer_applicant, [
        place("Sanne de Vries", "mbo", "25180", 40), place("Ahmed Yilmaz", "hbo", "34820", 21)])
    # Zuidoost: 20/40 mbo place = € 1.350, settled, not yet paid.
    south = OrganisationFactory(kind=OrganisationKind.EMPLOYER, region=Region.ZUIDOOST,
                                name="Installateur Zuid", iban=EMPLOYER_IBAN)
    user = UserFactory(role=Role.APPLICANT, organisation=south, name="zuid")
    validated(world, Api(client, create_token(user, clock())[1], user),
              [place("Lotte Jansen", "mbo", "25180", 20)])
    world.settle_praktijkleren(clock)
    ok(world.finance.fire(paid, "pay"))

    overview = monitoring_overview(date(2014, 12, 1))
    total = overview.total_of("praktijkleren")
    assert total.phases == {"approved": 0, "monitored": 0, "settlement_requested": 0,
                            "settled": 1, "paid": 1, "closed": 0}
    assert total.grants == 2
    assert (total.committed, total.paid) == (4050_00 + 1350_00, 4050_00)
    (budget,) = [b for b in budget_report() if b.scheme == "praktijkleren"]
    assert (total.committed, total.paid) == (budget.committed, budget.disbursed)
    regions = {row.region: row for row in overview.rows
               if row.scheme == "praktijkleren" and row.region}
    assert regions["Noord"].phases["paid"] == 1 and regions["Zuidoost"].phases["settled"] == 1
    assert (regions["Noord"].committed, regions["Noord"].paid) == (4050_00, 4050_00)
    assert (regions["Zuidoost"].committed, regions["Zuidoost"].paid) == (1350_00, 0)

    finance = web_as(world.finance.user)
    page = plain(finance.get("/monitoring").get_data(as_text=True))
    assert "Aantal subsidies per fase" in page and "€ 5.400,00" in page and "€ 4.050,00" in page
    rows = list(csv.DictReader(io.StringIO(
        finance.get("/monitoring.csv").get_data(as_text=True))))
    (row,) = [r for r in rows if (r["regeling"], r["regio"]) == ("praktijkleren", "totaal")]
    assert (row["fase_settled"], row["fase_paid"], row["subsidies"]) == ("1", "1", "2")
    assert (row["verplicht"], row["betaald"]) == ("5400.00", "4050.00")
