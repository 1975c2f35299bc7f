"""Every kind of decision gives a complete letter, stored once and served byte for byte."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from grants.extensions import db
from grants.jobs.letters import job_progress, run_letters_job
from grants.jobs.queue import queue_for
from grants.models import AuditEvent, Decision, Job, JobStatus
from grants.money import format_eur
from tests.decisions.conftest import decisions_of, ok, pdf_text, plain
from tests.workflows.scenarios import PARTLY

SECTORPLAN_BASIS = "Regeling cofinanciering sectorplannen, Staatscourant 2013, 22962"
PRAKTIJKLEREN_BASIS = "Subsidieregeling praktijkleren, Staatscourant 2013, 31130"
RIF_BASIS = "Regeling regionaal investeringsfonds mbo 2014–2017, Staatscourant 2014, 11234"
OBJECTION = ("Bent u het niet eens met dit besluit? Dan kunt u binnen 6 weken na de dag van "
             "verzending bezwaar maken bij de minister van {minister}.")
APPEAL = ("Dan kunt u binnen 6 weken na de dag van verzending van deze brief beroep instellen "
          "bij de rechtbank.")
SZW = "Sociale Zaken en Werkgelegenheid"
OCW = "Onderwijs, Cultuur en Wetenschap"


def eur(cents: int) -> str:
    return plain(format_eur(cents))


# kind -> (how to get there, which letter of the application, what it must say)
CASES = {
    "grant": (lambda s: s.granted(), 0, {
        "date": "10 april 2014", "addressee": "Metaalwerkgevers", "basis": SECTORPLAN_BASIS,
        "article": "artikel 4:30", "amounts": [eur(450_000_00), eur(360_000_00)],
        "objection": OBJECTION.format(minister=SZW),
        # The plan ends 31 December 2015; the final report 13 weeks later.
        "more": ["Voortgangsverslag", "1 juli 2015", "80%", "31 maart 2016"]}),
    "rejection (ceiling)": (lambda s: s.rejected("Subsidieplafond bereikt", ground="ceiling"), 0, {
        "date": "1 april 2014", "addressee": "Metaalwerkgevers", "basis": SECTORPLAN_BASIS,
        # T2's ceiling on 1 April 2014: € 200 mln (€ 205 mln only from 14 January 2015).
        "article": "artikel 4:25", "amounts": [eur(500_166_66), eur(200_000_000_00)],
        "objection": OBJECTION.format(minister=SZW), "more": ["subsidieplafond"]}),
    "rejection (criteria)": (lambda s: s.rejected("Het plan noemt maar één thema."), 0, {
        "date": "1 april 2014", "addressee": "Metaalwerkgevers", "basis": SECTORPLAN_BASIS,
        # A failed condition rests on the regulation's article, not on Awb 4:35.
        "article": "artikel 1.3 van de Regeling", "amounts": [eur(500_166_66)],
        "objection": OBJECTION.format(minister=SZW), "more": ["Het plan noemt maar één thema."]}),
    "not processed": (lambda s: s.not_processed(), 0, {
        "date": "16 april 2014", "addressee": "Metaalwerkgevers", "basis": SECTORPLAN_BASIS,
        "article": "artikel 4:5", "amounts": [eur(500_166_66)],
        "objection": OBJECTION.format(minister=SZW), "more": ["15 april 2014"]}),
    "direct settlement": (lambda s: s.praktijkleren_settled(), 0, {
        "date": "20 november 2014", "addressee": "Installatiebedrijf Noord",
        "basis": PRAKTIJKLEREN_BASIS, "article": "artikel 4:46",
        "amounts": [eur(4_050_00), eur(2_700_00), eur(1_350_00)],
        "objection": OBJECTION.format(minister=OCW),
        "more": ["mbo (bbl)", "1,0000", "0,5000", "NL91 ABNA 0417 1643 00"]}),
    "settlement": (lambda s: s.settled("360000.00", "300000.00"), 1, {
        "date": "10 mei 2014", "addressee": "Metaalwerkgevers", "basis": SECTORPLAN_BASIS,
        "article": "artikel 4:46",
        "amounts": [eur(300_000_00), eur(450_000_00), eur(360_000_00), eur(60_000_00)],
        "objection": OBJECTION.format(minister=SZW), "more": ["U moet terugbetalen"]}),
    "recovery": (lambda s: s.settled("360000.00", "300000.00"), 2, {
        "date": "10 mei 2014", "addressee": "Metaalwerkgevers", "basis": SECTORPLAN_BASIS,
        "article": "artikel 4:57", "amounts": [eur(60_000_00)],
        "objection": OBJECTION.format(minister=SZW), "more": ["21 juni 2014"]}),
    "objection": (lambda s: s.objection_decided("rejected"), 1, {
        "date": "10 mei 2014", "addressee": "Metaalwerkgevers", "basis": SECTORPLAN_BASIS,
        "article": "artikel 7:11", "amounts": [eur(450_000_00)], "objection": APPEAL,
        "more": ["ongegrond", "20 april 2014", "De korting volgt uit de kosten"]}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_letter_is_complete(world, steps, case):
    walk, index, expected = CASES[case]
    number = walk(steps)

    listing = ok(world.applicant.call("GET", f"/applications/{number}/decisions")
                 if case != "direct settlement" else
                 world.employer_applicant.call("GET", f"/applications/{number}/decisions"))
    item = listing["items"][index]
    decision = db.session.get(Decision, item["id"])
    assert item["sha256"] and item["pdf_url"] == f"/api/v1/decisions/{item['id']}.pdf"
    assert item["date"] == decision.decided_on.isoformat()

    api = world.employer_applicant if case == "direct settlement" else world.applicant
    first = api.call("GET", f"/decisions/{item['id']}.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    second = api.call("GET", f"/decisions/{item['id']}.pdf")
    assert first.data == second.data  # byte-identical, every time
    assert first.data.startswith(b"%PDF-")

    text = pdf_text(first.data)
    for fact in (decision.reference, expected["date"], expected["addressee"],
                 "t.a.v. de directie", "8011 AB ZWOLLE", expected["basis"],
                 expected["article"], expected["objection"], *expected["amounts"],
                 *expected["more"]):
        assert fact in text, f"{fact!r} missing from the {case} letter:\n{text}"


def test_the_letters_of_one_application_are_numbered_and_linked(world, steps):
    number = steps.settled("360000.00", "300000.00")
    items = ok(world.applicant.call("GET", f"/applications/{number}/decisions"))
    assert [(i["kind"], i["amount"]) for i in items["items"]] == [
        ("grant", "450000.00"), ("settlement", "300000.00"), ("recovery", "60000.00")]
    assert items["total"] == 3
    letters = decisions_of(number)
    reference = letters[0].application.reference
    assert [d.reference for d in letters] == [f"{reference}/{n}" for n in (1, 2, 3)]
    assert [d.audit_event.trigger for d in letters] == ["approve", "settle", "settle"]
    assert len({d.sha256 for d in letters}) == 3
    # The settlement names the recovery letter, and the recovery letter the settlement.
    assert letters[2].reference in pdf_text(letters[1].pdf)
    assert letters[1].reference in pdf_text(letters[2].pdf)
    # Kept as made: template version and the plain values it was rendered from.
    assert letters[0].template_version == "1"
    assert letters[0].context["amount"] == format_eur(450_000_00)


def test_a_rif_grant_comes_from_ocw_with_yearly_reports(world, clock):
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    for member in (world.committee, world.committee2):
        ok(member.fire(number, "record_assessment", {
            "scores": {"fit": 8, "coordination": 7, "durability": 6, "innovation": 9}}))
    world.rank_rif(clock)
    (letter,) = decisions_of(number)
    text = pdf_text(letter.pdf)
    for fact in ("Ministerie van Onderwijs, Cultuur en Wetenschap", "ROC Noord", RIF_BASIS,
                 eur(500_000_00), "Voortgangsverslag over projectjaar 3", "jaarlijkse termijnen",
                 OBJECTION.format(minister=OCW), "twee keer het bedrag"):
        assert fact in text, fact


def test_another_organisations_letters_answer_404(world, steps, login_as):
    number = steps.granted()
    decision = decisions_of(number)[0]
    for stranger in (world.outsider, world.rif_applicant):
        assert stranger.call("GET", f"/applications/{number}/decisions").status_code == 404
        response = stranger.call("GET", f"/decisions/{decision.id}.pdf")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert world.outsider.call("GET", "/decisions/999999.pdf").status_code == 404
    # Staff see every letter.
    assert world.finance.call("GET", f"/decisions/{decision.id}.pdf").status_code == 200

    # The application page's download: the same scoping for a signed-in applicant.
    client = login_as(world.outsider.user)
    page_url = f"/aanvragen/{number}/besluiten/{decision.id}.pdf"
    assert client.get(page_url).status_code == 404


def test_the_application_page_lists_and_serves_its_letters(world, steps, login_as, app):
    number = steps.granted()
    decision = decisions_of(number)[0]
    client = login_as(world.applicant.user)
    response = client.get(f"/aanvragen/{number}/besluiten/{decision.id}.pdf")
    assert response.status_code == 200 and response.data == decision.pdf
    assert response.headers["ETag"] == f'"{decision.sha256}"'
    from grants.models import Application
    from grants.views.decisions import decision_letters

    with app.test_request_context():
        letters = decision_letters(db.session.get(Application, number))
    assert letters == [{"title": "Verlening, 10 april 2014", "reference": decision.reference,
                        "amount": format_eur(450_000_00),
                        "url": f"/aanvragen/{number}/besluiten/{decision.id}.pdf"}]


@pytest.fixture
def queued(app):
    """Jobs go on the (SQLite) queue instead of running at once, as in production."""
    huey = queue_for(app).huey
    huey.immediate = False
    try:
        yield huey
    finally:
        huey.immediate = True


def test_a_letter_not_rendered_yet_answers_409_then_arrives(world, steps, queued):
    number = steps.granted()
    (decision,) = decisions_of(number)
    assert decision.rendered_at is None and decision.sha256 is None
    listing = ok(world.applicant.call("GET", f"/applications/{number}/decisions"))
    assert listing["items"][0]["pdf_url"] is None and listing["items"][0]["sha256"] is None
    response = world.applicant.call("GET", f"/decisions/{decision.id}.pdf")
    assert response.status_code == 409
    assert "wordt nog gemaakt" in response.get_json()["error"]["message"]
    assert queued.pending_count() >= 1  # the job is on the queue, after the commit

    job_id, decision_id = decision.job_id, decision.id
    outcome = run_letters_job(job_id)  # as a worker would (it ends its session)
    assert outcome.stored == 1 and not outcome.failed
    assert run_letters_job(job_id).stored == 0  # finished: nothing twice
    response = world.applicant.call("GET", f"/decisions/{decision_id}.pdf")
    assert response.status_code == 200
    (progress,) = job_progress(job_id=job_id)
    assert (progress.job.status, progress.done, progress.total) == (JobStatus.DONE, 1, 1)


def test_a_failed_firing_leaves_no_decision_and_no_job(world, steps):
    number = steps.assessed_sector_plan()
    jobs_before = db.session.scalar(sa.select(sa.func.count(Job.id)))
    refused = world.approver.fire(number, "approve", {"amount": "999999999.00", **PARTLY})
    assert refused.status_code == 422
    assert decisions_of(number) == []
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == jobs_before


def test_the_database_refuses_to_change_or_delete_a_decision(world, steps):
    number = steps.granted()
    (decision,) = decisions_of(number)
    for statement in (
        sa.update(Decision).where(Decision.id == decision.id).values(pdf=b"%PDF-forged"),
        sa.update(Decision).where(Decision.id == decision.id).values(sha256="0" * 64),
        sa.update(Decision).where(Decision.id == decision.id).values(attempts=5),
        sa.delete(Decision).where(Decision.id == decision.id),
    ):
        with pytest.raises(DatabaseError, match="decisions are"), db.session.begin_nested():
            db.session.execute(statement)
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).pdf == decision.pdf


def test_what_a_waiting_decision_was_made_from_is_fixed(world, steps, queued):
    number = steps.granted()
    (decision,) = decisions_of(number)
    assert decision.pdf is None
    with pytest.raises(DatabaseError, match="decisions are fixed"), db.session.begin_nested():
        db.session.execute(sa.update(Decision).where(Decision.id == decision.id)
                           .values(amount_cents=1))
    with pytest.raises(DatabaseError, match="decisions are fixed"), db.session.begin_nested():
        db.session.execute(sa.update(Decision).where(Decision.id == decision.id)
                           .values(context={"forged": True}))
    # Its bookkeeping may change until the letter is there.
    with db.session.begin_nested():
        db.session.execute(sa.update(Decision).where(Decision.id == decision.id)
                           .values(last_error="Test", attempts=1))


def test_every_decision_trigger_writes_its_letter_row(world, steps):
    steps.granted()
    decision_events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.trigger.in_(["approve", "reject", "close_unprocessed", "settle",
                                "decide_objection"])))
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == decision_events == 1
