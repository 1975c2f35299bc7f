"""Issue 13: a scheme year per scheme, told as the rule book (shared/domain.md) tells it, walked
end to end through the API and checked at each step in the ledger (GET /api/v1/budgets), the
letters (the text of the PDFs the applicant downloads) and the SEPA files of the payment runs.

Every amount and date below is computed by hand from domain.md in the comment beside it.
"""

from datetime import UTC, datetime

from grants.extensions import db
from grants.models import OrganisationKind, Role
from grants.services.tokens import create_token
from tests.decisions.conftest import ok
from tests.decisions.letter_checks import REGULATION, name_people, pdf_text
from tests.factories import OrganisationFactory, UserFactory
from tests.payments.conftest import EMPLOYERS_IBAN, INSTITUTION_IBAN
from tests.payments.test_runs import NS, sepa_document
from tests.reports.flow import settlement_request
from tests.workflows.scenarios import Api


def at(clock, *moment) -> None:
    """Set the clock to a moment in UTC (Amsterdam is 1 hour ahead in winter, 2 in summer)."""
    clock.moment = datetime(*moment, tzinfo=UTC)


def line(world, code: str) -> tuple[str, str, str, str, str]:
    """A budget line's figures as finance reads them: ceiling, reserved, committed, disbursed
    (net of recoveries), remaining."""
    for budget in ok(world.finance.call("GET", "/budgets"))["items"]:
        for item in budget["lines"]:
            if item["code"] == code:
                return (item["ceiling"], item["reserved"], item["committed"], item["disbursed"],
                        item["remaining"])
    raise AssertionError(f"no budget line {code}")


def letters(api, number: int) -> list[tuple[str, str]]:
    """The application's decision letters as the applicant downloads them: kind and text."""
    found = []
    for item in ok(api.call("GET", f"/applications/{number}/decisions"))["items"]:
        pdf = api.client.get(item["pdf_url"], headers={"Authorization": f"Bearer {api.token}"})
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        found.append((item["kind"], pdf_text(pdf.data)))
    return found


def says(text: str, *facts: str) -> None:
    for fact in facts:
        assert fact in text, f"{fact!r} missing from the letter:\n{text}"


def pay(world, due_on: str) -> tuple[dict, list[tuple], str]:
    """Finance prepares the run of what fell due by ``due_on``; another person, an approver,
    approves it; the SEPA file is fetched. The approved run, the file's transfers (amount,
    IBAN, creditor, remittance) and its requested execution date."""
    prepared = ok(world.finance.call("POST", "/payment-runs",
                                     {"due_on": due_on, "dry_run": False}), 201)
    assert prepared["status"] == "prepared"
    assert world.finance.call("GET", f"/payment-runs/{prepared['id']}/sepa.xml").status_code \
        == 409  # no file before the second pair of eyes
    run = ok(world.approver.call("POST", f"/payment-runs/{prepared['id']}/approve"))
    assert run["status"] == "approved"
    sepa = world.finance.call("GET", f"/payment-runs/{run['id']}/sepa.xml")
    assert sepa.status_code == 200
    document = sepa_document(sepa.data)  # validated against the pain.001.001.03 XSD
    payment = document.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == \
        run["total"]
    transfers = [(t.findtext("p:Amt/p:InstdAmt", namespaces=NS),
                  t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
                  t.findtext("p:Cdtr/p:Nm", namespaces=NS),
                  t.findtext("p:RmtInf/p:Ustrd", namespaces=NS))
                 for t in payment.findall("p:CdtTrfTxInf", NS)]
    return run, transfers, payment.findtext("p:ReqdExctnDt", namespaces=NS)


def submitted_plan(world, title: str, measures: list[dict]) -> int:
    number = ok(world.applicant.create(world.sectorplan(title=title, measures=measures)),
                201)["id"]
    ok(world.applicant.fire(number, "submit"))
    return number


