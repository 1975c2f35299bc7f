"""The committee's ranking as a CSV download: the page's columns, Dutch spreadsheet style
(semicolons, decimal commas), for committee members and approvers only."""

import csv
import io

from tests.assess.conftest import ok
from tests.conftest import login

EXPORT = "/beoordelen/commissie/rangschikking.csv"
HEADER = ["Plaats", "Kenmerk", "Instelling", "Landsdeel", "Totaalscore", "Gevraagd bedrag",
          "Cumulatief gevraagd", "Ruimte over", "Boven of onder de lijn"]


def scores(value: int) -> dict:
    return {"scores": dict.fromkeys(("fit", "coordination", "durability", "innovation"), value)}


def download(app, user, path: str = EXPORT):
    client = app.test_client()
    login(client, user.email)
    return client.get(path)


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))


def test_the_ranking_downloads_as_the_page_shows_it(app, world, flow):
    first = flow.in_assessment("rif", requested_subsidy="500000.00")
    second = flow.in_assessment("rif", requested_subsidy="250000.50", title="Tweede")
    waiting = flow.in_assessment("rif", title="Derde")
    for member in (world.committee, world.committee2):
        ok(member.fire(first, "record_assessment", scores(8)))
        ok(member.fire(second, "record_assessment", scores(7)))
    ok(world.committee2.fire(waiting, "record_assessment", scores(9)))

    response = download(app, world.approver.user)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="rangschikking-rif-alle-tijdvakken.csv"'
    assert response.get_data(as_text=True).endswith("\r\n")
    # The 2014 period's € 24.000.000, less each request in rank order.
    assert rows_of(response) == [
        HEADER,
        ["1", "RIF-2014-00001", "ROC Noord", "Noord", "32,0", "500000,00", "500000,00",
         "23500000,00", "boven de lijn"],
        ["2", "RIF-2014-00002", "ROC Noord", "Noord", "28,0", "250000,50", "750000,50",
         "23249999,50", "boven de lijn"],
        ["", "RIF-2014-00003", "ROC Noord", "Noord", "36,0", "500000,00", "", "",
         "1 van 2 leden hebben gescoord"],
    ]

    # A member who has still to score the third sees no total for it, in the file as on the page.
    member = rows_of(download(app, world.committee.user))
    assert member[3] == ["", "RIF-2014-00003", "ROC Noord", "Noord", "", "500000,00", "", "",
                         "verborgen tot u scoort"]


def test_a_member_with_a_conflict_gets_its_reference_only(app, world, flow):
    from tests.assess.test_committee_conflicts import client_of, declare

    number = flow.in_assessment("rif")
    assert declare(client_of(app, world.committee.user), number).status_code == 303
    rows = rows_of(download(app, world.committee.user))
    assert rows == [HEADER, ["", "RIF-2014-00001", "", "", "", "", "", "",
                             "belangenverstrengeling gemeld"]]


def test_a_chosen_period_names_the_file(app, world, flow):
    from grants.extensions import db
    from grants.models import Window

    flow.in_assessment("rif")
    window = db.session.scalars(db.select(Window).where(Window.code == "2014")).one()
    response = download(app, world.committee.user, f"{EXPORT}?window={window.id}")
    assert 'filename="rangschikking-rif-2014.csv"' in response.headers["Content-Disposition"]


def test_only_members_and_approvers_download(app, world, flow):
    flow.in_assessment("rif")
    for user in (world.finance.user, world.assessor.user, world.admin.user,
                 world.rif_applicant.user):
        assert download(app, user).status_code == 403, user.name
