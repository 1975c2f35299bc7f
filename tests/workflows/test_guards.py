"""Who may fire what, from which state, and the guards that refuse the rest."""

import dataclasses
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from grants.errors import Conflict, Forbidden, GrantsError, NotFound
from grants.extensions import db
from grants.models import Application, ApplicationState, AuditEvent, Role
from grants.money import format_eur
from grants.services.applications import fire_trigger
from grants.workflows import REGISTRY, workflow_for
from tests.workflows.test_lifecycles import ok

S = ApplicationState
R = Role

# Written out from domain.md §5 and the issue, not read from the code under test.
ROLES = {
    "submit": {R.APPLICANT}, "provide_information": {R.APPLICANT}, "withdraw": {R.APPLICANT},
    "submit_report": {R.APPLICANT}, "request_settlement": {R.APPLICANT},
    # Staff register an objection that came on paper; they hold or waive the hearing (7:2).
    "lodge_objection": {R.APPLICANT, R.ASSESSOR, R.APPROVER},
    "invite_to_hearing": {R.ASSESSOR, R.APPROVER}, "record_hearing": {R.ASSESSOR, R.APPROVER},
    "waive_hearing": {R.ASSESSOR, R.APPROVER},
    "request_information": {R.ASSESSOR}, "close_unprocessed": {R.ASSESSOR},
    "start_assessment": {R.ASSESSOR}, "record_assessment": {R.ASSESSOR},
    "accept_report": {R.ASSESSOR}, "send_back_report": {R.ASSESSOR}, "settle": {R.ASSESSOR},
    "approve": {R.APPROVER}, "reject": {R.APPROVER}, "decide_objection": {R.APPROVER},
    "extend_objection_term": {R.APPROVER},
    "extend_decision_term": {R.ASSESSOR, R.APPROVER},
    "pay_advance": {R.FINANCE}, "pay": {R.FINANCE}, "recover": {R.FINANCE},
    "close": {R.FINANCE},
}
SCHEME_ROLES = {
    "sectorplan": ROLES,
    "rif": {**ROLES, "record_assessment": {R.COMMITTEE}, "advise_adjustment": {R.COMMITTEE},
            "adjust_grant": {R.APPROVER}},
    # Praktijkleren: the eligibility check refuses (the assessor), the final run settles.
    "praktijkleren": {**ROLES, "settle": {R.FINANCE}, "reject": {R.ASSESSOR}},
}
GRANT_DECIDED = {S.APPROVED, S.REJECTED, S.UNPROCESSED, S.MONITORED, S.SETTLEMENT_REQUESTED,
                 S.SETTLED, S.CLOSED}
GRANT_SOURCES = {
    # Information can still be asked for once the assessment runs (domain.md §5).
    "submit": {S.DRAFT}, "request_information": {S.SUBMITTED, S.IN_ASSESSMENT},
    "provide_information": {S.INCOMPLETE}, "close_unprocessed": {S.INCOMPLETE},
    "start_assessment": {S.SUBMITTED}, "record_assessment": {S.IN_ASSESSMENT},
    "approve": {S.ASSESSED}, "reject": {S.ASSESSED},
    "withdraw": {S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.ASSESSED},
    "pay_advance": {S.APPROVED, S.MONITORED}, "submit_report": {S.APPROVED, S.MONITORED},
    "accept_report": {S.MONITORED}, "request_settlement": {S.APPROVED, S.MONITORED},
    "send_back_report": {S.MONITORED, S.SETTLEMENT_REQUESTED},
    "settle": {S.SETTLEMENT_REQUESTED}, "pay": {S.SETTLED}, "recover": {S.SETTLED},
    "close": {S.SETTLED}, "lodge_objection": GRANT_DECIDED, "decide_objection": GRANT_DECIDED,
    "extend_objection_term": GRANT_DECIDED, "invite_to_hearing": GRANT_DECIDED,
    "record_hearing": GRANT_DECIDED, "waive_hearing": GRANT_DECIDED,
    # Awb 4:14, while undecided.
    "extend_decision_term": {S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.ASSESSED},
}
PRAKTIJKLEREN_DECIDED = {S.UNPROCESSED, S.REJECTED, S.SETTLED, S.PAID, S.CLOSED}
SOURCES = {
    "sectorplan": GRANT_SOURCES,
    "rif": {**GRANT_SOURCES, "advise_adjustment": {S.APPROVED, S.MONITORED},
            "adjust_grant": {S.APPROVED, S.MONITORED}},
    "praktijkleren": {
        "submit": {S.DRAFT}, "request_information": {S.SUBMITTED, S.IN_ASSESSMENT},
        "provide_information": {S.INCOMPLETE}, "close_unprocessed": {S.INCOMPLETE},
        "start_assessment": {S.SUBMITTED}, "record_assessment": {S.IN_ASSESSMENT},
        "reject": {S.IN_ASSESSMENT},
        "withdraw": {S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.VALIDATED},
        "settle": {S.VALIDATED}, "pay": {S.SETTLED}, "close": {S.PAID},
        "lodge_objection": PRAKTIJKLEREN_DECIDED, "decide_objection": PRAKTIJKLEREN_DECIDED,
        "extend_objection_term": PRAKTIJKLEREN_DECIDED,
        "invite_to_hearing": PRAKTIJKLEREN_DECIDED, "record_hearing": PRAKTIJKLEREN_DECIDED,
        "waive_hearing": PRAKTIJKLEREN_DECIDED,
        "extend_decision_term": {S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.VALIDATED},
    },
}
APPLICANT_OF = {"sectorplan": "applicant", "rif": "rif_applicant",
                "praktijkleren": "employer_applicant"}