def test_sector_plans_t2_first_come_first_served_from_grant_to_balance(world, clock):
    name_people(world)
    world.employers.iban = EMPLOYERS_IBAN
    db.session.commit()

    # -- two plans complete on consecutive days in T2 (1 April – 31 May 2014, € 200 mln) ------
    # Metaal asks 50% of each measure: 200.000.000,00 / 2 + 9.135.780,24 / 2
    # = 100.000.000,00 + 4.567.890,12 = € 104.567.890,12.
    at(clock, 2014, 4, 1, 8)  # Tuesday 1 April 2014, 10:00 in Amsterdam
    metaal = submitted_plan(world, "Sectorplan metaal", [
        {"title": "Leerwerkplekken voor jongeren", "theme": "youth",
         "eligible_cost": "200000000.00", "requested_subsidy": "100000000.00"},
        {"title": "Van werk naar werk", "theme": "work_to_work",
         "eligible_cost": "9135780.24", "requested_subsidy": "4567890.12"}])
    # Elektro, complete a day later, asks 198.000.000,00 / 2 = € 99.000.000,00.
    at(clock, 2014, 4, 2, 8)
    elektro = submitted_plan(world, "Sectorplan elektrotechniek", [
        {"title": "Omscholing naar installatietechniek", "theme": "training",
         "eligible_cost": "150000000.00", "requested_subsidy": "75000000.00"},
        {"title": "Oudere werknemers als leermeester", "theme": "older_workers",
         "eligible_cost": "48000000.00", "requested_subsidy": "24000000.00"}])
    assert ok(world.applicant.get(metaal))["requested_amount"] == "104567890.12"
    assert ok(world.applicant.get(elektro))["requested_amount"] == "99000000.00"
    for number in (metaal, elektro):
        ok(world.assessor.fire(number, "start_assessment"))
        ok(world.assessor.fire(number, "record_assessment", {
            "recommendation": "positive", "reasoning": "Past bij de regeling."}))
    assert line(world, "T2") == ("200000000.00", "0.00", "0.00", "0.00", "200000000.00")

    # -- the approver takes the later plan first: it would take the earlier one's room ------
    # Together 104.567.890,12 + 99.000.000,00 = 203.567.890,12 > 200.000.000,00. What the
    # earlier plan leaves: 200.000.000,00 − 104.567.890,12 = € 95.432.109,88 < 99.000.000,00.
    at(clock, 2014, 4, 10, 8)  # Thursday 10 April 2014
    jumped = world.approver.fire(elektro, "approve")
    assert jumped.status_code == 409
    says(jumped.get_json()["error"]["message"].replace("\xa0", " "),
         "Eerdere aanvragen gaan voor (Awb 4:26): 1 aanvraag",
         "€ 104.567.890,12 nodig", "€ 95.432.109,88 over", "deze verlening is € 99.000.000,00")
    assert line(world, "T2") == ("200000000.00", "0.00", "0.00", "0.00", "200000000.00")

    # -- so the earlier plan first: granted in full, committed on T2 -----------------------
    granted = ok(world.approver.fire(metaal, "approve"))
    # Objection term: 10 April + 6 weeks = Thursday 22 May 2014, no holiday (Ascension: 29 May).
    assert (granted["state"], granted["granted_amount"], granted["objection_due"]) == (
        "approved", "104567890.12", "2014-05-22")
    # 200.000.000,00 − 104.567.890,12 = 95.432.109,88 left.
    assert line(world, "T2") == ("200000000.00", "0.00", "104567890.12", "0.00", "95432109.88")
    # The advance (domain §1, assumed): 80% of 104.567.890,12 = 83.654.312,096, to the cent
    # down € 83.654.312,09; the plan runs 1 July 2014 – 31 December 2015, 18 months, so three
    # half-yearly instalments of ⌊8.365.431.209 / 3⌋ = 2.788.477.069 cents, the rounding cents
    # on the last: 8.365.431.209 − 2 × 2.788.477.069 = 2.788.477.071. After settlement the
    # rest: 104.567.890,12 − 83.654.312,09 = € 20.913.578,03 at most.
    ((kind, grant),) = letters(world.applicant, metaal)
    assert kind == "grant"
    says(grant, "SP-T2-00001/1", "Datum 10 april 2014", "t.a.v. mevrouw A. Bakker",
         "U krijgt ten hoogste € 104.567.890,12",
         "Het project loopt van 1 juli 2014 tot en met 31 december 2015",
         "U krijgt een voorschot van 80% van de subsidie: € 83.654.312,09",
         "ten hoogste € 20.913.578,03",
         "1 1 juli 2014 € 27.884.770,69", "2 1 januari 2015 € 27.884.770,69",
         "3 1 juli 2015 € 27.884.770,71", "Voortgangsverslag 1 juli 2015",
         f"op grond van artikel 1.2 van de {REGULATION['sectorplan'][0]}",
         REGULATION["sectorplan"][1], "Dat kan tot en met 22 mei 2014.",
         "namens deze, mr. J. de Vries directeur Subsidies")

    # -- the later plan no longer fits: refused, not partly granted (domain §1) ------------
    full = world.approver.fire(elektro, "approve")
    assert full.status_code == 422
    assert full.get_json()["error"]["message"].replace("\xa0", " ") == (
        "Subsidieplafond bereikt: € 95.432.109,88 resterend.")
    ok(world.approver2.fire(elektro, "reject", {
        "reason": "Subsidieplafond bereikt: na de eerder volledige aanvraag is er "
                  "€ 95.432.109,88 over en u vraagt € 99.000.000,00."}))
    ((kind, rejection),) = letters(world.applicant, elektro)
    assert kind == "rejection"
    says(rejection, "Wij wijzen uw aanvraag af", "Dat plafond is € 200.000.000,00",
         f"op grond van artikel 1.4 van de {REGULATION['sectorplan'][0]}",
         "namens deze, drs. M. Smit hoofd Bezwaar en Beroep")
    assert line(world, "T2") == ("200000000.00", "0.00", "104567890.12", "0.00", "95432109.88")

    # -- the first advance on the plan's first day, Tuesday 1 July 2014 -------------------
    at(clock, 2014, 7, 1, 7)
    run, transfers, executes = pay(world, "2014-07-01")
    assert transfers == [("27884770.69", EMPLOYERS_IBAN, "Metaalwerkgevers",
                          "SP-T2-00001 voorschot 1/3")]
    assert (run["total"], executes) == ("27884770.69", "2014-07-01")  # a TARGET2 day
    assert ok(world.applicant.get(metaal))["state"] == "monitored"
    assert line(world, "T2") == ("200000000.00", "0.00", "104567890.12", "27884770.69",
                                 "95432109.88")

    # -- a year on, Wednesday 1 July 2015: instalments 2 (due 1 January) and 3 -------------
    at(clock, 2015, 7, 1, 7)
    run, transfers, executes = pay(world, "2015-07-01")
    assert transfers == [
        ("27884770.69", EMPLOYERS_IBAN, "Metaalwerkgevers", "SP-T2-00001 voorschot 2/3"),
        ("27884770.71", EMPLOYERS_IBAN, "Metaalwerkgevers", "SP-T2-00001 voorschot 3/3")]
    # 27.884.770,69 + 27.884.770,71 = 55.769.541,40; paid in all € 83.654.312,09.
    assert (run["total"], executes) == ("55769541.40", "2015-07-01")
    assert line(world, "T2") == ("200000000.00", "0.00", "104567890.12", "83654312.09",
                                 "95432109.88")

    # -- the final claim after the plan ended (31 December 2015), with the accountant's ----
    # statement (above € 125.000). The PDFs are uploaded on the status page (multipart, not
    # in the API); the API's trigger takes their ids.
    at(clock, 2016, 2, 15, 9)
    ok(settlement_request(world.applicant, metaal, "98765432.10"))
    assert ok(world.applicant.get(metaal))["state"] == "settlement_requested"

    # -- settled lower than the grant: the assessor prepares (202), another approves ------
    at(clock, 2016, 3, 14, 9)
    prepared = world.assessor.fire(metaal, "settle", {
        "amount": "98765432.10", "reason": "Twee maatregelen zijn kleiner uitgevoerd."})
    assert prepared.status_code == 202 and prepared.get_json()["status"] == "prepared"
    assert ok(world.applicant.get(metaal))["state"] == "settlement_requested"
    own = world.assessor.call("POST", f"/approvals/{prepared.get_json()['id']}/approve")
    assert own.status_code == 409  # the preparer: a second person approves (four eyes)
    at(clock, 2016, 3, 16, 9)  # Wednesday 16 March 2016
    ok(world.approver2.call("POST", f"/approvals/{prepared.get_json()['id']}/approve"))
    assert ok(world.applicant.get(metaal))["state"] == "settled"
    # Released 104.567.890,12 − 98.765.432,10 = 5.802.458,02: committed 98.765.432,10,
    # remaining 200.000.000,00 − 98.765.432,10 = 101.234.567,90.
    assert line(world, "T2") == ("200000000.00", "0.00", "98765432.10", "83654312.09",
                                 "101234567.90")
    kinds = [kind for kind, _text in letters(world.applicant, metaal)]
    assert kinds == ["grant", "settlement"]
    # Objection term: 16 March 2016 + 6 weeks = Wednesday 27 April 2016, King's Day, so it
    # runs to Thursday 28 April 2016 (Algemene termijnenwet art. 1).
    says(letters(world.applicant, metaal)[1][1], "SP-T2-00001/2", "Datum 16 maart 2016",
         "Wij stellen de subsidie vast op € 98.765.432,10",
         "Twee maatregelen zijn kleiner uitgevoerd.", "Verleende subsidie € 104.567.890,12",
         "Al aan u betaald (voorschotten) € 83.654.312,09",
         "Wij betalen u nog € 15.111.120,01",
         f"op grond van artikel 1.11 van de {REGULATION['sectorplan'][0]}",
         "Dat kan tot en met 28 april 2016.",
         "namens deze, drs. M. Smit hoofd Bezwaar en Beroep")

    # -- the balance, 98.765.432,10 − 83.654.312,09 = € 15.111.120,01, by the run of Good ---
    # Friday 25 March 2016: TARGET2 is closed then and on Easter Monday 28 March, so the bank
    # is asked to execute on Tuesday 29 March 2016.
    at(clock, 2016, 3, 25, 9)
    run, transfers, executes = pay(world, "2016-03-25")
    assert transfers == [("15111120.01", EMPLOYERS_IBAN, "Metaalwerkgevers",
                          "SP-T2-00001 saldo na vaststelling")]
    assert (run["lines"][0]["kind"], executes) == ("balance", "2016-03-29")
    assert line(world, "T2") == ("200000000.00", "0.00", "98765432.10", "98765432.10",
                                 "101234567.90")
    # Domain §5: a settled grant stays settled until it is closed; the balance is a `pay`.
    assert ok(world.applicant.get(metaal))["state"] == "settled"
    assert world.applicant.history(metaal)[-1]["trigger"] == "pay"


