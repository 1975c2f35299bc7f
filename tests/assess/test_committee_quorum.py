"""The RIF committee's ranking: no verdict before the quorum, other members' scores out of
sight until one has scored oneself, and the line at the period's ceiling drawn exactly where
finance's allocation run will draw it."""

import re

from grants.extensions import db
from grants.models import Window
from grants.services.schemes import amend_ceiling
from tests.assess.conftest import application, ok, text
from tests.conftest import login

COMMITTEE = "/beoordelen/commissie"
CRITERIA = ("fit", "coordination", "durability", "innovation")


def scores(value: int) -> dict:
    return {"scores": dict.fromkeys(CRITERIA, value)}


def page_as(app, user, path: str = COMMITTEE) -> str:
    """The page as ``user`` sees it, each time from a fresh login."""
    client = app.test_client()
    login(client, user.email)
    return text(client.get(path))


def rif_window(code: str = "2014") -> Window:
    return db.session.scalars(db.select(Window).where(Window.code == code)).one()


def test_no_verdict_before_the_quorum(app, world, flow):
    number = flow.in_assessment("rif")
    ok(world.committee.fire(number, "record_assessment", scores(9)))
    page = page_as(app, world.approver.user)
    ranking = page[page.index("Rangschikking Op volgorde"):]
    assert "– RIF-2014-00001" in ranking  # no place yet
    assert "1 van 2 leden hebben gescoord" in ranking
    assert "Voldoende" not in ranking and "boven de lijn" not in ranking

    ok(world.committee2.fire(number, "record_assessment", scores(8)))
    page = page_as(app, world.approver.user)
    ranking = page[page.index("Rangschikking Op volgorde"):]
    assert "1 RIF-2014-00001" in ranking and "Voldoende" in ranking
    assert "leden hebben gescoord" not in ranking
    assert application(number).state.value == "assessed"


def test_other_scores_stay_hidden_on_the_file_and_in_the_api(app, world, flow):
    number = flow.in_assessment("rif")
    ok(world.committee2.fire(number, "record_assessment", {**scores(3), "reasoning": "Zwak."}))
    # committee has still to score: neither the file nor the audit trail shows committee2's.
    file = page_as(app, world.committee.user, f"/aanvragen/{number}")
    assert "Beoordeling door committee2" not in file and "Zwak." not in file
    events = world.committee.history(number)
    scored = [e for e in events if e["trigger"] == "record_assessment"]
    assert scored and all("scores" not in e["data"] for e in scored)
    # Whoever has scored, and the approver, see them.
    assert "scores" in [e for e in world.committee2.history(number)
                        if e["trigger"] == "record_assessment"][0]["data"]
    ok(world.committee.fire(number, "record_assessment", scores(7)))
    file = page_as(app, world.committee.user, f"/aanvragen/{number}")
    assert "Beoordeling door committee2" in file


def test_the_line_at_the_ceiling_is_where_the_run_draws_it(app, world, flow, clock):
    # The period's ceiling at € 1.000.000; four sufficient applications, ranked in this order.
    # (RIF asks at least € 200.000, so the smallest is € 200.000.) Cumulative: 400k, 750k —
    # the line — 1.050k, 1.250k. The € 200.000 would still fit in the € 250.000 left, but the
    # rule book funds in order of ranking until the ceiling is reached: it stays below.
    line = rif_window().line_for(None)
    amend_ceiling(line, 1_000_000_00, reason="Testplafond", effective_on=clock().date(),
                  now=clock(), user=None)
    db.session.commit()
    for requested, score in (("400000.00", 9), ("350000.00", 8), ("300000.00", 7),
                             ("200000.00", 6)):
        number = flow.in_assessment("rif", requested_subsidy=requested,
                                    title=f"Aanvraag van {requested}")
        for member in (world.committee, world.committee2):
            ok(member.fire(number, "record_assessment", scores(score)))

    page = page_as(app, world.approver.user)
    ranking = page[page.index("Rangschikking Op volgorde"):]
    assert "De lijn ligt bij het plafond van" in ranking and "€ 1.000.000,00 is beschikbaar" \
        in ranking
    rows = re.findall(r"(?:(\d|–) )?(RIF-2014-0000\d) Aanvraag van [\d.]+ ROC Noord "
                      r"[\d,]+ [\d,]+ Voldoende (€ [\d.,]+) (€ [\d.,]+) (€ -?[\d.,]+) "
                      r"(boven de lijn|onder de lijn)", ranking)
    assert rows == [
        ("1", "RIF-2014-00001", "€ 400.000,00", "€ 400.000,00", "€ 600.000,00", "boven de lijn"),
        ("2", "RIF-2014-00002", "€ 350.000,00", "€ 750.000,00", "€ 250.000,00", "boven de lijn"),
        ("3", "RIF-2014-00003", "€ 300.000,00", "€ 1.050.000,00", "€ -50.000,00",
         "onder de lijn"),
        ("4", "RIF-2014-00004", "€ 200.000,00", "€ 1.250.000,00", "€ -250.000,00",
         "onder de lijn"),
    ]
    # The line is drawn once, between the second and the third.
    assert ranking.count("Lijn van het plafond") == 1
    assert ranking.index("RIF-2014-00002") < ranking.index("Lijn van het plafond") \
        < ranking.index("RIF-2014-00003")

    # Finance's run (a dry run after the window closed) decides the same.
    clock.moment = clock.moment.replace(month=6, day=10)
    run = ok(world.finance.call("POST", "/allocations", {"scheme": "rif", "window": "2014"}))
    decided = {r["reference"]: r["outcome"] for r in run["results"]}
    shown = {row[1]: "approved" if row[-1] == "boven de lijn" else "rejected" for row in rows}
    assert shown == decided
    assert decided == {"RIF-2014-00001": "approved", "RIF-2014-00002": "approved",
                       "RIF-2014-00003": "rejected", "RIF-2014-00004": "rejected"}


def test_without_a_chosen_window_the_line_needs_one(app, world, flow, clock):
    first = flow.in_assessment("rif")
    for member in (world.committee, world.committee2):
        ok(member.fire(first, "record_assessment", scores(8)))
    page = page_as(app, world.approver.user)
    # One period in the ranking: its line is drawn.
    assert "boven de lijn" in page
    clock.moment = clock.moment.replace(year=2015, month=1, day=12)
    second = ok(world.rif_applicant.create(world.rif(
        window="2015-1", starts_on="2015-08-01", ends_on="2017-12-31")), 201)["id"]
    ok(world.rif_applicant.fire(second, "submit"))
    ok(world.assessor.fire(second, "start_assessment"))
    page = page_as(app, world.approver.user)
    assert "Kies een tijdvak om de lijn bij het plafond te zien." in page
    assert "boven de lijn" not in page
    window = rif_window("2014")
    page = page_as(app, world.approver.user, f"{COMMITTEE}?window={window.id}")
    assert "boven de lijn" in page and "RIF-2015-1" not in page