STAFF = {R.ASSESSOR: "assessor", R.APPROVER: "approver", R.COMMITTEE: "committee",
         R.FINANCE: "finance", R.ADMIN: "admin"}


def outcome(application_id, trigger, user, clock, state):
    """The HTTP status firing would answer, with the application put in ``state`` first."""
    with db.session.begin_nested() as savepoint:
        db.session.execute(sa.update(Application).where(Application.id == application_id)
                           .values(state=state))
        try:
            fire_trigger(application_id, trigger, user, {}, clock())
            status = 200
        except GrantsError as error:
            status = error.status
        savepoint.rollback()
    return status


@pytest.mark.parametrize("scheme", ["sectorplan", "rif", "praktijkleren"])
def test_every_trigger_per_role_and_state(world, clock, scheme):
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    applicant = world.apis[APPLICANT_OF[scheme]]
    if scheme == "praktijkleren":
        clock.moment = datetime(2014, 6, 20, 10, tzinfo=UTC)
    number = ok(applicant.create(getattr(world, scheme)()), 201)["id"]
    users = {R.APPLICANT: applicant.user, **{r: world.apis[n].user for r, n in STAFF.items()}}
    workflow = workflow_for(scheme)
    assert set(workflow.triggers) == set(SOURCES[scheme])

    for trigger, sources in SOURCES[scheme].items():
        allowed = SCHEME_ROLES[scheme][trigger]
        some_source, some_other = next(iter(sources)), next(
            s for s in workflow.states if s not in sources)
        for role, user in users.items():
            if role in allowed:
                continue
            for state in (some_source, some_other):
                # A committee member does not even see what is not a submitted RIF application
                # (privacy): not found, as for another organisation's record.
                hidden = role == R.COMMITTEE and (scheme != "rif" or state == S.DRAFT)
                assert outcome(number, trigger, user, clock, state) == (404 if hidden else 403), \
                    (trigger, role, state)
        for role in allowed:
            for state in workflow.states:
                status = outcome(number, trigger, users[role], clock, state)
                if role == R.COMMITTEE and state == S.DRAFT:
                    # Hidden from the committee until submitted (privacy), as above.
                    assert status == 404, (trigger, role, state, status)
                elif state in sources:
                    assert status not in (403, 404, 409), (trigger, role, state, status)
                else:
                    assert status == 409, (trigger, role, state, status)


