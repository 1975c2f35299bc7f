"""Only a verified organisation files: a draft of an organisation still pending (registered
itself, not yet checked by staff) or deactivated is refused at submit with 422 naming the
organisation, and stays a draft; once staff verify (or activate it again) it goes through."""

import pytest

from grants.clock import now
from grants.extensions import db
from grants.models import Application, ApplicationState, OrganisationStatus
from grants.services import organisations as service


@pytest.fixture
def draft(world):
    response = world.applicant.create(world.sectorplan())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def set_status(organisation, status: OrganisationStatus) -> None:
    organisation.status = status
    db.session.commit()


@pytest.mark.parametrize(("status", "words"), [
    (OrganisationStatus.PENDING, "wacht nog op controle"),
    (OrganisationStatus.DEACTIVATED, "is gedeactiveerd"),
])
def test_submit_is_refused_for_an_organisation_not_verified(world, draft, status, words):
    assert "submit" in world.applicant.get(draft).get_json()["allowed_triggers"]
    set_status(world.employers, status)
    # Not offered, as it cannot succeed now; and refused when tried anyway.
    assert "submit" not in world.applicant.get(draft).get_json()["allowed_triggers"]
    response = world.applicant.fire(draft, "submit")
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert list(error["fields"]) == ["organisation"]
    assert words in error["message"] and "Metaalwerkgevers" in error["message"]
    db.session.expire_all()
    application = db.session.get(Application, draft)
    assert application.state == ApplicationState.DRAFT
    assert application.submitted_at is None
    assert world.applicant.history(draft) == []


def test_after_verification_the_same_draft_is_submitted(world, draft):
    set_status(world.employers, OrganisationStatus.PENDING)
    assert world.applicant.fire(draft, "submit").status_code == 422
    service.verify_organisation(world.employers, actor=world.admin.user, now=now(),
                                signatory="J. de Vries", kvk_checked=True,
                                signatory_checked=True, reason="Uittreksel van 1-4-2014.")
    db.session.commit()
    response = world.applicant.fire(draft, "submit")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "submitted"


def test_after_deactivation_and_activation_again_it_is_submitted(world, draft):
    service.set_organisation_active(world.employers, False, actor=world.admin.user,
                                    now=now(), reason="Onderzoek naar misbruik.")
    db.session.commit()
    assert world.applicant.fire(draft, "submit").status_code == 422
    service.set_organisation_active(world.employers, True, actor=world.admin.user, now=now(),
                                    reason="Onderzoek afgerond: niets gevonden.")
    db.session.commit()
    assert world.applicant.fire(draft, "submit").status_code == 200


def test_the_role_and_state_checks_still_come_first(world, draft):
    set_status(world.employers, OrganisationStatus.DEACTIVATED)
    # Not an applicant: 403 (or 404 for staff who may not file), never the organisation's 422.
    assert world.assessor.fire(draft, "submit").status_code in {403, 404}
    set_status(world.employers, OrganisationStatus.VERIFIED)
    assert world.applicant.fire(draft, "submit").status_code == 200
    set_status(world.employers, OrganisationStatus.DEACTIVATED)
    # Already submitted: the trigger is not possible from its state (409), as before.
    assert world.applicant.fire(draft, "submit").status_code == 409


def test_an_application_submitted_before_deactivation_is_still_handled(world, draft):
    assert world.applicant.fire(draft, "submit").status_code == 200
    set_status(world.employers, OrganisationStatus.DEACTIVATED)
    # What was filed is assessed as usual: deactivation stops new filings only.
    assert world.assessor.fire(draft, "start_assessment").status_code == 200
