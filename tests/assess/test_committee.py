"""The RIF committee: each member's own score sheet, scores kept from the others until one has
scored oneself, and the ranking by the members' average with the quorum."""

import re

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Assessment
from tests.assess.conftest import application, ok, post, text

COMMITTEE = "/beoordelen/commissie"
LOW = {"fit": 5, "coordination": 5, "durability": 4, "innovation": 5}


def sheet(number: int) -> str:
    return f"{COMMITTEE}/{number}"


def score(client, number: int, **scores):
    return post(client, sheet(number), {f"score_{k}": str(v) for k, v in scores.items()})


def test_a_member_records_their_own_scores(world, flow, login_as):
    number = flow.in_assessment("rif")
    client = login_as(world.committee.user)
    page = text(client.get(COMMITTEE))
    assert "Nog door u te scoren: 1." in page and "RIF-2014-00001 scoren" in page

    response = score(client, number, fit=8, coordination=7, durability=7, innovation=9)
    assert response.status_code == 303
    stored = db.session.scalars(sa.select(Assessment)).one()
    assert stored.assessor_id == world.committee.user.id
    assert stored.scores == {"fit": 8, "coordination": 7, "durability": 7, "innovation": 9}
    # One of the two members the quorum asks for: still in assessment.
    assert application(number).state.value == "in_assessment"
    page = text(client.get(COMMITTEE))
    assert "Uw scores voor RIF-2014-00001 zijn vastgelegd." in page
    # No verdict before the quorum: how many of the members it needs have scored.
    assert "1 van 2 leden hebben gescoord" in page and "Voldoende" not in page
    assert "U heeft alle aanvragen in dit overzicht gescoord." in page

    again = score(client, number, fit=1, coordination=1, durability=1, innovation=1)
    assert again.status_code == 422
    assert "U heeft deze aanvraag al gescoord." in text(again)
    assert len(db.session.scalars(sa.select(Assessment)).all()) == 1


def test_a_sheet_needs_every_criterion(world, flow, login_as):
    number = flow.in_assessment("rif")
    response = score(login_as(world.committee.user), number, fit=8, coordination=7)
    assert response.status_code == 422
    page = text(response)
    assert "Geef een score voor duurzaamheid na de subsidie." in page
    assert "Geef een score voor vernieuwing." in page
    assert not db.session.scalars(sa.select(Assessment)).all()


def test_others_scores_stay_hidden_until_one_has_scored(world, flow, login_as):
    number = flow.in_assessment("rif")
    ok(world.committee2.fire(number, "record_assessment", {"scores": LOW}))
    client = login_as(world.committee.user)
    page = text(client.get(COMMITTEE))
    assert "verborgen tot u scoort" in page
    own = text(client.get(sheet(number)))
    assert "1 van 2 leden hebben gescoord. Hun scores ziet u nadat u zelf heeft gescoord." in own
    assert "committee2" not in own

    score(client, number, fit=9, coordination=8, durability=8, innovation=9)
    own = text(client.get(sheet(number)))
    assert "committee2 5 5 4 5 19" in own
    assert "committee 9 8 8 9 34" in own
    assert "Gemiddeld 7,0 6,5 6,0 7,0 26,5" in own
    assert application(number).state.value == "assessed"  # the quorum of two is reached


def test_ranking_by_average_with_quorum_status(world, flow, login_as):
    first = flow.in_assessment("rif")
    second = flow.in_assessment("rif", title="Tweede praktijkcentrum")
    third = flow.in_assessment("rif", title="Derde praktijkcentrum")
    high = {"fit": 8, "coordination": 8, "durability": 7, "innovation": 8}
    for member in (world.committee, world.committee2):
        ok(member.fire(second, "record_assessment", {"scores": high}))
        ok(member.fire(first, "record_assessment", {"scores": LOW}))
    ok(world.committee.fire(third, "record_assessment", {"scores": high}))

    page = text(login_as(world.approver.user).get(COMMITTEE))
    ranking = page[page.index("Rangschikking Op volgorde"):]
    rows = re.findall(r"(\d|–) (RIF-2014-0000\d)", ranking)
    # By average, once the quorum has scored; a place only for the sufficient ones. Below
    # them what still waits for the quorum, with no verdict and no place yet.
    assert rows == [("1", "RIF-2014-00002"), ("–", "RIF-2014-00001"), ("–", "RIF-2014-00003")]
    assert "RIF-2014-00002 Tweede praktijkcentrum ROC Noord 31,0 7,8 Voldoende € 500.000,00" \
        in ranking
    assert "19,0 4,8 Onvoldoende € 500.000,00 – – onvoldoende" in ranking
    assert "31,0 7,8 1 van 2 leden hebben gescoord € 500.000,00 – – –" in ranking
    assert application(third).state.value == "in_assessment"


def test_who_sees_the_committee(world, flow, app):
    from tests.conftest import login

    number = flow.in_assessment("rif")
    for user, status in ((world.assessor.user, 403), (world.rif_applicant.user, 403),
                         (world.approver.user, 200), (world.admin.user, 200)):
        client = app.test_client()
        login(client, user.email)
        assert client.get(COMMITTEE).status_code == status, user.name
    client = app.test_client()
    login(client, world.approver.user.email)
    response = score(client, number, fit=8, coordination=8, durability=8, innovation=8)
    assert response.status_code == 403
    assert not db.session.scalars(sa.select(Assessment)).all()