def test_an_unknown_trigger_is_not_found(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    response = world.applicant.fire(number, "to_approved")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_trigger"


def test_another_organisation_cannot_fire_or_see(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    for response in (world.outsider.fire(number, "submit"), world.outsider.get(number),
                     world.outsider.call("GET", f"/applications/{number}/history")):
        assert response.status_code == 404
    assert world.applicant.get(number).get_json()["state"] == "draft"


@pytest.mark.parametrize(("moment", "status"), [
    (datetime(2014, 3, 31, 21, 59, 59, tzinfo=UTC), 422),  # 23:59:59 the night before
    (datetime(2014, 3, 31, 22, 0, 0, tzinfo=UTC), 200),  # 1 April 00:00 Amsterdam
    (datetime(2014, 5, 31, 21, 59, 59, 900000, tzinfo=UTC), 200),  # the last second counts
    (datetime(2014, 5, 31, 22, 0, 0, tzinfo=UTC), 422),
])
def test_submit_only_inside_the_window_by_receipt_time(world, clock, moment, status):
    clock.moment = datetime(2014, 3, 1, tzinfo=UTC)
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    clock.moment = moment
    response = world.applicant.fire(number, "submit")
    assert response.status_code == status
    if status == 422:
        assert "window" in response.get_json()["error"]["fields"]
        assert world.applicant.get(number).get_json()["state"] == "draft"


def test_praktijkleren_cut_off_is_17_00_amsterdam_time(world, clock):
    clock.moment = datetime(2014, 9, 1, tzinfo=UTC)
    on_time = ok(world.employer_applicant.create(world.praktijkleren()), 201)["id"]
    late = ok(world.employer_applicant.create(world.praktijkleren()), 201)["id"]
    clock.moment = datetime(2014, 9, 15, 15, 0, 0, tzinfo=UTC)  # 17:00:00 CEST
    assert world.employer_applicant.fire(on_time, "submit").status_code == 200
    clock.moment = datetime(2014, 9, 15, 15, 0, 1, tzinfo=UTC)
    response = world.employer_applicant.fire(late, "submit")
    assert response.status_code == 422
    assert "17:00" in response.get_json()["error"]["fields"]["window"][0]


def test_submit_names_every_missing_or_wrong_field_and_changes_nothing(world):
    body = world.sectorplan(partners=[{"organisation": world.employers.id, "role": "employers"}],
                            measures=[{"title": "Scholing", "theme": "training",
                                       "eligible_cost": "1000.00",
                                       "requested_subsidy": "600.00"}])
    del body["sector"]
    number = ok(world.applicant.create(body), 201)["id"]
    response = world.applicant.fire(number, "submit")
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"sector", "partners", "measures", "measures[0].requested_subsidy"} <= set(fields)
    assert format_eur(500_00) in fields["measures[0].requested_subsidy"][0]
    assert world.applicant.get(number).get_json()["state"] == "draft"
    assert world.applicant.history(number) == []


def test_create_refuses_bad_fields_and_stores_nothing(world):
    response = world.applicant.create(world.sectorplan(title=" ", measures="veel",
                                                       colour="blauw"))
    assert response.status_code == 422
    assert {"title", "measures", "colour"} <= set(response.get_json()["error"]["fields"])
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_only_applicants_create_and_only_drafts_are_edited(world):
    assert world.assessor.create(world.sectorplan()).status_code == 403
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    response = world.applicant.call("PATCH", f"/applications/{number}", {"title": "Anders"})
    assert response.status_code == 409


def test_a_stale_version_is_a_conflict(world):
    draft = ok(world.applicant.create(world.sectorplan()), 201)
    number, version = draft["id"], draft["version"]
    ok(world.applicant.call("PATCH", f"/applications/{number}",
                            {"title": "Nieuwe titel", "version": version}))
    response = world.applicant.fire(number, "submit", {"version": version})
    assert response.status_code == 409
    assert world.applicant.get(number).get_json()["state"] == "draft"


def _assessed_sector_plan(world, assessor):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(assessor.fire(number, "start_assessment"))
    ok(assessor.fire(number, "record_assessment",
                     {"recommendation": "negative", "reasoning": "Te weinig draagvlak."}))
    return number


def test_four_eyes_whoever_assessed_does_not_decide(world, clock):
    from grants.models import UserRole
    from grants.services.tokens import create_token
    from tests.workflows.scenarios import Api

    both = world.assessor2.user
    both.role_rows.append(UserRole(role=Role.APPROVER))
    db.session.commit()
    api = Api(world.assessor2.client, create_token(both, clock())[1], both)
    number = _assessed_sector_plan(world, api)

    assert "approve" not in api.get(number).get_json()["allowed_triggers"]
    for trigger, body in (("approve", {}), ("reject", {"reason": "Onvoldoende"})):
        response = api.fire(number, trigger, body)
        assert response.status_code == 403
        assert "Vier ogen" in response.get_json()["error"]["message"]
    assert "reject" in world.approver.get(number).get_json()["allowed_triggers"]
    rejected = ok(world.approver.fire(number, "reject", {"reason": "Te weinig draagvlak."}))
    assert rejected["state"] == "rejected"


def test_approve_needs_the_approver_role_and_a_sound_amount(world):
    number = _assessed_sector_plan(world, world.assessor)
    assert world.assessor.fire(number, "approve").status_code == 403
    too_much = world.approver.fire(number, "approve", {"amount": "500166.67"})
    assert too_much.status_code == 422
    assert format_eur(500_166_66) in too_much.get_json()["error"]["fields"]["amount"][0]
    assert world.approver.fire(number, "approve", {"amount": "12,50"}).status_code == 422
    assert world.approver.fire(number, "reject").status_code == 422  # a reason is required


def test_granting_less_than_requested_needs_the_reason_for_the_letter(world):
    number = _assessed_sector_plan(world, world.assessor)
    less = world.approver.fire(number, "approve", {"amount": "400000.00"})
    assert less.status_code == 422
    assert "reden" in less.get_json()["error"]["fields"]["reason"][0]
    assert world.approver.get(number).get_json()["state"] == "assessed"
    granted = ok(world.approver.fire(number, "approve", {"amount": "400000.00",
                                                         "reason": "Maatregel 2 valt af."}))
    assert granted["state"] == "approved"


def test_repair_term_pauses_the_clock_and_allows_closing_after(world, clock):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    asked = ok(world.assessor.fire(number, "request_information", {
        "reason": "Handtekening ontbreekt", "repair_due_on": "2014-04-11"}))
    assert asked["repair_due"] == "2014-04-11"

    clock.advance(days=10)  # 11 April: the last day to repair
    early = world.assessor.fire(number, "close_unprocessed", {"reason": "Niet aangevuld"})
    assert early.status_code == 422
    assert "repair_due_on" in early.get_json()["error"]["fields"]

    clock.advance(days=1)
    closed = ok(world.assessor.fire(number, "close_unprocessed", {"reason": "Niet aangevuld"}))
    assert closed["state"] == "unprocessed"
    # Closed 12 April + 6 weeks = Saturday 24 May 2014, so Monday 26 May.
    assert closed["objection_due"] == "2014-05-26"
    assert "lodge_objection" in world.applicant.get(number).get_json()["allowed_triggers"]


def test_repair_term_must_lie_in_the_future(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    response = world.assessor.fire(number, "request_information", {
        "reason": "x", "repair_due_on": "2014-04-01"})
    assert response.status_code == 422
    assert "repair_due_on" in response.get_json()["error"]["fields"]


def test_objection_within_six_weeks_decided_by_someone_else(world, clock):
    number = _assessed_sector_plan(world, world.assessor)
    ok(world.approver.fire(number, "reject", {"reason": "Te weinig draagvlak."}))
    assert world.applicant.fire(number, "lodge_objection").status_code == 422  # no reason
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Draagvlak is aangetoond."}))
    again = world.applicant.fire(number, "lodge_objection", {"reason": "Nog een keer"})
    assert again.status_code == 422

    own = world.approver.fire(number, "decide_objection", {"outcome": "upheld", "reason": "x"})
    assert own.status_code == 403  # Awb 10:3: not the one who decided
    ok(world.assessor.fire(number, "waive_hearing", {
        "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))
    decided = ok(world.approver2.fire(number, "decide_objection",
                                      {"outcome": "rejected", "reason": "Besluit blijft."}))
    assert decided["state"] == "rejected"
    assert [e["trigger"] for e in world.applicant.history(number)][-3:] == [
        "lodge_objection", "waive_hearing", "decide_objection"]


def test_a_late_objection_is_recorded_and_only_declared_inadmissible(world, clock):
    number = _assessed_sector_plan(world, world.assessor)
    ok(world.approver.fire(number, "reject", {"reason": "Te weinig draagvlak."}))
    clock.advance(weeks=6, days=1)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Te laat"}))
    assert world.applicant.history(number)[-1]["data"]["late"] is True
    upheld = world.approver2.fire(number, "decide_objection", {"outcome": "upheld",
                                                               "reason": "x"})
    assert upheld.status_code == 422
    assert "te laat" in upheld.get_json()["error"]["message"]


def test_nothing_remains_when_a_consequence_fails_midway(world, monkeypatch):
    number = _assessed_sector_plan(world, world.assessor)
    workflow = REGISTRY["sectorplan"]

    def ledger_refuses(firing):
        raise RuntimeError("ledger unavailable")

    broken = tuple(
        dataclasses.replace(t, effects=(*t.effects, ledger_refuses)) if t.trigger == "approve"
        else t for t in workflow.transitions)
    monkeypatch.setitem(REGISTRY, "sectorplan", dataclasses.replace(workflow, transitions=broken))
    before = world.applicant.get(number).get_json()

    with pytest.raises(RuntimeError, match="ledger unavailable"):
        world.approver.fire(number, "approve")

    after = world.applicant.get(number).get_json()
    assert after["state"] == "assessed"
    assert after["granted_amount"] is None and after["decided_at"] is None
    assert after["version"] == before["version"]
    approvals = sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.trigger == "approve")
    assert db.session.scalar(approvals) == 0


def test_rules_in_force_at_submission_stay_with_the_application(world, clock, schemes):
    from grants.services.schemes import amend_ceiling

    first = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(first, "submit"))
    scheme = schemes["sectorplan"]
    window = next(w for w in scheme.windows if w.code == "T2")
    # Every euro of the budget sits in a line: there is no room to raise, so T2 is cut.
    amend_ceiling(window.line_for(None), 195_000_000_00, reason="Bezuiniging",
                  effective_on=clock().date(),
                  now=clock(), user=None)
    scheme.decision_term_weeks = 8
    db.session.commit()

    second = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(second, "submit"))
    applications = {a.id: a for a in db.session.scalars(sa.select(Application))}
    old, new = applications[first], applications[second]
    assert old.rules_version_id != new.rules_version_id
    # T2 holds € 200 mln in 2014 (€ 205 mln only from 14 January 2015).
    assert old.rules_version.rules["window"]["ceiling_cents"] == 200_000_000_00
    assert new.rules_version.rules["window"]["ceiling_cents"] == 195_000_000_00
    # 13 and 8 weeks after 31 May 2014 are Saturdays (30 August, 26 July): the Mondays after.
    assert world.applicant.get(first).get_json()["decision_due"] == "2014-09-01"
    assert world.applicant.get(second).get_json()["decision_due"] == "2014-07-28"

    # An application in flight keeps judging by its own rules.
    ok(world.assessor.fire(first, "request_information", {"reason": "x"}))
    assert old.rules_version.rules["decision_term_weeks"] == 13


def test_same_rules_share_one_version(world):
    numbers = [ok(world.applicant.create(world.sectorplan()), 201)["id"] for _ in range(3)]
    for number in numbers:
        ok(world.applicant.fire(number, "submit"))
    versions = {e["rules_version"] for n in numbers for e in world.applicant.history(n)}
    assert len(versions) == 1


def test_conflict_and_forbidden_are_told_apart(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    state_conflict = world.assessor.fire(number, "start_assessment")  # still a draft
    assert state_conflict.status_code == 409
    assert "Concept" in state_conflict.get_json()["error"]["message"]
    assert isinstance(NotFound(), GrantsError) and Conflict.status == 409
    assert Forbidden.status == 403


@pytest.mark.parametrize(("scheme", "applicant", "moment", "change", "field"), [
    ("rif", "rif_applicant", datetime(2014, 5, 20, 10, tzinfo=UTC),
     {"requested_subsidy": "100000.00"}, "requested_subsidy"),
    ("rif", "rif_applicant", datetime(2014, 5, 20, 10, tzinfo=UTC),
     {"contributions": []}, "contributions"),
    ("praktijkleren", "employer_applicant", datetime(2014, 6, 20, 10, tzinfo=UTC),
     {"places": []}, "places"),
    ("praktijkleren", "employer_applicant", datetime(2014, 6, 20, 10, tzinfo=UTC),
     {"iban": None}, "iban"),
])
def test_submit_checks_each_schemes_own_fields(world, clock, scheme, applicant, moment, change,
                                               field):
    clock.moment = moment
    api = world.apis[applicant]
    number = ok(api.create(getattr(world, scheme)(**change)), 201)["id"]
    response = api.fire(number, "submit")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert api.get(number).get_json()["state"] == "draft"


def test_four_eyes_for_a_committee_member_who_also_approves(world, clock):
    from grants.models import UserRole
    from grants.services.tokens import create_token
    from tests.workflows.scenarios import Api

    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    member = world.committee3.user
    member.role_rows.append(UserRole(role=Role.APPROVER))
    db.session.commit()
    api = Api(world.committee3.client, create_token(member, clock())[1], member)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    scores = {"fit": 4, "coordination": 5, "durability": 5, "innovation": 4}
    ok(api.fire(number, "record_assessment", {"scores": scores}))
    ok(world.committee.fire(number, "record_assessment", {"scores": scores}))
    assert api.fire(number, "approve").status_code == 403
    rejected = ok(world.approver.fire(number, "reject", {"reason": "Scores onvoldoende"}))
    assert rejected["state"] == "rejected"
