"""The parts of a letter a court reads first: the advance schedule of a grant (as policy, not as
a rule of the regulation), the committee's advice in RIF letters (Awb 3:49), the article each
refusal rests on, and the signer. Figures are hand-computed from shared/domain.md."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, BudgetLine, Scheme, Window
from grants.payments.schedule import instalments
from grants.services.schemes import amend_ceiling
from tests.decisions.conftest import decisions_of, ok
from tests.decisions.letter_checks import assert_complete, letter_text, name_people
from tests.workflows.scenarios import RIF_RUN_AFTER

CRITERIA = ("fit", "coordination", "durability", "innovation")


def test_grant_letter_lists_the_advances_as_the_ministrys_policy(world, clock):
    name_people(world)
    clock.moment = datetime(2014, 4, 1, 7, tzinfo=UTC)
    plan = world.sectorplan(measures=[
        {"title": "Leerwerkplekken voor jongeren", "theme": "youth",
         "eligible_cost": "1600000.00", "requested_subsidy": "800000.00"},
        {"title": "Van werk naar werk", "theme": "work_to_work",
         "eligible_cost": "400000.00", "requested_subsidy": "200000.00"}])
    number = ok(world.applicant.create(plan), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": "positive", "reasoning": "Past bij de regeling."}))
    clock.moment = datetime(2014, 4, 10, 9, tzinfo=UTC)
    ok(world.approver.fire(number, "approve", {"amount": "1000000.00"}))

    (grant,) = decisions_of(number)
    text = letter_text(grant.context)
    # Signed by the approver who took the decision; the assessor who prepared it is not named.
    assert_complete(text, scheme="sectorplan", organisation="employers", signer="approver",
                    due="22 mei 2014")
    # € 1.000.000 granted, 80% in advances: € 800.000. The plan runs 1 July 2014 to 31 December
    # 2015, 18 months; every 6 months gives 3 instalments of € 800.000 / 3, the cent left over
    # on the last: € 266.666,66 + € 266.666,66 + € 266.666,68.
    for part in ("€ 1.000.000,00", "voorschot van 80% van de subsidie: € 800.000,00",
                 "ten hoogste € 200.000,00",
                 "1 1 juli 2014 € 266.666,66", "2 1 januari 2015 € 266.666,66",
                 "3 1 juli 2015 € 266.666,68", "Totaal voorschotten € 800.000,00",
                 "beleid van de minister van Sociale Zaken en Werkgelegenheid",
                 "schrijft ze niet voor",
                 "op grond van artikel 1.2 van de Regeling cofinanciering sectorplannen"):
        assert part in text, f"{part!r} missing:\n{text}"
    assert "regels van deze regeling" not in text
    # Payments pays by the very schedule the letter states.
    assert [(i.due_on, i.amount_cents) for i in instalments(
        db.session.get(Application, number))] == [
        (date(2014, 7, 1), 266_666_66), (date(2015, 1, 1), 266_666_66),
        (date(2015, 7, 1), 266_666_68)]


def _rif_line() -> BudgetLine:
    return db.session.scalars(sa.select(BudgetLine).join(Window).join(Scheme).where(
        Scheme.code == "rif", Window.code == "2014")).one()


def _rif_application(world, scores: tuple[dict, dict]) -> int:
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    for member, sheet in zip((world.committee, world.committee2), scores, strict=True):
        ok(member.fire(number, "record_assessment", {"scores": sheet}))
    return number


def _even(score: int) -> dict:
    return dict.fromkeys(CRITERIA, score)


def test_rif_letters_give_the_scores_the_rank_and_the_cut_off(world, clock):
    name_people(world)
    clock.moment = datetime(2014, 5, 20, 9, tzinfo=UTC)
    # Room for two of the € 500.000 applications.
    amend_ceiling(_rif_line(), 1_000_000_00, reason="Plafond voor deze toets",
                  effective_on=date(2014, 5, 20), now=clock(), user=None)
    db.session.commit()
    first = _rif_application(world, ({"fit": 9, "coordination": 8, "durability": 8,
                                      "innovation": 7}, {"fit": 8, "coordination": 8,
                                                         "durability": 7, "innovation": 7}))
    second = _rif_application(world, (_even(7), _even(7)))
    third = _rif_application(world, (_even(6), _even(6)))
    weak = _rif_application(world, (_even(5), _even(5)))

    clock.moment = RIF_RUN_AFTER["2014"]
    run = ok(world.finance.call("POST", "/allocations", {
        "scheme": "rif", "window": "2014", "dry_run": False}), 201)
    signer = "finance"
    if run.get("status") == "prepared":  # four eyes: it takes effect when an approver approves
        ok(world.approver.call("POST", f"/allocations/{run['id']}/approve"))
        signer = "approver"
    texts = {number: letter_text(decisions_of(number)[0].context)
             for number in (first, second, third, weak)}
    for text in texts.values():
        assert_complete(text, scheme="rif", organisation="institution", signer=signer,
                        due="22 juli 2014")
        assert ("Wij nemen het advies van de beoordelingscommissie over, omdat de commissie "
                "onafhankelijk is") in text

    # Totals are the members' average sums: (32 + 30) / 2 = 31, then 28, 24 and 20. Per
    # criterion the first scored (9 + 8) / 2 = 8,5, 8, (8 + 7) / 2 = 7,5 and 7.
    for part in ("Besluit: u krijgt subsidie", "Aansluiting van onderwijs op de arbeidsmarkt 8,5",
                 "Afstemming met andere scholen in de regio 8", "Duurzaamheid na de subsidie 7,5",
                 "Vernieuwing 7", "Totaalscore 31", "plaats 1 van de 3",
                 "Voor deze ronde was € 1.000.000,00 beschikbaar",
                 "aanvragen op plaats 1 tot en met 2",
                 "de laatste aanvraag die subsidie kreeg had een totaalscore van 28",
                 "op grond van artikel 5, artikel 19 en artikel 20 van de Regeling regionaal "
                 "investeringsfonds mbo"):
        assert part in texts[first], f"{part!r} missing:\n{texts[first]}"
    assert "plaats 2 van de 3" in texts[second] and "Totaalscore 28" in texts[second]

    # Third: sufficient (6 is enough) but past the cut-off; refused on the ceiling.
    for part in ("Besluit: u krijgt geen subsidie", "Totaalscore 24", "plaats 3 van de 3",
                 "aanvragen op plaats 1 tot en met 2", "totaalscore van 28",
                 "op grond van artikel 4, derde lid, van de Regeling regionaal investeringsfonds",
                 "artikel 4:25, tweede lid, van de Algemene wet bestuursrecht"):
        assert part in texts[third], f"{part!r} missing:\n{texts[third]}"

    # The weak one is not ranked at all: its scores are below sufficient (an average of 6).
    for part in ("Besluit: u krijgt geen subsidie", "de gemiddelde score per criterium is 5",
                 "Voldoende is ten minste 6", "Totaalscore 20",
                 "op grond van artikel 19 van de Regeling regionaal investeringsfonds"):
        assert part in texts[weak], f"{part!r} missing:\n{texts[weak]}"
    assert "staat op plaats" not in texts[weak] and "4:25" not in texts[weak]


@pytest.mark.parametrize(("walk", "article", "awb"), [
    # A condition of the regulation not met: that article, not Awb 4:35.
    (lambda s: s.rejected("Het plan noemt maar één thema."),
     "op grond van artikel 1.3 van de Regeling cofinanciering sectorplannen", None),
    # The ceiling reached: the regulation's ceiling article and Awb 4:25, second paragraph.
    (lambda s: s.rejected("Subsidieplafond bereikt", ground="ceiling"),
     "op grond van artikel 1.4 van de Regeling cofinanciering sectorplannen",
     "artikel 4:25, tweede lid, van de Algemene wet bestuursrecht"),
    # Not repaired in time: Awb 4:5.
    (lambda s: s.not_processed(),
     "op grond van artikel 1.5 van de Regeling cofinanciering sectorplannen",
     "artikel 4:5 van de Algemene wet bestuursrecht"),
], ids=["eligibility", "ceiling", "not-processed"])
def test_each_refusal_cites_the_article_it_rests_on(world, steps, walk, article, awb):
    name_people(world)
    number = walk(steps)
    text = letter_text(decisions_of(number)[0].context)
    assert article in text, text
    if awb:
        assert awb in text, text
    else:
        basis = text.split("Waarop dit besluit rust")[1].split("Niet eens")[0]
        assert "Algemene wet bestuursrecht" not in basis, basis
    assert "4:35" not in text


def test_the_check_catches_what_no_letter_may_say():
    from tests.decisions.letter_checks import internal_words

    leaked = internal_words("Verdeeld first_come_first_served, loting 9f86d081884c7d65, door "
                            "de approver; employees: 12; pro rata; ranked.")
    assert leaked == ["9f86d081884c7d65", "approver", "employees", "first_come_first_served",
                      "loting", "pro rata", "ranked"]
    assert internal_words("Wij geven u subsidie: € 1.000.000,00, t.a.v. mevrouw A. Bakker.") == []


def test_a_settlement_is_signed_by_its_approver_never_by_who_prepared_it(world, steps):
    name_people(world)
    # Granted € 450.000, € 360.000 paid in advances, settled at € 300.000: prepared by the
    # assessor, approved by the approver (four eyes). Both letters carry the approver's name.
    number = steps.settled("360000.00", "300000.00")
    settlement, recovery = decisions_of(number)[1:3]
    for letter in (settlement, recovery):
        text = letter_text(letter.context)
        # Decided Saturday 10 May 2014: six weeks end on Saturday 21 June, so the objection
        # term runs to Monday 23 June (Algemene termijnenwet art. 1).
        assert_complete(text, scheme="sectorplan", organisation="employers",
                        signer="approver", due="23 juni 2014")
        assert "P. Visser" not in text and "senior beleidsmedewerker" not in text
    assert "€ 60.000,00" in letter_text(recovery.context)
