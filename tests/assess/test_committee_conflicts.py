"""A committee member's conflict of interest: declared once and for good, after which the
application is out of their sight and reach, and the quorum is counted over the others."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Assessment, AuditEvent, CommitteeConflict
from tests.assess.conftest import application, ok, post, text
from tests.conftest import login

COMMITTEE = "/beoordelen/commissie"
SCORES = {"scores": {"fit": 8, "coordination": 7, "durability": 7, "innovation": 8}}


def declare_path(number: int) -> str:
    return f"{COMMITTEE}/{number}/belangenverstrengeling"


def client_of(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def declare(client, number: int, **fields):
    return post(client, declare_path(number), {"confirm": "y", **fields})


def conflicts() -> list[CommitteeConflict]:
    return list(db.session.scalars(sa.select(CommitteeConflict)))


def test_a_declared_conflict_takes_the_application_out_of_sight(app, world, flow, clock):
    number = flow.in_assessment("rif")
    member = client_of(app, world.committee.user)
    page = text(member.get(COMMITTEE))
    assert "Belangenverstrengeling melden voor RIF-2014-00001" in page
    form = text(member.get(declare_path(number)))
    assert "Een melding is definitief: u kunt haar niet intrekken." in form

    response = declare(member, number, note="Ik ben toezichthouder bij ROC Noord.")
    assert response.status_code == 303
    [conflict] = conflicts()
    assert (conflict.application_id, conflict.user_id) == (number, world.committee.user.id)
    assert conflict.note == "Ik ben toezichthouder bij ROC Noord."
    assert conflict.declared_at == clock()
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.trigger == "declare_conflict")).one()
    assert event.actor_id == world.committee.user.id and event.application_id == number
    # The trail, which the applicant reads too, does not carry the member's note.
    assert "toezichthouder" not in event.reason and "toezichthouder" not in str(event.data)

    page = text(member.get(COMMITTEE))
    assert "U heeft belangenverstrengeling gemeld voor RIF-2014-00001." in page
    assert "RIF-2014-00001 scoren" not in page
    assert "RIF-2014-00001 belangenverstrengeling gemeld: u ziet en scoort deze aanvraag niet" \
        in page
    assert "Praktijkcentrum techniek" not in page  # not even its title
    for path in (f"{COMMITTEE}/{number}", f"/aanvragen/{number}", declare_path(number)):
        assert member.get(path).status_code == 404, path
    assert world.committee.get(number).status_code == 404
    refused = world.committee.fire(number, "record_assessment", SCORES)
    assert refused.status_code == 404
    assert not db.session.scalars(sa.select(Assessment)).all()

    # The others see who stood aside, and the note, beside the application.
    approver = text(client_of(app, world.approver.user).get(COMMITTEE))
    assert "Belangenverstrengeling gemeld door: committee" in approver
    sheet = text(client_of(app, world.committee2.user).get(f"{COMMITTEE}/{number}"))
    assert "Ik ben toezichthouder bij ROC Noord." in sheet


def test_the_quorum_is_made_by_the_members_without_a_conflict(app, world, flow):
    number = flow.in_assessment("rif")
    assert declare(client_of(app, world.committee.user), number).status_code == 303
    ok(world.committee2.fire(number, "record_assessment", SCORES))
    assert application(number).state.value == "in_assessment"
    ok(world.committee3.fire(number, "record_assessment", SCORES))
    assert application(number).state.value == "assessed"
    page = text(client_of(app, world.approver.user).get(COMMITTEE))
    assert "Voldoende" in page and "Quorum niet haalbaar" not in page


def test_the_page_says_when_too_few_members_are_left(app, world, flow):
    number = flow.in_assessment("rif")
    # Three members, a quorum of two: with two standing aside, one is left.
    for member in (world.committee, world.committee2):
        assert declare(client_of(app, member.user), number).status_code == 303
    page = text(client_of(app, world.approver.user).get(COMMITTEE))
    assert "0 van 2 leden hebben gescoord" in page
    assert "Quorum niet haalbaar: door belangenverstrengeling kan nog maar 1 lid scoren." in page
    sheet = text(client_of(app, world.committee3.user).get(f"{COMMITTEE}/{number}"))
    assert "Het quorum van 2 leden is niet haalbaar: door belangenverstrengeling kan nog maar " \
        "1 lid deze aanvraag scoren." in sheet


def test_refused_declarations_change_nothing(app, world, flow):
    number = flow.in_assessment("rif")
    member = client_of(app, world.committee.user)
    unconfirmed = post(member, declare_path(number), {"note": "Misschien."})
    assert unconfirmed.status_code == 422
    page = text(unconfirmed)
    assert "Er is een probleem Bevestig dat u belangenverstrengeling meldt." in page
    too_long = declare(member, number, note="x" * 2001)
    assert too_long.status_code == 422
    assert "Gebruik hoogstens 2000 tekens." in text(too_long)

    ok(world.committee.fire(number, "record_assessment", SCORES))
    after_scoring = declare(member, number)
    assert after_scoring.status_code == 422
    assert "U heeft deze aanvraag al gescoord." in text(after_scoring)
    assert "Belangenverstrengeling melden" not in text(member.get(f"{COMMITTEE}/{number}"))
    assert not conflicts()
    assert not db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.trigger == "declare_conflict")).all()


def test_only_members_declare_and_only_for_rif(app, world, flow):
    plan = flow.in_assessment("sectorplan")
    member = client_of(app, world.committee.user)
    assert member.get(declare_path(plan)).status_code == 404
    rif = flow.in_assessment("rif")
    approver = client_of(app, world.approver.user)
    assert approver.get(declare_path(rif)).status_code == 403
    assert not conflicts()
