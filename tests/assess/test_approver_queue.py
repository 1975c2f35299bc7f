"""The approvers' queue for a first-come-first-served window: in the order the applications
became complete (the order the allocation run funds in), with the room left under the ceiling
beside each, and a draft of the letter before signing that stores and books nothing."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent, Decision, Job, LedgerEntry
from tests.assess.conftest import application, ok, text
from tests.decisions.letter_checks import pdf_text

ASSESSMENT = {"recommendation": "positive", "reasoning": "Past bij de regeling.",
              "scores": {"analysis": 8, "measures": 7, "partnership": 8, "budget": 6}}


def measure(requested: str, eligible: str) -> list[dict]:
    """Two measures asking ``requested`` together: € 1.000,00 of it for the second."""
    return [{"title": "Leerwerkplekken voor jongeren", "theme": "youth",
             "eligible_cost": eligible, "requested_subsidy": requested},
            {"title": "Van werk naar werk", "theme": "work_to_work",
             "eligible_cost": "2000.00", "requested_subsidy": "1000.00"}]


def three_in_a_window(world, clock) -> dict[str, int]:
    """Three sector plans of T2 (ceiling € 200.000.000,00), made in the order A, B, C but
    complete in the order C, A, B, a day apart; all three assessed."""
    made = {}
    for name, requested, eligible in (("A", "499166.66", "998333.32"),
                                      ("B", "249000.00", "498000.00"),
                                      ("C", "999000.00", "1998000.00")):
        made[name] = ok(world.applicant.create(world.sectorplan(
            title=f"Sectorplan {name}", measures=measure(requested, eligible))), 201)["id"]
    for name in ("C", "A", "B"):
        ok(world.applicant.fire(made[name], "submit"))
        clock.advance(days=1)
    for name in ("A", "B", "C"):
        ok(world.assessor.fire(made[name], "start_assessment"))
        ok(world.assessor.fire(made[name], "record_assessment", ASSESSMENT))
    return made


def test_the_queue_is_in_order_of_completeness_with_the_room_left(world, clock, login_as):
    made = three_in_a_window(world, clock)
    client = login_as(world.approver.user)
    page = text(client.get("/beoordelen/besluiten"))
    references = {name: application(number).reference for name, number in made.items()}
    assert references == {"A": "SP-T2-00001", "B": "SP-T2-00002", "C": "SP-T2-00003"}

    assert "3 aanvragen wachten op een besluit." in page
    assert ": op volgorde van volledigheid" in page
    order = [page.index(references[name]) for name in ("C", "A", "B")]
    assert order == sorted(order), page
    # Room before each: € 200.000.000,00 remaining; minus C's € 1.000.000,00 before A; minus
    # A's € 500.166,66 too before B.
    rows = page[page.index("Ruimte onder het plafond Besluit"):]
    c_row = rows[rows.index(references["C"]):rows.index(references["A"])]
    a_row = rows[rows.index(references["A"]):rows.index(references["B"])]
    b_row = rows[rows.index(references["B"]):]
    assert "€ 1.000.000,00 € 200.000.000,00" in c_row
    assert "€ 500.166,66 € 199.000.000,00" in a_row
    assert "€ 250.000,00 € 198.499.833,34" in b_row.split("Andere regelingen")[0]
    assert "Nu over: € 200.000.000,00." in page

    # Granting C (first in the order) moves the room: A now has € 199.000.000,00 left as the
    # first waiting, B € 198.499.833,34 still.
    ok(world.approver.fire(made["C"], "approve", {}))
    page = text(client.get("/beoordelen/besluiten"))
    assert references["C"] not in page.split("Ter goedkeuring voorgelegd")[0]
    assert "Nu over: € 199.000.000,00." in page
    rows = page[page.index("Ruimte onder het plafond Besluit"):]
    assert "€ 500.166,66 € 199.000.000,00" in rows
    assert "€ 250.000,00 € 198.499.833,34" in rows


def test_the_queue_uses_the_allocation_runs_order(world, clock):
    """The same ordering function: the run ranks the window as the queue lists it."""
    from grants.allocation import methods
    from grants.services.work_queue import decision_queue, in_order_of_completeness
    from grants.timefmt import AMSTERDAM

    made = three_in_a_window(world, clock)
    ordered, others = in_order_of_completeness(decision_queue(world.approver.user,
                                                              clock().date()))
    assert others == []
    (window,) = ordered
    listed = [entry.item.application.id for entry in window.decisions]
    assert listed == [made["C"], made["A"], made["B"]]
    candidates = []
    for number in made.values():
        found = application(number)
        candidates.append(methods.Candidate(
            found.id, found.reference, requested=found.requested_cents,
            complete_at=found.complete_at,
            complete_on=found.complete_at.astimezone(AMSTERDAM).date()))
    funded = methods.first_come_first_served(candidates, 10**12, "seed")
    assert [result.application_id for result in funded.results] == listed
    assert [entry.place.room_cents for entry in window.decisions] == [
        20_000_000_000, 19_900_000_000, 19_849_983_334]


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Decision, LedgerEntry, AuditEvent, Job))


def test_the_draft_letter_shows_the_amount_marked_concept_and_stores_nothing(
        world, clock, login_as, client):
    made = three_in_a_window(world, clock)
    number = made["A"]
    before, version = counts(), application(number).version
    client = login_as(world.approver.user)
    page = text(client.get("/beoordelen/besluiten"))
    assert "Concept van de brief bekijken" in page

    response = client.get(f"/beoordelen/besluiten/{number}/concept.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    letter = pdf_text(response.data)
    assert "CONCEPT" in letter
    assert "Besluit: u krijgt subsidie" in letter
    assert "500.166,66" in letter
    assert "SP-T2-00001" in letter
    # A smaller grant, with its reason, as the letter would state it.
    smaller = pdf_text(client.get(
        f"/beoordelen/besluiten/{number}/concept.pdf?amount=400000.00&reason=Minder+kosten"
    ).data)
    assert "400.000,00" in smaller and "Minder kosten" in smaller and "CONCEPT" in smaller
    refusal = pdf_text(client.get(
        f"/beoordelen/besluiten/{number}/concept.pdf?besluit=afwijzen&reason=Past+niet").data)
    assert "CONCEPT" in refusal and "geen subsidie" in refusal

    # Nothing decided, stored, booked or queued; the application is as it was.
    assert counts() == before
    found = application(number)
    assert (found.state.value, found.version, found.granted_cents) == ("assessed", version, None)

    too_much = client.get(f"/beoordelen/besluiten/{number}/concept.pdf?amount=600000.00")
    assert too_much.status_code == 422
    assert counts() == before


def test_only_approvers_see_a_draft_and_only_of_an_undecided_application(world, clock,
                                                                        login_as, app):
    from tests.conftest import login

    made = three_in_a_window(world, clock)
    number = made["A"]
    for who in (world.assessor, world.applicant):
        other = app.test_client()
        login(other, who.user.email)
        assert other.get(f"/beoordelen/besluiten/{number}/concept.pdf").status_code in (403,
                                                                                       404)
    ok(world.approver.fire(number, "approve", {}))
    client = login_as(world.approver2.user)
    assert client.get(f"/beoordelen/besluiten/{number}/concept.pdf").status_code == 409