def person(world, clock, role: Role, name: str, organisation=None) -> Api:
    """Someone the world has no second of (a second admin, a second employer's clerk)."""
    user = UserFactory(role=role, name=name, organisation=organisation)
    return Api(world.applicant.client, create_token(user, clock())[1], user)


def place(name: str, category: str, weeks: int, starts_on: str, ends_on: str) -> dict:
    return {"student_name": name, "category": category, "school": "ROC Noorderpoort",
            "programme_code": "25180" if category == "mbo" else "34820",
            "starts_on": starts_on, "ends_on": ends_on, "weeks": weeks}


def test_praktijkleren_2013_2014_one_final_run_one_rate_per_category_then_paid(world, clock):
    name_people(world)
    # Each employer files with its confirmed IBAN, the only one it may be paid to.
    world.employer.iban = "NL44RABO0123456789"
    oost = OrganisationFactory(kind=OrganisationKind.EMPLOYER, name="Bouwbedrijf Oost",
                               contact_name="de heer T. Hendriks", iban="NL81RABO0312345678")
    oost_clerk = person(world, clock, Role.APPLICANT, "Loonbureau Oost", oost)
    admin2 = person(world, clock, Role.ADMIN, "tweede beheerder")

    # -- before the window opens (2 June 2014), the mbo ceiling is set to € 4.000,00 -------
    # A ceiling is a money decision: one admin prepares it (202), a second approves it.
    at(clock, 2014, 4, 1, 8)
    amended = world.admin.call("PATCH", "/schemes/praktijkleren/windows/2013-2014", {
        "categories": [{"code": "mbo", "ceiling": "4000.00"}], "effective_on": "2014-04-01",
        "reason": "Regeling gewijzigd: plafond mbo 2013/14 verlaagd."})
    assert amended.status_code == 202, amended.get_json()
    (prepared,) = amended.get_json()["prepared"]
    ok(admin2.call("POST", f"/approvals/{prepared['id']}/approve"))
    assert line(world, "2013-2014-mbo") == ("4000.00", "0.00", "0.00", "0.00", "4000.00")
    assert line(world, "2013-2014-hbo") == ("8000000.00", "0.00", "0.00", "0.00", "8000000.00")

    # -- two employers file their places within the window (2 June – 15 September 17:00) --
    at(clock, 2014, 9, 1, 8)
    noord = ok(world.employer_applicant.create(world.praktijkleren(
        iban="NL44RABO0123456789", places=[
            # mbo 40 ÷ 40 = 1; hbo 21 ÷ 42 = ½
            place("Sanne de Vries", "mbo", 40, "2013-09-01", "2014-06-30"),
            place("Ahmed Yilmaz", "hbo", 21, "2013-09-02", "2014-01-31")])), 201)["id"]
    east = ok(oost_clerk.create(world.praktijkleren(
        employer_id="100777", iban="NL81RABO0312345678", places=[
            # mbo 30 ÷ 40 = ¾; hbo 42 ÷ 42 = 1
            place("Daan Bos", "mbo", 30, "2013-09-01", "2014-06-30"),
            place("Eva Smit", "hbo", 42, "2013-09-02", "2014-07-31")])), 201)["id"]
    ineligible = ok(oost_clerk.create(world.praktijkleren(
        employer_id="100777", iban="NL81RABO0312345678",
        places=[place("Finn Kok", "mbo", 40, "2013-09-01", "2014-06-30")])), 201)["id"]
    for api, number in ((world.employer_applicant, noord), (oost_clerk, east),
                        (oost_clerk, ineligible)):
        ok(api.fire(number, "submit"))
        ok(world.assessor.fire(number, "start_assessment"))
    for number in (noord, east):
        ok(world.assessor.fire(number, "record_assessment"))

    # -- after 15 September 17:00 the final run waits while one application is open -------
    at(clock, 2014, 9, 16, 8)  # Tuesday 16 September 2014, 10:00
    early = world.finance.call("POST", "/allocations", {
        "scheme": "praktijkleren", "window": "2013-2014", "dry_run": False})
    assert early.status_code == 422
    finn = ok(world.finance.get(ineligible))["reference"]
    assert f"Nog open (1): {finn}." in early.get_json()["error"]["fields"]["window"][0]
    refusal = "De plaats van Finn is geen bbl-plaats: er is geen praktijkovereenkomst."
    ok(world.assessor.fire(ineligible, "reject", {"reason": refusal}))

    # -- every application decided: finance prepares the one final run, an approver approves
    # mbo: 1 + ¾ = 1¾ places; rate = min(2.700, 4.000,00 ÷ 1¾ = 2.285,714…) = € 2.285,71.
    #   Sanne 1 × 228.571,43 cents → € 2.285,71; Daan ¾ × 228.571,43 = 171.428,57 → € 1.714,28
    #   (down to the cent, so 3.999,99 ≤ 4.000,00, never over the ceiling).
    # hbo: ½ + 1 = 1½ places; 8.000.000,00 ÷ 1½ is far above 2.700, so the full € 2.700,00:
    #   Ahmed ½ → € 1.350,00; Eva 1 → € 2.700,00.
    # Noord 2.285,71 + 1.350,00 = € 3.635,71; Oost 1.714,28 + 2.700,00 = € 4.414,28.
    at(clock, 2014, 9, 18, 8)  # Thursday 18 September 2014
    run = ok(world.finance.call("POST", "/allocations", {
        "scheme": "praktijkleren", "window": "2013-2014", "dry_run": False}), 201)
    assert run["status"] == "prepared"
    assert ok(world.finance.get(noord))["state"] == "validated"  # nothing until approved
    # The preparer may not approve it herself (409, api.md).
    assert world.finance.call("POST", f"/allocations/{run['id']}/approve").status_code == 409
    run = ok(world.approver.call("POST", f"/allocations/{run['id']}/approve"))
    assert run["status"] == "committed"
    assert {r["category"]: r["rate"] for r in run["rates"]}["mbo"] == "2285.71"
    assert {r["category"]: r["rate"] for r in run["rates"]}["hbo"] == "2700.00"
    assert {r["application"]: r["amount"] for r in run["results"]} == {
        noord: "3635.71", east: "4414.28"}
    for number in (noord, east):
        assert ok(world.finance.get(number))["state"] == "settled"
    assert ok(world.finance.get(ineligible))["state"] == "rejected"
    assert line(world, "2013-2014-mbo") == ("4000.00", "0.00", "3999.99", "0.00", "0.01")
    # 8.000.000,00 − 1.350,00 − 2.700,00 = 7.995.950,00
    assert line(world, "2013-2014-hbo") == ("8000000.00", "0.00", "4050.00", "0.00",
                                            "7995950.00")

    # -- the letters print the run's rate and the amounts; objections until 18 September --
    # + 6 weeks = Thursday 30 October 2014. The approver of the run decided, and signs.
    for api, number, rows in (
            (world.employer_applicant, noord, ("mbo (bbl) 1 1,0000 € 2.285,71 € 2.285,71",
                                               "hbo 1 0,5000 € 2.700,00 € 1.350,00",
                                               "Totaal € 3.635,71", "NL44 RABO 0123 4567 89",
                                               "t.a.v. mevrouw F. El Amrani")),
            (oost_clerk, east, ("mbo (bbl) 1 0,7500 € 2.285,71 € 1.714,28",
                                "hbo 1 1,0000 € 2.700,00 € 2.700,00", "Totaal € 4.414,28",
                                "NL81 RABO 0312 3456 78", "t.a.v. de heer T. Hendriks"))):
        ((kind, text),) = letters(api, number)
        reference = ok(api.get(number))["reference"]
        assert kind == "direct_settlement"
        says(text, f"{reference}/1", "Datum 18 september 2014",
             "Wij stellen de subsidie direct vast op", *rows,
             f"op grond van artikel 4 van de {REGULATION['praktijkleren'][0]}",
             REGULATION["praktijkleren"][1], "Dat kan tot en met 30 oktober 2014.",
             "namens deze, mr. J. de Vries directeur Subsidies")
        assert "R. de Boer" not in text  # finance prepared the run; she decided nothing
    # The refusal was the assessor's own decision (16 September + 6 weeks = 28 October).
    ((kind, text),) = letters(oost_clerk, ineligible)
    assert kind == "rejection"
    says(text, f"{finn}/1", "Datum 16 september 2014", "Wij wijzen uw aanvraag af", refusal,
         f"op grond van artikel 3 van de {REGULATION['praktijkleren'][0]}",
         "Dat kan tot en met 28 oktober 2014.", "namens deze, P. Visser senior beleidsmedewerker")

    # -- Friday 19 September 2014: the payment run pays each employer its settlement ------
    at(clock, 2014, 9, 19, 8)
    run, transfers, executes = pay(world, "2014-09-19")
    assert transfers == [
        ("3635.71", "NL44RABO0123456789", "Installatiebedrijf Noord",
         "PL-2013-2014-00001 vaststelling"),
        ("4414.28", "NL81RABO0312345678", "Bouwbedrijf Oost", "PL-2013-2014-00002 vaststelling")]
    # 3.635,71 + 4.414,28 = 8.049,99, on a TARGET2 business day (a Friday).
    assert (run["total"], executes) == ("8049.99", "2014-09-19")
    assert [line_["kind"] for line_ in run["lines"]] == ["settlement", "settlement"]
    for number in (noord, east):
        assert ok(world.finance.get(number))["state"] == "paid"
    assert line(world, "2013-2014-mbo") == ("4000.00", "0.00", "3999.99", "3999.99", "0.01")
    assert line(world, "2013-2014-hbo") == ("8000000.00", "0.00", "4050.00", "4050.00",
                                            "7995950.00")
    # Paid once: nothing is left for a second run that day.
    assert world.finance.call("POST", "/payment-runs", {
        "due_on": "2014-09-19", "dry_run": False}).status_code == 409


