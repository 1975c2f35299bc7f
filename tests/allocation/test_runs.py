"""Allocation runs through the API: preview, what-if, commit into states and the ledger."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AllocationRun, BudgetLine, LedgerEntry
from grants.services.schemes import amend_ceiling
from tests.conftest import csrf_token
from tests.workflows.test_lifecycles import ok

AFTER_T2 = datetime(2014, 6, 2, 8, tzinfo=UTC)


def line(code: str) -> BudgetLine:
    return db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == code)).one()


def assessed_plans(world, clock, days: list[int]) -> list[int]:
    numbers = []
    for day in days:
        clock.moment = datetime(2014, 4, day, 9, tzinfo=UTC)
        number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
        ok(world.applicant.fire(number, "submit"))
        numbers.append(number)
    for number in numbers:
        ok(world.assessor.fire(number, "start_assessment"))
        ok(world.assessor.fire(number, "record_assessment",
                               {"recommendation": "positive", "reasoning": "Goed."}))
    return numbers


def snapshot() -> dict:
    """Every row of every table, to prove that a preview writes nothing.

    The API notes when a token was last used; that bookkeeping is the one write any request
    makes, so the token table is left out.
    """
    return {table.name: sorted(map(tuple, db.session.execute(sa.select(table)).all()), key=str)
            for table in db.metadata.sorted_tables if table.name != "api_tokens"}


def test_sector_plan_preview_changes_nothing_and_commit_decides(world, clock):
    first, second, third = assessed_plans(world, clock, [3, 4, 5])
    amend_ceiling(line("T2"), 1_000_500_00, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()
    clock.moment = AFTER_T2
    before = snapshot()

    preview = ok(world.finance.call("POST", "/allocations", {
        "scheme": "sectorplan", "window": "T2", "lottery_seed": "seed-1"}))
    assert preview["id"] is None and preview["dry_run"] is True
    assert preview["available"] == {"T2": "1000500.00"}
    assert [(r["application"], r["outcome"], r["amount"], r["rank"])
            for r in preview["results"]] == [
        (first, "approved", "500166.66", 1), (second, "approved", "500166.66", 2),
        (third, "rejected", "0.00", 3)]
    assert preview["results"][1]["running_total"] == "1000333.32"
    what_if = ok(world.finance.call("POST", "/allocations", {
        "scheme": "sectorplan", "window": "T2", "ceiling": "1500499.98"}))
    assert [r["outcome"] for r in what_if["results"]] == ["approved"] * 3
    assert snapshot() == before

    committed = world.allocate("sectorplan", "T2", seed="seed-1")
    assert committed["id"] is not None and committed["status"] == "committed"
    assert committed["prepared_by"]["name"] == "finance"
    assert committed["approved_by"]["name"] == "approver"
    states = {n: world.applicant.get(n).get_json()["state"] for n in (first, second, third)}
    assert states == {first: "approved", second: "approved", third: "rejected"}
    assert line("T2").committed_cents == 2 * 500_166_66
    kinds = db.session.execute(sa.select(LedgerEntry.application_id, LedgerEntry.kind,
                                         LedgerEntry.cause)).all()
    assert sorted((a, k.value, c) for a, k, c in kinds) == sorted(
        [(first, "commit", "approve"), (second, "commit", "approve")])
    rejection = world.applicant.history(third)[-1]
    assert rejection["trigger"] == "reject" and "Subsidieplafond bereikt" in rejection["reason"]
    assert rejection["data"]["allocation_run"] == committed["id"]
    run = db.session.get(AllocationRun, committed["id"])
    assert run.lottery_seed == "seed-1" and len(run.results) == 3 and len(run.inputs) == 3


def test_finance_runs_allocations_others_do_not(world, clock):
    clock.moment = AFTER_T2
    for api in (world.applicant, world.assessor, world.approver):
        assert api.call("POST", "/allocations", {"scheme": "sectorplan",
                                                  "window": "T2"}).status_code == 403


def test_commit_refuses_a_what_if_ceiling_and_an_open_window(world, clock):
    assessed_plans(world, clock, [3])
    body = {"scheme": "sectorplan", "window": "T2", "dry_run": False}
    clock.moment = AFTER_T2
    refused = world.finance.call("POST", "/allocations", {**body, "ceiling": "1.00"})
    assert refused.status_code == 422 and "dry_run" in refused.get_json()["error"]["fields"]
    clock.moment = datetime(2014, 5, 20, tzinfo=UTC)
    still_open = world.finance.call("POST", "/allocations", body)
    assert still_open.status_code == 422 and "window" in still_open.get_json()["error"]["fields"]
    unknown = world.finance.call("POST", "/allocations", {"scheme": "sectorplan",
                                                         "window": "T9"})
    assert unknown.status_code == 404


def validated_placements(world, clock, bodies: list[dict]) -> list[int]:
    clock.moment = datetime(2014, 9, 1, 10, tzinfo=UTC)
    numbers = []
    for body in bodies:
        number = ok(world.employer_applicant.create(world.praktijkleren(**body)), 201)["id"]
        ok(world.employer_applicant.fire(number, "submit"))
        ok(world.assessor.fire(number, "start_assessment"))
        ok(world.assessor.fire(number, "record_assessment"))
        numbers.append(number)
    return numbers


def mbo(name: str, weeks: int) -> dict:
    return {"student_name": name, "category": "mbo", "programme_code": "25180",
            "school": "ROC", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
            "weeks": weeks}


def test_praktijkleren_pro_rata_commit_settles_directly(world, clock):
    first, second = validated_placements(world, clock, [
        {"places": [mbo("Anna", 40), mbo("Bram", 20)]},  # 1,5 places
        {"places": [mbo("Cor", 40)]},  # 1 place
    ])
    amend_ceiling(line("2013-2014-mbo"), 500_000, reason="Testplafond",
                  effective_on=date(2014, 6, 1), now=clock(), user=None)
    db.session.commit()
    clock.moment = datetime(2014, 9, 16, 9, tzinfo=UTC)

    preview = ok(world.finance.call("POST", "/allocations", {
        "scheme": "praktijkleren", "window": "2013-2014"}))
    mbo_rate = next(r for r in preview["rates"] if r["category"] == "mbo")
    assert mbo_rate == {"category": "mbo", "rate": "2000.00", "exact": "200000/1",
                        "total": "5000.00"}
    run = world.allocate("praktijkleren", "2013-2014")
    assert {r["application"]: (r["outcome"], r["amount"]) for r in run["results"]} == {
        first: ("settled", "3000.00"), second: ("settled", "2000.00")}
    assert world.employer_applicant.get(first).get_json()["state"] == "settled"
    assert line("2013-2014-mbo").committed_cents == 500_000
    assert line("2013-2014-mbo").remaining_cents == 0


def test_rif_ranked_run_and_roll_over_to_period_two(world, clock):
    numbers = []
    for requested, scores in (("500000.00", 8), ("400000.00", 7), ("300000.00", 5)):
        clock.moment = datetime(2015, 1, 12, 10, tzinfo=UTC)  # period 1 of 2015: January
        body = world.rif(window="2015-1", requested_subsidy=requested,
                         starts_on="2015-08-01", ends_on="2017-12-31")
        number = ok(world.rif_applicant.create(body), 201)["id"]
        ok(world.rif_applicant.fire(number, "submit"))
        ok(world.assessor.fire(number, "start_assessment"))
        for member in (world.committee, world.committee2):
            ok(member.fire(number, "record_assessment", {"scores": dict.fromkeys(
                ("fit", "coordination", "durability", "innovation"), scores)}))
        numbers.append(number)
    clock.moment = datetime(2015, 4, 1, 9, tzinfo=UTC)
    run = world.allocate("rif", "2015-1")
    assert [(r["application"], r["outcome"], r["rank"]) for r in run["results"]] == [
        (numbers[0], "approved", 1), (numbers[1], "approved", 2), (numbers[2], "rejected", None)]
    # € 12.000.000 − € 900.000 granted leaves € 11.100.000 unused; € 300.000 of it stays while
    # the refused application may still object (domain.md §3), € 10.800.000 moves to period 2.
    assert line("2015-1").ceiling_cents == 900_000_00 + 300_000_00
    assert line("2015-2").ceiling_cents == 11_650_000_00 + 10_800_000_00
    assert "Overheveling" in line("2015-2").amendments[-1].reason


def test_allocation_pages_preview_download_and_commit(app, client, login_as, world, clock):
    import re

    numbers = assessed_plans(world, clock, [3, 4])
    amend_ceiling(line("T2"), 600_000_00, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()
    clock.moment = AFTER_T2
    login_as(world.finance.user)

    page = client.get("/financien/verdelingen/sectorplan/T2?seed=abc").get_data(as_text=True)
    assert "Proefberekening" in page and "Verleend" in page and "Afgewezen" in page
    assert "abc" in page
    what_if = client.get("/financien/verdelingen/sectorplan/T2?seed=abc&ceiling=1000333,32")
    assert what_if.get_data(as_text=True).count("Verleend") == 2
    assert "Besluiten nemen" not in what_if.get_data(as_text=True)  # no commit on a what-if
    download = client.get("/financien/verdelingen/sectorplan/T2.csv?seed=abc")
    assert download.mimetype == "text/csv"
    lines = download.get_data(as_text=True).splitlines()
    assert lines[0].startswith("rank,reference") and len(lines) == 3
    assert lines[1].split(",")[4:6] == ["approved", "500166.66"]

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    unconfirmed = client.post("/financien/verdelingen/sectorplan/T2",
                              data={"csrf_token": token, "seed": "abc"})
    assert unconfirmed.status_code == 302
    assert world.applicant.get(numbers[0]).get_json()["state"] == "assessed"
    done = client.post("/financien/verdelingen/sectorplan/T2",
                       data={"csrf_token": token, "seed": "abc", "confirm": "y"})
    assert done.status_code == 302
    run_url = done.headers["Location"]
    run_page = client.get(run_url).get_data(as_text=True)
    assert "Verdeling" in run_page and "abc" in run_page and "voorbereid" in run_page
    assert "Verdeling goedkeuren" not in run_page  # the preparer does not approve
    assert [world.applicant.get(n).get_json()["state"] for n in numbers] == [
        "assessed", "assessed"]
    assert client.get("/financien/verdelingen/").status_code == 200

    # A second person, an approver, approves it on the run's page; then it takes effect.
    client.post("/logout", data={"csrf_token": csrf_token(client, run_url)})
    login_as(world.approver.user)
    run_page = client.get(run_url).get_data(as_text=True)
    assert "Verdeling goedkeuren en besluiten nemen" in run_page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', run_page).group(1)
    unconfirmed = client.post(f"{run_url}/goedkeuren", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    approved = client.post(f"{run_url}/goedkeuren", data={"csrf_token": token, "confirm": "y"})
    assert approved.status_code == 303
    run_page = client.get(run_url).get_data(as_text=True)
    assert "vastgesteld" in run_page and "door approver" in run_page
    assert [world.applicant.get(n).get_json()["state"] for n in numbers] == [
        "approved", "rejected"]
    client.post("/logout", data={"csrf_token": csrf_token(client, run_url)})
    login_as(world.finance.user)
    # The finance pages show what the run booked.
    from grants.money import format_eur

    line_page = client.get(f"/financien/regels/{line('T2').id}").get_data(as_text=True)
    assert format_eur(500_166_66) in line_page
    assert line("T2").committed_cents == 500_166_66


def test_allocation_pages_are_for_finance(client, login_as, world):
    login_as(world.approver.user)
    assert client.get("/financien/verdelingen/").status_code == 403
