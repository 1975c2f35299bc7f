"""The way of dividing is fixed beforehand (Awb 4:26), and nobody steps around it.

Each test states one rule of shared/domain.md §1–§3 with amounts and dates computed by hand.
Every sector plan of the world asks € 500.000,00 + € 166,66 = € 500.166,66.
"""

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AllocationRun
from grants.services.schemes import amend_ceiling
from tests.allocation.test_runs import AFTER_T2, assessed_plans, line, mbo
from tests.decisions.conftest import decisions_of, pdf_text
from tests.workflows.test_lifecycles import ok

PLAN = 500_166_66


def test_a_later_complete_plan_takes_no_room_an_earlier_undecided_one_needs(world, clock):
    # Complete on 3, 4 and 5 April 2014; the ceiling holds two plans and € 166,68:
    # € 1.000.500,00 − 2 × € 500.166,66 = € 166,68.
    first, second, third = assessed_plans(world, clock, [3, 4, 5])
    amend_ceiling(line("T2"), 1_000_500_00, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()

    jumped = world.approver.fire(third, "approve")
    assert jumped.status_code == 409
    message = jumped.get_json()["error"]["message"].replace("\xa0", " ")
    assert "Eerdere aanvragen gaan voor (Awb 4:26): 2 aanvragen" in message
    assert "samen € 1.000.333,32 nodig" in message and "€ 166,68 over" in message
    assert world.applicant.get(third).get_json()["state"] == "assessed"
    assert line("T2").committed_cents == 0  # nothing changed

    ok(world.approver.fire(first, "approve"))
    ok(world.approver.fire(second, "approve"))
    # Now nobody waits ahead of the third: the ceiling itself refuses it.
    refused = world.approver.fire(third, "approve")
    assert refused.status_code == 422
    assert "Subsidieplafond bereikt" in refused.get_json()["error"]["message"]
    assert line("T2").committed_cents == 2 * PLAN


def test_a_later_plan_may_be_granted_first_when_the_earlier_ones_still_fit(world, clock):
    # Ceiling € 1.500.499,98 = 3 × € 500.166,66: every waiting plan fits, so order is kept.
    first, second, third = assessed_plans(world, clock, [3, 4, 5])
    amend_ceiling(line("T2"), 3 * PLAN, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()
    ok(world.approver.fire(third, "approve"))
    ok(world.approver.fire(first, "approve"))
    ok(world.approver.fire(second, "approve"))
    assert line("T2").remaining_cents == 0


def test_plans_complete_on_the_same_day_are_the_runs_lottery_not_the_approvers(world, clock):
    # Both complete on 3 April; room for one: whichever the approver picks first would take
    # the other's room, so neither is granted by hand: the run's lottery orders them.
    first, second = assessed_plans(world, clock, [3, 3])
    amend_ceiling(line("T2"), PLAN, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()
    assert world.approver.fire(second, "approve").status_code == 409
    assert world.approver.fire(first, "approve").status_code == 409
    clock.moment = AFTER_T2
    run = world.allocate("sectorplan", "T2", seed="s")
    assert sorted(r["outcome"] for r in run["results"]) == ["approved", "rejected"]
    assert sorted(r["lottery_position"] for r in run["results"]) == [1, 2]


def test_the_approver_sees_the_queue_position_and_the_room_left(world, clock, login_as):
    first, second, third = assessed_plans(world, clock, [3, 4, 5])
    amend_ceiling(line("T2"), 1_000_500_00, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()
    page = login_as(world.approver.user).get(f"/beoordelen/besluiten/{third}")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
    text = text.replace("\xa0", " ").replace("&nbsp;", " ")
    assert "Volgorde van volledigheid (Awb 4:26)" in text
    assert "is nummer 3 van de aanvragen die op een besluit wachten" in text
    assert "2 aanvragen die op dezelfde dag of eerder volledig werden" in text
    assert "samen € 1.000.333,32 nodig" in text
    assert "Ruimte onder het plafond: € 1.000.500,00; voor deze aanvraag ten hoogste € 166,68" \
        in text


def test_rif_is_granted_from_the_ranking_run_only(world, clock, login_as):
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)  # the 2014 window is open
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    for member in (world.committee, world.committee2):
        ok(member.fire(number, "record_assessment", {"scores": dict.fromkeys(
            ("fit", "coordination", "durability", "innovation"), 7)}))
    refused = world.approver.fire(number, "approve")
    assert refused.status_code == 422
    assert "rangschikking" in refused.get_json()["error"]["fields"]["allocation"][0]
    page = login_as(world.approver.user).get(f"/beoordelen/besluiten/{number}")
    assert "verleent alleen uit de rangschikking" in page.get_data(as_text=True)
    assert world.rif_applicant.get(number).get_json()["state"] == "assessed"
    # The run during the open window is refused too; after 7 June 2014 it grants.
    still_open = world.finance.call("POST", "/allocations", {
        "scheme": "rif", "window": "2014", "dry_run": False})
    assert still_open.status_code == 422
    clock.moment = datetime(2014, 6, 10, 9, tzinfo=UTC)
    world.allocate("rif", "2014")
    assert world.rif_applicant.get(number).get_json()["state"] == "approved"
    again = world.finance.call("POST", "/allocations", {
        "scheme": "rif", "window": "2014", "dry_run": False})
    assert again.status_code == 409
    assert "al verdeeld" in again.get_json()["error"]["message"]


def placements(world, clock, bodies: list[list[dict]]) -> list[int]:
    clock.moment = datetime(2014, 9, 1, 10, tzinfo=UTC)
    numbers = []
    for places in bodies:
        body = world.praktijkleren(places=places)
        numbers.append(ok(world.employer_applicant.create(body), 201)["id"])
        ok(world.employer_applicant.fire(numbers[-1], "submit"))
        ok(world.assessor.fire(numbers[-1], "start_assessment"))
    return numbers


def test_praktijkleren_run_waits_until_every_application_is_decided(world, clock):
    validated, open_one = placements(world, clock, [[mbo("Anna", 40)], [mbo("Bram", 40)]])
    ok(world.assessor.fire(validated, "record_assessment"))
    clock.moment = datetime(2014, 9, 16, 9, tzinfo=UTC)  # after 15 September 17:00
    refused = world.finance.call("POST", "/allocations", {
        "scheme": "praktijkleren", "window": "2013-2014", "dry_run": False})
    assert refused.status_code == 422
    message = refused.get_json()["error"]["fields"]["window"][0]
    reference = world.employer_applicant.get(open_one).get_json()["reference"]
    assert f"Nog open (1): {reference}." in message
    assert db.session.scalar(sa.select(sa.func.count(AllocationRun.id))) == 0
    # The preview may be made meanwhile; it changes nothing.
    ok(world.finance.call("POST", "/allocations", {
        "scheme": "praktijkleren", "window": "2013-2014"}))
    ok(world.employer_applicant.fire(open_one, "withdraw"))
    world.allocate("praktijkleren", "2013-2014")


def test_praktijkleren_is_settled_by_one_final_run_whose_rate_the_letter_prints(world, clock):
    # mbo ceiling € 6.024,09 over 2,5 places (1 + ½ + 1): rate = 602.409 ÷ 2,5 = 240.963,6
    # cents, shown € 2.409,63. Amounts: 1 place → ⌊240.963,6⌋ = € 2.409,63; ½ place →
    # ⌊120.481,8⌋ = € 1.204,81. The letter of the half place prints the run's rate € 2.409,63
    # (not 1.204,81 ÷ ½ = € 2.409,62).
    anna, bram, cor = placements(world, clock, [[mbo("Anna", 40)], [mbo("Bram", 20)],
                                                [mbo("Cor", 40)]])
    for number in (anna, bram, cor):
        ok(world.assessor.fire(number, "record_assessment"))
    amend_ceiling(line("2013-2014-mbo"), 602_409, reason="Testplafond",
                  effective_on=date(2014, 6, 1), now=clock(), user=None)
    db.session.commit()
    clock.moment = datetime(2014, 9, 16, 9, tzinfo=UTC)
    run = world.allocate("praktijkleren", "2013-2014")
    assert next(r for r in run["rates"] if r["category"] == "mbo")["rate"] == "2409.63"
    assert {r["application"]: r["amount"] for r in run["results"]} == {
        anna: "2409.63", bram: "1204.81", cor: "2409.63"}
    assert line("2013-2014-mbo").committed_cents == 2 * 240_963 + 120_481

    (letter,) = decisions_of(bram)
    text = pdf_text(letter.pdf)
    assert "€ 2.409,63" in text and "€ 1.204,81" in text
    assert "€ 2.409,62" not in text
    for internal in ("pro_rata", "loting", "first_come", "ranked"):
        assert internal not in text

    again = world.finance.call("POST", "/allocations", {
        "scheme": "praktijkleren", "window": "2013-2014", "dry_run": False})
    assert again.status_code == 409
    assert "al verdeeld" in again.get_json()["error"]["message"]


def ranked_2015(world, clock) -> list[int]:
    """2015, period 1: € 500.000 (scored 8) and € 400.000 (7) granted, € 300.000 (5, below
    the sufficient 6) refused, by the run of 10 February 2015."""
    numbers = []
    for requested, score in (("500000.00", 8), ("400000.00", 7), ("300000.00", 5)):
        clock.moment = datetime(2015, 1, 12, 10, tzinfo=UTC)
        body = world.rif(window="2015-1", requested_subsidy=requested,
                         starts_on="2015-08-01", ends_on="2017-12-31")
        numbers.append(ok(world.rif_applicant.create(body), 201)["id"])
        ok(world.rif_applicant.fire(numbers[-1], "submit"))
        ok(world.assessor.fire(numbers[-1], "start_assessment"))
        for member in (world.committee, world.committee2):
            ok(member.fire(numbers[-1], "record_assessment", {"scores": dict.fromkeys(
                ("fit", "coordination", "durability", "innovation"), score)}))
    return numbers


def test_rif_roll_over_keeps_room_for_what_an_objection_may_restore(world, clock):
    # Of what is left unused, € 300.000 stays in period 1 while an objection against the
    # refusal may still come; the rest moves to period 2.
    numbers = ranked_2015(world, clock)
    first_ceiling, second_ceiling = line("2015-1").ceiling_cents, line("2015-2").ceiling_cents
    world.rank_rif(clock, "2015-1")  # 10 February 2015

    refused = numbers[2]
    assert world.rif_applicant.get(refused).get_json()["state"] == "rejected"
    assert line("2015-1").ceiling_cents == 900_000_00 + 300_000_00
    assert line("2015-1").remaining_cents == 300_000_00
    moved = first_ceiling - 1_200_000_00
    assert line("2015-2").ceiling_cents == second_ceiling + moved
    assert "€ 300.000,00 blijft staan" in line("2015-2").amendments[-1].reason.replace(
        "\xa0", " ")

    # The objection, within six weeks, is upheld: the grant fits in the room kept for it.
    clock.moment = datetime(2015, 3, 2, 10, tzinfo=UTC)
    ok(world.rif_applicant.fire(refused, "lodge_objection", {
        "reason": "De commissie heeft onze samenwerking met vijf bedrijven niet meegewogen."}))
    clock.moment = datetime(2015, 3, 16, 10, tzinfo=UTC)
    ok(world.assessor.fire(refused, "waive_hearing", {
        "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))
    decided = ok(world.approver2.fire(refused, "decide_objection", {
        "outcome": "upheld", "reason": "De samenwerking maakt het plan voldoende."}))
    assert decided["state"] == "approved" and decided["granted_amount"] == "300000.00"
    assert line("2015-1").remaining_cents == 0


def test_what_no_objection_can_restore_moves_on_after_the_objection_term(world, clock, app):
    ranked_2015(world, clock)
    world.rank_rif(clock, "2015-1")  # decided 10 February 2015: objections until 24 March
    second_ceiling = line("2015-2").ceiling_cents
    db.session.commit()

    def roll_over():
        return app.test_cli_runner().invoke(args=[
            "grants", "allocation", "roll-over", "rif", "2015-1",
            "--as", world.finance.user.email])

    clock.moment = datetime(2015, 3, 24, 16, tzinfo=UTC)  # the term's last day
    assert roll_over().output.strip() == "Er valt niets over te hevelen."
    assert line("2015-1").remaining_cents == 300_000_00
    clock.moment = datetime(2015, 3, 25, 9, tzinfo=UTC)
    moved = roll_over()
    assert moved.exit_code == 0 and "€ 300.000,00 overgeheveld." in moved.output.replace(
        "\xa0", " ")
    assert line("2015-1").remaining_cents == 0
    assert line("2015-2").ceiling_cents == second_ceiling + 300_000_00
    refused = app.test_cli_runner().invoke(args=[
        "grants", "allocation", "roll-over", "rif", "2015-1", "--as", world.approver.user.email])
    assert refused.exit_code == 1 and "geen financiële medewerker" in refused.output