CRITERIA = ("fit", "coordination", "durability", "innovation")


def test_rif_2015_period_1_ranked_by_the_committee_objection_restores_a_grant(world, clock):
    name_people(world)
    world.institution.iban = INSTITUTION_IBAN
    db.session.commit()

    # -- three applications in period 1 (1 – 31 January 2015, ceiling € 12.000.000,00) ----
    at(clock, 2015, 1, 12, 9)
    numbers = {}
    for key, title, asked in (("centrum", "Praktijkcentrum techniek", "500000.00"),
                              ("zorg", "Zorgtechniek in de regio", "400000.00"),
                              ("proces", "Leerwerkplaats procestechniek", "300000.00")):
        numbers[key] = ok(world.rif_applicant.create(world.rif(
            window="2015-1", title=title, requested_subsidy=asked,
            starts_on="2015-08-01", ends_on="2017-12-31")), 201)["id"]
        ok(world.rif_applicant.fire(numbers[key], "submit"))
        ok(world.assessor.fire(numbers[key], "start_assessment"))
    centrum, zorg, proces = numbers["centrum"], numbers["zorg"], numbers["proces"]

    # -- two committee members score each on the four criteria (1 – 10) --------------------
    # centrum: 8+7+6+9 = 30 and 8+8+7+9 = 32, total (30 + 32) ÷ 2 = 31, criteria 8; 7,5;
    # 6,5; 9. zorg: 7 everywhere, total 28. proces: 5 everywhere, total 20, average 5 below
    # the "sufficient" 6 (assumed, domain §3), so it is not ranked.
    sheets = {centrum: ((8, 7, 6, 9), (8, 8, 7, 9)), zorg: ((7,) * 4, (7,) * 4),
              proces: ((5,) * 4, (5,) * 4)}
    for number, (first, second) in sheets.items():
        for member, scores in ((world.committee, first), (world.committee2, second)):
            ok(member.fire(number, "record_assessment",
                           {"scores": dict(zip(CRITERIA, scores, strict=True))}))

    # -- no grant by hand, and no run, while the window is open -------------------------
    at(clock, 2015, 1, 20, 9)
    by_hand = world.approver.fire(centrum, "approve")
    assert by_hand.status_code == 422 and "allocation" in by_hand.get_json()["error"]["fields"]
    assert world.finance.call("POST", "/allocations", {
        "scheme": "rif", "window": "2015-1", "dry_run": False}).status_code == 422
    assert line(world, "2015-1") == ("12000000.00", "0.00", "0.00", "0.00", "12000000.00")

    # -- Tuesday 10 February 2015: finance prepares the ranking run, an approver approves ---
    at(clock, 2015, 2, 10, 9)
    run = ok(world.finance.call("POST", "/allocations", {
        "scheme": "rif", "window": "2015-1", "dry_run": False}), 201)
    assert run["status"] == "prepared"
    assert ok(world.finance.get(centrum))["state"] == "assessed"
    run = ok(world.approver.call("POST", f"/allocations/{run['id']}/approve"))
    assert run["status"] == "committed"
    assert {r["application"]: (r["outcome"], r["amount"]) for r in run["results"]} == {
        centrum: ("approved", "500000.00"), zorg: ("approved", "400000.00"),
        proces: ("rejected", "0.00")}
    # Granted 500.000 + 400.000 = 900.000. Of the 11.100.000,00 left, the 300.000,00 the
    # refused one asked stays while an objection may restore it (term: 10 February + 6 weeks
    # = Tuesday 24 March 2015); the other 10.800.000,00 moves to period 2
    # (11.650.000,00 + 10.800.000,00 = 22.450.000,00).
    assert line(world, "2015-1") == ("1200000.00", "0.00", "900000.00", "0.00", "300000.00")
    assert line(world, "2015-2")[0] == "22450000.00"

    # -- the letters give the scores, the rank and where the money ran out (Awb 3:49) ------
    # Objections until 10 February + 6 weeks = Tuesday 24 March 2015.
    ranking = ("van de 2 voldoende beoordeelde aanvragen",
               "Voor deze ronde was € 12.000.000,00 beschikbaar",
               "plaats 1 tot en met 2; de laatste aanvraag die subsidie kreeg had een "
               "totaalscore van 28", "Wij nemen het advies van de beoordelingscommissie over")
    common = (f"{REGULATION['rif'][0]}", REGULATION["rif"][1], "Datum 10 februari 2015",
              "t.a.v. de heer K. Jansen", "Dat kan tot en met 24 maart 2015.",
              "namens deze, mr. J. de Vries directeur Subsidies")
    ((kind, text),) = letters(world.rif_applicant, centrum)
    assert kind == "grant"
    # 80% of 500.000,00 = 400.000,00 in yearly instalments over 1 August 2015 – 31 December
    # 2017 (29 months: 3): ⌊400.000,00 ÷ 3⌋ = 133.333,33 twice, 133.333,34 last.
    says(text, "RIF-2015-1-00001/1", "U krijgt ten hoogste € 500.000,00", *ranking, *common,
         "Aansluiting van onderwijs op de arbeidsmarkt 8",
         "Afstemming met andere scholen in de regio 7,5", "Duurzaamheid na de subsidie 6,5",
         "Vernieuwing 9", "Totaalscore 31", "Uw aanvraag staat op plaats 1",
         "1 1 augustus 2015 € 133.333,33", "3 1 augustus 2017 € 133.333,34",
         "op grond van artikel 5, artikel 19 en artikel 20 van de Regeling")
    ((kind, text),) = letters(world.rif_applicant, zorg)
    # 80% of 400.000,00 = 320.000,00: 106.666,66 twice, 106.666,68 last.
    says(text, "RIF-2015-1-00002/1", "U krijgt ten hoogste € 400.000,00", *ranking, *common,
         "Totaalscore 28", "Uw aanvraag staat op plaats 2", "1 1 augustus 2015 € 106.666,66",
         "3 1 augustus 2017 € 106.666,68")
    ((kind, rejection),) = letters(world.rif_applicant, proces)
    assert kind == "rejection"
    says(rejection, "RIF-2015-1-00003/1", "Wij wijzen uw aanvraag af", *common,
         "de gemiddelde score per criterium is 5. Voldoende is ten minste 6.",
         "Vernieuwing 5", "Totaalscore 20", "op grond van artikel 19 van de Regeling")
    assert "Uw aanvraag staat op plaats" not in rejection  # below the bar: not ranked

    # -- the objection, in time (Monday 2 March 2015); the objector waives the hearing -----
    at(clock, 2015, 3, 2, 9)
    ok(world.rif_applicant.fire(proces, "lodge_objection", {
        "reason": "De commissie heeft onze samenwerking met vijf bedrijven niet meegewogen."}))
    at(clock, 2015, 3, 16, 9)  # Monday 16 March 2015
    unheard = world.approver2.fire(proces, "decide_objection", {
        "outcome": "upheld", "reason": "De samenwerking maakt het plan voldoende."})
    assert unheard.status_code == 422 and "hearing" in unheard.get_json()["error"]["fields"]
    ok(world.assessor.fire(proces, "waive_hearing", {
        "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))

    # -- upheld: the refusal is revoked and replaced by a grant from the room kept for it --
    decided = ok(world.approver2.fire(proces, "decide_objection", {
        "outcome": "upheld", "reason": "De samenwerking maakt het plan voldoende."}))
    assert (decided["state"], decided["granted_amount"]) == ("approved", "300000.00")
    # 900.000,00 + 300.000,00 = 1.200.000,00 committed: the period's ceiling, nothing left.
    assert line(world, "2015-1") == ("1200000.00", "0.00", "1200000.00", "0.00", "0.00")
    kinds = [kind for kind, _text in letters(world.rif_applicant, proces)]
    assert kinds == ["rejection", "objection", "grant"]
    _rejection, (_k, on_objection), (_k2, grant) = letters(world.rif_applicant, proces)
    # Appeal (not a new objection) until 16 March + 6 weeks = Monday 27 April 2015, King's
    # Day, so Tuesday 28 April 2015. The new grant: 80% of 300.000,00 = 240.000,00 in three
    # yearly instalments of 80.000,00.
    says(on_objection, "RIF-2015-1-00003/2", "Datum 16 maart 2015", "Uw bezwaar is gegrond",
         "Wij herroepen het besluit van 10 februari 2015", "RIF-2015-1-00003/1",
         "U krijgt ten hoogste € 300.000,00", "RIF-2015-1-00003/3",
         "U heeft laten weten dat u niet gehoord wilt worden",
         "De samenwerking maakt het plan voldoende.", "tot en met 28 april 2015 beroep instellen",
         "namens deze, drs. M. Smit hoofd Bezwaar en Beroep")
    # Granted against the committee's advice: the grant refers to the decision on the
    # objection for its reasons (Awb 3:50), and does not claim to adopt the advice.
    says(grant, "ons eerdere besluit herroepen",
         "beslissing op uw bezwaar met kenmerk RIF-2015-1-00003/2")
    assert "Wij nemen het advies" not in grant
    says(grant, "RIF-2015-1-00003/3", "U krijgt ten hoogste € 300.000,00",
         "1 1 augustus 2015 € 80.000,00", "3 1 augustus 2017 € 80.000,00",
         f"op grond van artikel 5 van de {REGULATION['rif'][0]}", "RIF-2015-1-00003/2",
         "namens deze, drs. M. Smit hoofd Bezwaar en Beroep")

    # -- Monday 3 August 2015: the first yearly advance of all three, to the institution ---
    at(clock, 2015, 8, 3, 8)
    run, transfers, executes = pay(world, "2015-08-03")
    assert transfers == [
        ("133333.33", INSTITUTION_IBAN, "ROC Noord", "RIF-2015-1-00001 voorschot 1/3"),
        ("106666.66", INSTITUTION_IBAN, "ROC Noord", "RIF-2015-1-00002 voorschot 1/3"),
        ("80000.00", INSTITUTION_IBAN, "ROC Noord", "RIF-2015-1-00003 voorschot 1/3")]
    # 133.333,33 + 106.666,66 + 80.000,00 = 319.999,99
    assert (run["total"], executes) == ("319999.99", "2015-08-03")
    assert line(world, "2015-1") == ("1200000.00", "0.00", "1200000.00", "319999.99", "0.00")
    for number in (centrum, zorg, proces):
        assert ok(world.rif_applicant.get(number))["state"] == "monitored"
