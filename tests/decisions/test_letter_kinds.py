"""Every kind of decision letter, for every scheme it applies to, holds what the law asks of it.

The kinds are iterated from ``DecisionKind`` itself, so a new kind without a case here fails.
Each letter is drafted by the outbox from a firing of its trigger on a real application (made
through the API), rendered to PDF, and read back as text.
"""

from datetime import UTC, date, datetime

import pytest

from grants.decisions.outbox import drafts_for
from grants.extensions import db
from grants.models import Application, DecisionKind, Objection, ObjectionOutcome
from grants.workflows import workflow_for
from grants.workflows.engine import Firing
from grants.workflows.rules import current_rules
from tests.decisions.conftest import ok
from tests.decisions.letter_checks import assert_complete, letter_text, name_people

K = DecisionKind
SCHEMES = ("sectorplan", "praktijkleren", "rif")
NOW = datetime(2014, 11, 20, 9, tzinfo=UTC)
# Who applies for each scheme, and whose organisation the letter goes to.
APPLICANT = {"sectorplan": ("applicant", "employers"), "rif": ("rif_applicant", "institution"),
             "praktijkleren": ("employer_applicant", "employer")}

# kind -> (the trigger that takes it, schemes it is limited to or None, who decides,
#          what the firing carries, what the audit row carries)
CASES = {
    K.GRANT: ("approve", None, "approver", {"reason": ""}, {"amount_cents": 450_000_00}),
    K.REJECTION: ("reject", None, "approver",
                  {"reason": "De aanvraag voldoet niet aan de voorwaarden."}, {}),
    K.NOT_PROCESSED: ("close_unprocessed", None, "assessor",
                      {"reason": "De aanvulling is niet ontvangen."}, {}),
    K.DIRECT_SETTLEMENT: ("settle", {"praktijkleren"}, "approver",
                          {"reason": "", "rates": {"mbo": "2700.00", "hbo": "2700.00"}},
                          {"amount_cents": 4_050_00,
                           "amounts_cents": {"mbo": 2_700_00, "hbo": 1_350_00}}),
    K.SETTLEMENT: ("settle", {"sectorplan", "rif"}, "approver",
                   {"reason": "Niet alle maatregelen zijn uitgevoerd."},
                   {"amount_cents": 300_000_00}),
    K.RECOVERY: ("settle", {"sectorplan", "rif"}, "approver", {"reason": ""},
                 {"amount_cents": 300_000_00, "recovered_cents": 60_000_00}),
    K.OBJECTION: ("decide_objection", None, "approver2",
                  {"reason": "De beslissing blijft in stand."},
                  {"appeal_due_on": "2015-01-05"}),
    K.AMENDMENT: ("adjust_grant", None, "approver", {"reason": "Het project loopt achter."},
                  {"amount_cents": 300_000_00, "previous_cents": 450_000_00,
                   "advice": "lower"}),
    K.POSTPONEMENT: ("extend_decision_term", None, "approver",
                     {"reason": "Er kwamen meer aanvragen dan verwacht."},
                     {"previous_due_on": "2014-12-01"}),
}
# A notice is no decision: nothing to object to (Awb 6:2 a contrario); an objection decision
# is appealed, not objected to.
NOT_OBJECTABLE = {K.POSTPONEMENT}
APPEALED = {K.OBJECTION}


def _applies(kind: DecisionKind, scheme: str) -> bool:
    trigger, only, *_rest = CASES[kind]
    triggers = {t.trigger for t in workflow_for(scheme).transitions}
    return trigger in triggers and (only is None or scheme in only)


def _params() -> list:
    return [pytest.param(kind, scheme, id=f"{kind.value}-{scheme}")
            for kind in DecisionKind for scheme in SCHEMES if _applies(kind, scheme)]


def test_every_kind_has_a_case_and_a_scheme():
    assert set(CASES) == set(DecisionKind)
    assert all(any(_applies(kind, scheme) for scheme in SCHEMES) for kind in DecisionKind)


def _application(world, clock, scheme: str, kind: DecisionKind) -> Application:
    """An application of ``scheme`` as far as the decision of ``kind`` needs it."""
    clock.moment = {"sectorplan": datetime(2014, 4, 1, 7, tzinfo=UTC),
                    "rif": datetime(2014, 5, 20, 9, tzinfo=UTC),
                    "praktijkleren": datetime(2014, 9, 15, 14, 30, tzinfo=UTC)}[scheme]
    who, _organisation = APPLICANT[scheme]
    applicant = getattr(world, who)
    number = ok(applicant.create(getattr(world, scheme)()), 201)["id"]
    ok(applicant.fire(number, "submit"))
    if kind == K.NOT_PROCESSED:
        ok(world.assessor.fire(number, "request_information",
                               {"reason": "De begroting per maatregel ontbreekt."}))
        return db.session.get(Application, number)
    ok(world.assessor.fire(number, "start_assessment"))
    if scheme == "rif":
        for member, score in ((world.committee, 8), (world.committee2, 7)):
            ok(member.fire(number, "record_assessment", {"scores": dict.fromkeys(
                ("fit", "coordination", "durability", "innovation"), score)}))
    elif scheme == "sectorplan":
        ok(world.assessor.fire(number, "record_assessment", {
            "recommendation": "positive", "reasoning": "Past bij de regeling."}))
    if kind == K.OBJECTION:
        # A decision to object to: a refusal, then the applicant's objection.
        refuser = world.assessor if scheme == "praktijkleren" else world.approver
        ok(refuser.fire(number, "reject", {"reason": "De aanvraag voldoet niet."}))
        clock.advance(days=10)
        ok(applicant.fire(number, "lodge_objection",
                           {"reason": "Wij zijn het niet eens met de afwijzing."}))
    application = db.session.get(Application, number)
    if kind in (K.SETTLEMENT, K.RECOVERY, K.AMENDMENT):
        application.granted_cents = 450_000_00  # as granted by an earlier decision
    return application


@pytest.mark.parametrize(("kind", "scheme"), _params())
def test_each_letter_kind_holds_every_part_and_no_internal_word(world, clock, kind, scheme):
    name_people(world)
    application = _application(world, clock, scheme, kind)
    trigger, _only, decider, data, audit_data = CASES[kind]
    actor = getattr(world, decider).user
    objection = None
    if kind == K.OBJECTION:
        objection = db.session.query(Objection).filter_by(application_id=application.id).one()
        objection.outcome, objection.decision_reason = ObjectionOutcome.REJECTED, data["reason"]
    if kind == K.POSTPONEMENT:
        application.decision_due_on = date(2015, 1, 26)
    # As the decision sets it: 20 November 2014 + 6 weeks is New Year's Day 2015, a holiday,
    # so the term runs to Friday 2 January (Algemene termijnenwet art. 1).
    application.objection_due_on = date(2015, 1, 2)
    workflow = workflow_for(scheme)
    firing = Firing(application=application, trigger_name=trigger, actor=actor, data=data,
                    now=NOW, rules=current_rules(application, workflow.default_rules),
                    fields=workflow.fields, audit_data=dict(audit_data))
    with db.session.no_autoflush:
        drafts = drafts_for(firing, objection)
    (draft,) = [d for d in drafts if d.kind == kind]

    text = letter_text(draft.context)
    _who, organisation = APPLICANT[scheme]
    assert_complete(text, scheme=scheme, organisation=organisation, signer=decider,
                    objectable=kind not in NOT_OBJECTABLE, appeal=kind in APPEALED,
                    due="5 januari 2015" if kind in APPEALED else "2 januari 2015")
    assert draft.context["reference"] in text
    assert "20 november 2014" in text  # the date of the decision
