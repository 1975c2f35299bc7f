"""Objections: late ones declared inadmissible (Awb 6:7, 6:11), the decision term extended once
(7:10), and an upheld objection replacing the decision objected to (7:11) with its money."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, AuditEvent, BudgetLine, LedgerEntry, Objection
from grants.money import format_eur
from grants.services.schemes import amend_ceiling
from tests.decisions.conftest import decisions_of, ok, pdf_text, plain
from tests.objections.conftest import waive_hearing

LOW_SCORES = {"fit": 4, "coordination": 5, "durability": 4, "innovation": 5}


def eur(cents: int) -> str:
    return plain(format_eur(cents))


def fresh(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


def entries(number: int) -> list[tuple[str, int, str]]:
    return [(e.kind.value, e.amount_cents, e.cause) for e in db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == number)
        .order_by(LedgerEntry.id))]


def trail(world, number: int) -> list[tuple[str, str, str]]:
    return [(e["trigger"], e["from_state"], e["to_state"]) for e in world.applicant.history(number)]


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def rejected_sector_plan(world, clock) -> int:
    """Submitted 1 April 2014, rejected 1 April: objections until 13 May."""
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": "negative", "reasoning": "Te weinig draagvlak."}))
    ok(world.approver.fire(number, "reject", {"reason": "Het draagvlak is niet aangetoond."}))
    return number


def rejected_rif(world, clock) -> int:
    """A RIF application the committee scored too low, rejected on 20 May 2014."""
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    for member in (world.committee, world.committee2):
        ok(member.fire(number, "record_assessment", {"scores": LOW_SCORES}))
    ok(world.approver.fire(number, "reject", {
        "reason": "De commissie vindt de aansluiting op de arbeidsmarkt onvoldoende."}))
    assert fresh(number).state.value == "rejected"
    return number


def rif_line(number: int) -> BudgetLine:
    return fresh(number).window.line_for(None)


def test_a_late_objection_is_recorded_and_declared_inadmissible(world, clock):
    number = rejected_sector_plan(world, clock)
    clock.advance(weeks=6, days=2)  # 15 May; the term ended on 13 May
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Ik was met vakantie."}))

    objection = db.session.scalars(sa.select(Objection)).one()
    assert objection.late and objection.lodged_at == clock()
    # Its six weeks run from its receipt, the objection term having ended before it.
    assert objection.decision_due_on == date(2014, 6, 26)
    lodged = world.applicant.history(number)[-1]
    assert lodged["data"]["late"] is True
    assert lodged["data"]["objection_term_ended_on"] == "2014-05-13"

    for outcome in ("upheld", "rejected"):
        error = refused(world.approver2.fire(number, "decide_objection", {
            "outcome": outcome, "reason": "Inhoudelijk bekeken."}))
        assert "Verklaar het niet-ontvankelijk" in error["fields"]["outcome"][0]
    waive_hearing(world, number, "manifestly_inadmissible")
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "inadmissible", "reason": "Vakantie is geen reden om te laat te zijn."}))

    application = fresh(number)
    assert application.state.value == "rejected" and application.granted_cents is None
    assert entries(number) == [] and fresh_objection(objection.id).outcome.value == "inadmissible"
    assert trail(world, number)[-3:] == [("lodge_objection", "rejected", "rejected"),
                                         ("waive_hearing", "rejected", "rejected"),
                                         ("decide_objection", "rejected", "rejected")]

    rejection, letter = decisions_of(number)
    assert letter.kind.value == "objection"
    text = pdf_text(letter.pdf)
    for fact in (letter.reference, "niet-ontvankelijk", "Uw bezwaar kwam te laat",
                 "U kon tot en met 13 mei 2014 bezwaar maken", "15 mei 2014",
                 rejection.reference, "Vakantie is geen reden om te laat te zijn.",
                 "beroep instellen bij de rechtbank"):
        assert fact in text, f"{fact!r} missing:\n{text}"
    assert "gegrond" not in text.replace("ongegrond", "")

    # Decided once: against the same decision only an appeal to the court remains.
    again = refused(world.applicant.fire(number, "lodge_objection", {"reason": "Nog eens."}))
    assert "beroep" in again["fields"]["objection"][0]


def fresh_objection(objection_id: int) -> Objection:
    db.session.expire_all()
    return db.session.get(Objection, objection_id)


def test_excusable_lateness_lets_the_objection_be_decided(world, clock):
    number = rejected_sector_plan(world, clock)
    clock.advance(weeks=7)
    ok(world.applicant.fire(number, "lodge_objection", {
        "reason": "Het besluit is naar een oud adres gestuurd; wij kregen het pas op 19 mei."}))
    excuse = "Het besluit is aantoonbaar naar een verkeerd adres verzonden."
    waive_hearing(world, number)
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende aangetoond.",
        "lateness_excused": excuse}))

    objection = db.session.scalars(sa.select(Objection)).one()
    assert objection.outcome.value == "rejected" and objection.lateness_excused == excuse
    assert world.applicant.history(number)[-1]["data"]["lateness_excused"] == excuse
    letter = decisions_of(number)[-1]
    text = pdf_text(letter.pdf)
    for fact in ("ongegrond", "Uw bezwaar kwam te laat", "Toch behandelen wij uw bezwaar",
                 excuse, "artikel 6:11"):
        assert fact in text, f"{fact!r} missing:\n{text}"


def test_an_objection_in_time_has_no_lateness_to_excuse(world, clock):
    number = rejected_sector_plan(world, clock)
    clock.advance(weeks=2)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Draagvlak is aangetoond."}))
    assert not db.session.scalars(sa.select(Objection)).one().late
    error = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "x", "lateness_excused": "Vakantie"}))
    assert "lateness_excused" in error["fields"]
    assert db.session.scalars(sa.select(Objection)).one().outcome is None


def test_the_decision_term_is_extended_once_and_shows_on_the_deadlines_page(
        world, clock, login_as):
    number = rejected_sector_plan(world, clock)
    clock.advance(weeks=1)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Draagvlak is aangetoond."}))
    objection = db.session.scalars(sa.select(Objection)).one()
    # Six weeks after the objection term ended (13 May): 24 June.
    assert objection.decision_due_on == date(2014, 6, 24)

    assert refused(world.applicant.fire(number, "extend_objection_term",
                                        {"reason": "Drukte"}), 403)
    error = refused(world.approver.fire(number, "extend_objection_term"))
    assert "reason" in error["fields"]
    ok(world.approver.fire(number, "extend_objection_term", {
        "reason": "Wij vragen advies aan de sociale partners."}))
    objection = fresh_objection(objection.id)
    assert objection.decision_due_on == date(2014, 8, 5)
    assert objection.extension_reason == "Wij vragen advies aan de sociale partners."
    event = world.applicant.history(number)[-1]
    assert (event["trigger"], event["reason"]) == (
        "extend_objection_term", "Wij vragen advies aan de sociale partners.")
    assert event["data"] == {"previous_due_on": "2014-06-24", "decision_due_on": "2014-08-05"}

    error = refused(world.approver.fire(number, "extend_objection_term", {"reason": "Nog eens"}))
    assert "maar één keer" in error["fields"]["objection"][0]
    assert fresh_objection(objection.id).decision_due_on == date(2014, 8, 5)
    assert "extend_objection_term" not in world.approver.get(number).get_json()[
        "allowed_triggers"]

    clock.moment = datetime(2014, 8, 1, 9, tzinfo=UTC)
    page = plain(login_as(world.approver.user).get("/aanvragen/termijnen").get_data(as_text=True))
    assert "Beslissing op bezwaar (verlengd)" in page
    assert "5 augustus 2014" in page and "nog 4 dagen" in page


def test_an_upheld_objection_turns_a_rejected_rif_application_into_a_grant(world, clock):
    number = rejected_rif(world, clock)
    line = rif_line(number)
    committed_before = line.committed_cents
    clock.advance(days=10)
    ok(world.rif_applicant.fire(number, "lodge_objection", {
        "reason": "De commissie heeft ons actieplan over de arbeidsmarkt niet gelezen."}))
    clock.advance(days=20)  # 19 June 2014
    waive_hearing(world, number)

    decided = ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "Het actieplan toont de aansluiting wel aan."}))
    assert decided["state"] == "approved" and decided["granted_amount"] == "500000.00"

    application = fresh(number)
    assert application.granted_cents == 500_000_00
    assert entries(number) == [("commit", 500_000_00, "decide_objection")]
    commit = db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.application_id == number)).one()
    assert commit.line_id == line.id
    assert rif_line(number).committed_cents == committed_before + 500_000_00

    history = world.rif_applicant.history(number)
    assert [(e["trigger"], e["from_state"], e["to_state"]) for e in history][-3:] == [
        ("lodge_objection", "rejected", "rejected"), ("waive_hearing", "rejected", "rejected"),
        ("decide_objection", "rejected", "approved")]
    reject_event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger == "reject")).one()
    assert history[-1]["data"]["outcome"] == "upheld"
    assert history[-1]["data"]["revoked_event"] == reject_event.id
    assert history[-1]["data"]["amount"] == "500000.00"
    assert history[-1]["data"]["new_decision"] == "grant"

    rejection, on_objection, grant = decisions_of(number)
    assert [d.kind.value for d in (rejection, on_objection, grant)] == [
        "rejection", "objection", "grant"]
    assert on_objection.audit_event_id == grant.audit_event_id != rejection.audit_event_id
    assert grant.amount_cents == 500_000_00
    objection_text = pdf_text(on_objection.pdf)
    for fact in (on_objection.reference, "gegrond", "Wij herroepen het besluit van 20 mei 2014",
                 rejection.reference, eur(500_000_00), grant.reference,
                 "Het actieplan toont de aansluiting wel aan."):
        assert fact in objection_text, f"{fact!r} missing:\n{objection_text}"
    assert "ongegrond" not in objection_text
    grant_text = pdf_text(grant.pdf)
    for fact in (grant.reference, "Wij geven u subsidie", eur(500_000_00),
                 on_objection.reference, "beroep instellen bij de rechtbank",
                 "Voortgangsverslag over projectjaar 1"):
        assert fact in grant_text, f"{fact!r} missing:\n{grant_text}"


def test_an_upheld_objection_over_the_ceiling_is_refused_with_nothing_changed(
        world, clock):
    number = rejected_rif(world, clock)
    line = rif_line(number)
    amend_ceiling(line, line.reserved_cents + line.committed_cents + 100_000_00,
                  reason="Bezuiniging", effective_on=date(2014, 5, 20), now=clock(),
                  user=world.admin.user)
    ok(world.rif_applicant.fire(number, "lodge_objection", {"reason": "Wel voldoende."}))
    waive_hearing(world, number)
    before = fresh(number)
    version, events = before.version, len(world.rif_applicant.history(number))
    committed = rif_line(number).committed_cents

    error = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "Het actieplan toont de aansluiting wel aan."}))
    assert "Subsidieplafond bereikt" in error["message"]
    assert "amount" in error["fields"]

    after = fresh(number)
    assert (after.state.value, after.granted_cents, after.version) == (
        "rejected", None, version)
    assert entries(number) == [] and rif_line(number).committed_cents == committed
    assert len(world.rif_applicant.history(number)) == events
    assert db.session.scalars(sa.select(Objection)).one().outcome is None
    assert [d.kind.value for d in decisions_of(number)] == ["rejection"]


def test_an_unfounded_objection_keeps_everything(world, steps):
    number = steps.granted()  # 450.000,00 of 500.166,66 requested
    before = (fresh(number).state, fresh(number).granted_cents, entries(number))
    steps.clock.advance(days=10)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Wij willen alles."}))
    waive_hearing(world, number)
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "De korting volgt uit de niet-subsidiabele kosten."}))

    application = fresh(number)
    assert (application.state, application.granted_cents, entries(number)) == before
    grant, letter = decisions_of(number)
    text = pdf_text(letter.pdf)
    assert "ongegrond" in text and "blijft zoals het is" in text
    assert "herroepen" not in text


def test_an_upheld_objection_about_the_amount_commits_the_difference(world, steps):
    number = steps.granted()  # 450.000,00 committed
    steps.clock.advance(days=10)
    ok(world.applicant.fire(number, "lodge_objection", {
        "reason": "Alle kosten van de maatregel komen in aanmerking."}))
    waive_hearing(world, number)
    too_low = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "x", "amount": "400000.00"}))
    assert "amount" in too_low["fields"]
    too_high = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "x", "amount": "600000.00"}))
    assert "aangevraagd" in too_high["fields"]["amount"][0]

    decided = ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "De kosten zijn alsnog onderbouwd.",
        "amount": "500000.00"}))
    assert decided["state"] == "approved" and decided["granted_amount"] == "500000.00"
    assert entries(number) == [("commit", 450_000_00, "approve"),
                               ("commit", 50_000_00, "decide_objection")]
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number).order_by(AuditEvent.id.desc())).first()
    assert event.data["previous_cents"] == 450_000_00 and event.data["amount_cents"] == 500_000_00

    grant, on_objection, new_grant = decisions_of(number)
    assert new_grant.kind.value == "grant" and new_grant.amount_cents == 500_000_00
    text = pdf_text(on_objection.pdf)
    for fact in ("gegrond", eur(450_000_00), eur(500_000_00), new_grant.reference):
        assert fact in text, f"{fact!r} missing:\n{text}"
