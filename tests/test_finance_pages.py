"""Finance's pages, downloads and bookings by hand: the same figures everywhere, and nothing
booked that the ledger refuses."""

import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from grants.budget.charts import commitment_series, date_ticks, value_axis
from grants.budget.manual import book_by_hand
from grants.extensions import db
from grants.forms.finance import AmountError, parse_amount
from grants.models import Bucket, Budget, BudgetLine, EntryKind, LedgerEntry, Role
from grants.money import format_eur
from grants.services.tokens import create_token
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.workflows.scenarios import PARTLY
from tests.workflows.test_lifecycles import ok

T2 = "Tweede aanvraagtijdvak"
BETA = "beta-docenten"
# Two sector plans approved on T2 (€ 450.000,00 and the € 500.166,66 asked), the first paid
# an advance of € 360.000,00.
T2_COMMITTED = 450_000_00 + 500_166_66
T2_PAID = 360_000_00
# In 2014, before the amendment to € 205 mln of 14 January 2015.
T2_CEILING = 200_000_000_00


# -- helpers ----------------------------------------------------------------------------------

class _Rows(HTMLParser):
    """Every table row of a page as a list of its cells' texts."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            # Collapse the markup's spaces, but keep the no-break space of "€ 1,00".
            text = re.sub(r"[ \t\r\n]+", " ", "".join(self._cell))
            self.rows[-1].append(text.strip(" "))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def row_named(html: str, name: str) -> list[str]:
    matches = [row for row in table_rows(html) if row and row[0] == name]
    assert len(matches) == 1, (name, matches)
    return matches[0]


XLSX_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _xml(text: str | bytes) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314  (our own output, not untrusted input)


def xlsx_rows(data: bytes) -> list[list[str | None]]:
    """The first sheet's rows: text for strings, the stored digits for numbers."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        strings = [si.findtext("m:t", namespaces=XLSX_NS) for si in
                   _xml(book.read("xl/sharedStrings.xml")).findall("m:si", XLSX_NS)]
        sheet = _xml(book.read("xl/worksheets/sheet1.xml"))
        styles = book.read("xl/styles.xml").decode()
    assert 'formatCode="#,##0.00"' in styles
    rows = []
    for row in sheet.iter(f"{{{XLSX_NS['m']}}}row"):
        cells = {}
        for cell in row.findall("m:c", XLSX_NS):
            column = re.match(r"[A-Z]+", cell.get("r")).group()
            value = cell.findtext("m:v", namespaces=XLSX_NS)
            cells[column] = strings[int(value)] if cell.get("t") == "s" else value
        width = max(ord(c) - 64 for c in cells) if cells else 0
        rows.append([cells.get(chr(65 + i)) for i in range(width)])
    return rows


def line(code: str) -> BudgetLine:
    return db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == code)).one()


def entry_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))


def approve(world, amount: str | None = None) -> int:
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment",
                           {"recommendation": "positive", "reasoning": "Goed plan."}))
    ok(world.approver.fire(number, "approve", {"amount": amount, **PARTLY} if amount else {}))
    return number


@pytest.fixture
def t2_plans(world, clock):
    first = approve(world, "450000.00")
    clock.advance(days=3)
    second = approve(world)
    clock.advance(days=2)
    ok(world.finance.fire(first, "pay_advance", {"amount": "360000.00"}))
    return first, second


def book(client, line_id: int, **data):
    data.setdefault("csrf_token", csrf_token(client, f"/financien/regels/{line_id}"))
    return client.post(f"/financien/regels/{line_id}/boekingen", data=data)


# -- one set of figures, wherever they are shown ----------------------------------------------

def test_every_door_shows_the_same_amounts_for_t2(app, client, clock, login_as, world,
                                                  t2_plans):
    t2 = line("T2")
    remaining = T2_CEILING - T2_COMMITTED
    euros = [T2_CEILING, 0, T2_COMMITTED, T2_PAID, remaining]
    shown = [format_eur(cents) for cents in euros]
    login_as(world.finance.user)

    overview = client.get("/financien/budgetten")
    assert overview.status_code == 200
    assert row_named(overview.get_data(as_text=True), T2)[1:] == [*shown, "0,4%"]

    budget_page = client.get(f"/financien/budgetten/{t2.budget_id}")
    assert row_named(budget_page.get_data(as_text=True), T2)[1:] == [*shown, "0,4%"]

    line_page = client.get(f"/financien/regels/{t2.id}").get_data(as_text=True)
    for label, cents in zip(("Plafond", "Gereserveerd", "Verplicht", "Betaald", "Resterend"),
                            euros, strict=True):
        assert re.search(rf"<dt>{label}</dt><dd>{re.escape(format_eur(cents))}", line_page), label

    decimals = [f"{Decimal(cents).scaleb(-2):.2f}" for cents in euros]
    report = list(csv.DictReader(io.StringIO(
        client.get("/financien/budgetten.csv").get_data(as_text=True))))
    csv_t2 = next(row for row in report if row["Regel"] == "T2")
    assert [csv_t2[c] for c in ("Plafond", "Gereserveerd", "Verplicht", "Betaald (netto)",
                                "Resterend")] == decimals
    assert csv_t2["Benut (%)"] == "0.4"

    sheet = xlsx_rows(client.get("/financien/budgetten.xlsx").get_data())
    xlsx_t2 = next(row for row in sheet if row[2] == "T2")
    assert [xlsx_t2[i] for i in (4, 5, 6, 7, 9)] == decimals

    token = create_token(world.finance.user, clock())[1]
    budgets = client.get("/api/v1/budgets", headers={"Authorization": f"Bearer {token}"})
    api_t2 = next(item for budget in budgets.get_json()["items"] for item in budget["lines"]
                  if item["code"] == "T2")
    assert [api_t2[k] for k in ("ceiling", "reserved", "committed", "disbursed",
                                "remaining")] == decimals

    cli = app.test_cli_runner().invoke(args=["grants", "budget", "report"])
    assert cli.exit_code == 0, cli.output
    cli_t2 = next(text for text in cli.output.splitlines() if T2 in text)
    assert re.findall(r"€\s?[\d.]+,\d\d", cli_t2) == shown
    assert cli_t2.rstrip().endswith("0,4%")


def test_line_page_lists_applications_and_entries(client, login_as, world, t2_plans):
    first, second = t2_plans
    login_as(world.finance.user)
    html = client.get(f"/financien/regels/{line('T2').id}").get_data(as_text=True)
    rows = table_rows(html)

    first_ref, second_ref = "SP-T2-00001", "SP-T2-00002"
    assert f'href="/aanvragen/{first}">{first_ref}</a>' in html
    assert [first_ref, "Metaalwerkgevers", "In uitvoering", format_eur(0),
            format_eur(450_000_00), format_eur(T2_PAID)] in rows
    assert [second_ref, "Metaalwerkgevers", "Verleend", format_eur(0),
            format_eur(500_166_66), format_eur(0)] in rows

    entries = [row for row in rows if len(row) == 7 and row[0] != "Datum en tijd"]
    # Newest first: the advance, then the two approvals.
    assert [row[1:6] for row in entries] == [
        ["betalen", format_eur(T2_PAID), first_ref, "Voorschot betalen", "finance"],
        ["verplichten", format_eur(500_166_66), second_ref, "Verlenen", "approver"],
        ["verplichten", format_eur(450_000_00), first_ref, "Verlenen", "approver"],
    ]
    assert entries[-1][0] == "1 april 2014 09:00"


def test_entry_downloads_hold_the_lines_entries(client, login_as, world, t2_plans):
    t2 = line("T2")
    login_as(world.finance.user)

    response = client.get(f"/financien/regels/{t2.id}/boekingen.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="boekingen-T2-2014-04-06.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Datum en tijd", "Soort", "Vrijgegeven uit", "Bedrag", "Aanvraag",
                       "Oorzaak", "Door", "Reden"]
    # Oldest first; the amounts in euros with a decimal point.
    assert [row[:7] for row in rows[1:]] == [
        ["2014-04-01T09:00:00+02:00", "verplichten", "", "450000.00", "SP-T2-00001",
         "Verlenen", "approver"],
        ["2014-04-04T09:00:00+02:00", "verplichten", "", "500166.66", "SP-T2-00002",
         "Verlenen", "approver"],
        ["2014-04-06T09:00:00+02:00", "betalen", "", "360000.00", "SP-T2-00001",
         "Voorschot betalen", "finance"],
    ]

    response = client.get(f"/financien/regels/{t2.id}/boekingen.xlsx")
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="boekingen-T2-2014-04-06.xlsx"'
    sheet = xlsx_rows(response.get_data())
    assert sheet[0][:4] == ["Datum en tijd", "Soort", "Vrijgegeven uit", "Bedrag"]
    assert [(row[1], row[3], row[4]) for row in sheet[1:]] == [
        ("verplichten", "450000.00", "SP-T2-00001"),
        ("verplichten", "500166.66", "SP-T2-00002"),
        ("betalen", "360000.00", "SP-T2-00001"),
    ]


def test_overview_downloads_have_a_row_per_budget_and_line(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    response = client.get("/financien/budgetten.csv")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="budgetten-2014-04-01.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    budgets = db.session.scalars(sa.select(Budget).order_by(Budget.id)).all()
    assert [row["Soort"] for row in rows].count("budget") == len(budgets)
    assert len(rows) == len(budgets) + sum(len(b.lines) for b in budgets)
    beta = next(row for row in rows if row["Soort"] == "budget" and row["Budget"] == BETA)
    assert beta["Plafond"] == "100000000.00" and beta["Niet over regels verdeeld"] == "0.00"
    sectorplans = next(row for row in rows if row["Budget"] == "sectorplannen")
    # Every euro of the € 600 mln sits in a line.
    assert sectorplans["Niet over regels verdeeld"] == "0.00"

    sheet = xlsx_rows(client.get("/financien/budgetten.xlsx").get_data())
    assert len(sheet) == len(rows) + 1
    assert next(row for row in sheet if row[1] == BETA)[4] == "100000000.00"


# -- who may look, who may book ---------------------------------------------------------------

FINANCE_PAGES = ["/financien/budgetten", "/financien/budgetten.csv", "/financien/budgetten.xlsx",
                 "/financien/budgetten/{budget}", "/financien/regels/{line}",
                 "/financien/regels/{line}/boekingen.csv",
                 "/financien/regels/{line}/boekingen.xlsx"]


@pytest.mark.parametrize("path", FINANCE_PAGES)
@pytest.mark.parametrize("role", list(Role))
def test_only_finance_and_admin_see_the_finance_pages(client, login_as, schemes, path, role):
    beta = line(BETA)
    login_as(UserFactory(role=role))
    response = client.get(path.format(budget=beta.budget_id, line=beta.id))
    assert response.status_code == (200 if role in (Role.FINANCE, Role.ADMIN) else 403)


def test_anonymous_visitors_go_to_the_login_page(client, schemes):
    response = client.get(f"/financien/regels/{line(BETA).id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_missing_budget_or_line_is_not_found(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    assert client.get("/financien/budgetten/999999").status_code == 404
    assert client.get("/financien/regels/999999").status_code == 404
    assert client.get("/financien/regels/999999/boekingen.csv").status_code == 404


def test_admin_looks_but_gets_no_booking_form_and_cannot_book(client, login_as, schemes):
    beta = line(BETA)
    login_as(UserFactory(role=Role.ADMIN))
    page = client.get(f"/financien/regels/{beta.id}").get_data(as_text=True)
    assert "Met de hand boeken" not in page and "/boekingen\"" not in page
    assert "Op deze regel boekt alleen Financiën met de hand." in page
    before = entry_count()
    response = book(client, beta.id, kind="commit", amount="100", reason="Beheer probeert")
    assert response.status_code == 403
    assert entry_count() == before and line(BETA).committed_cents == 0


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER])
def test_others_cannot_book(client, login_as, schemes, role):
    login_as(UserFactory(role=role))
    response = book(client, line(BETA).id, kind="commit", amount="100", reason="Poging",
                    csrf_token=csrf_token(client, "/"))
    assert response.status_code == 403
    assert entry_count() == 0


def test_landing_page_and_menu_lead_to_the_budgets(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/financien/budgetten"' in home
    assert "Naar de budgetten" in home
    page = client.get("/financien/budgetten").get_data(as_text=True)
    assert '<a href="/financien/" aria-current="page">Financiën</a>' in page


# -- booking by hand --------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["1.234.567,89", "1234567,89", "1234567.89",
                                   "€ 1.234.567,89"])
def test_finance_books_by_hand(client, login_as, schemes, typed):
    beta = line(BETA)
    finance = UserFactory(role=Role.FINANCE, name="Esther Boekhouder")
    login_as(finance)
    response = book(client, beta.id, kind="commit", amount=typed,
                    reason="Subsidie zij-instroom 2014")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/financien/regels/{beta.id}"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (f"Geboekt: {format_eur(1_234_567_89)} verplicht op "
            f"{beta.name}.") in page
    assert line(BETA).committed_cents == 1_234_567_89
    entry = db.session.scalars(sa.select(LedgerEntry)).one()
    assert (entry.kind, entry.amount_cents, entry.cause, entry.actor_id, entry.reason) == (
        EntryKind.COMMIT, 1_234_567_89, "manual", finance.id, "Subsidie zij-instroom 2014")
    entries = [row for row in table_rows(page) if len(row) == 7]
    assert entries[1][1:] == ["verplichten", format_eur(1_234_567_89), "geen", "handmatig",
                              "Esther Boekhouder", "Subsidie zij-instroom 2014"]


def test_every_kind_can_be_booked_by_hand(client, login_as, schemes):
    beta = line(BETA)
    login_as(UserFactory(role=Role.FINANCE))
    steps = [("reserve", "1000"), ("release_reserved", "400"), ("commit", "5000"),
             ("disburse", "3000"), ("recover", "500"), ("release_committed", "1000")]
    for kind, amount in steps:
        response = book(client, beta.id, kind=kind, amount=amount, reason=f"Stap {kind}")
        assert response.status_code == 302, response.get_data(as_text=True)
    beta = line(BETA)
    assert (beta.reserved_cents, beta.committed_cents, beta.disbursed_cents,
            beta.recovered_cents) == (600_00, 4000_00, 3000_00, 500_00)
    buckets = db.session.scalars(sa.select(LedgerEntry.bucket).where(
        LedgerEntry.kind == EntryKind.RELEASE).order_by(LedgerEntry.id)).all()
    assert buckets == [Bucket.RESERVED, Bucket.COMMITTED]
    page = client.get(f"/financien/regels/{beta.id}").get_data(as_text=True)
    assert "vrijgeven <span class=\"muted\">(verplichting)</span>" in page
    assert "vrijgeven <span class=\"muted\">(reservering)</span>" in page


def test_booking_over_the_ceiling_is_refused_and_changes_nothing(client, login_as, schemes):
    beta = line(BETA)
    login_as(UserFactory(role=Role.FINANCE))
    assert book(client, beta.id, kind="commit", amount="99.999.000,00",
                reason="Bijna alles").status_code == 302
    before = entry_count()

    response = book(client, beta.id, kind="commit", amount="1.000,01", reason="Te veel")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    left = format_eur(1000_00)
    assert f"Subsidieplafond bereikt: {left} resterend." in page
    # Next to the amount, and in the summary, linking to it.
    assert re.search(r'id="amount-error">.*Er is ' + re.escape(left), page)
    assert '<a href="#amount">Er is ' + left in page
    assert 'value="1.000,01"' in page  # what was typed stays in the field
    assert entry_count() == before
    assert line(BETA).committed_cents == 99_999_000_00


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"kind": "commit", "amount": "100", "reason": "  "}, "reason",
     "Geef de reden van de boeking."),
    ({"amount": "100", "reason": "Geen soort"}, "kind", "Kies de soort boeking."),
    ({"kind": "commit", "amount": "", "reason": "Geen bedrag"}, "amount", "Vul het bedrag in."),
    ({"kind": "commit", "amount": "1.500", "reason": "Dubbelzinnig"}, "amount",
     "“1.500” is niet eenduidig: bedoelt u 1500 euro of 1,5 euro?"),
    ({"kind": "commit", "amount": "12,345", "reason": "Dubbelzinnig"}, "amount",
     "niet eenduidig"),
    ({"kind": "commit", "amount": "1,234.56", "reason": "Engels"}, "amount", "geen bedrag"),
    ({"kind": "commit", "amount": "-5", "reason": "Negatief"}, "amount", "positief bedrag"),
    ({"kind": "disburse", "amount": "10", "reason": "Niets verplicht"}, "amount",
     "laat deze boeking niet toe"),
])
def test_refused_bookings_say_why_next_to_the_field(client, login_as, schemes, data, field,
                                                    message):
    login_as(UserFactory(role=Role.FINANCE))
    response = book(client, line(BETA).id, **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1), page
    assert entry_count() == 0


def test_a_scheme_line_is_not_booked_by_hand(client, login_as, world, t2_plans):
    t2 = line("T2")
    login_as(world.finance.user)
    page = client.get(f"/financien/regels/{t2.id}").get_data(as_text=True)
    assert "Met de hand boeken" not in page
    before = (entry_count(), t2.committed_cents)
    response = book(client, t2.id, kind="commit", amount="100", reason="Buiten de aanvragen")
    assert response.status_code == 422
    assert "wordt geboekt via de aanvragen, niet met de hand" in response.get_data(as_text=True)
    assert (entry_count(), line("T2").committed_cents) == before


def test_booking_needs_the_forms_csrf_token(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    response = book(client, line(BETA).id, kind="commit", amount="100", reason="x",
                    csrf_token="vervalst")
    assert response.status_code in (400, 422)
    assert entry_count() == 0


def test_entries_are_paginated_fifty_to_a_page(client, login_as, schemes, clock):
    beta = line(BETA)
    finance = UserFactory(role=Role.FINANCE)
    for number in range(1, 56):
        clock.advance(minutes=1)
        book_by_hand(beta.id, EntryKind.COMMIT, 100 * number, reason=f"Boeking {number}",
                     actor=finance, now=clock())
    db.session.commit()
    login_as(finance)
    first = client.get(f"/financien/regels/{beta.id}").get_data(as_text=True)
    assert "55 boekingen, de nieuwste eerst." in first
    assert "Pagina 1 van 2" in first and "Boeking 55" in first and "Boeking 5<" not in first
    assert f'href="/financien/regels/{beta.id}?page=2#boekingen">Volgende</a>' in first
    second = client.get(f"/financien/regels/{beta.id}?page=2").get_data(as_text=True)
    assert "Pagina 2 van 2" in second and "Boeking 5<" in second and "Boeking 55" not in second
    rows = list(csv.reader(io.StringIO(
        client.get(f"/financien/regels/{beta.id}/boekingen.csv").get_data(as_text=True))))
    assert len(rows) == 56 and rows[1][-1] == "Boeking 1"


def test_text_that_looks_like_a_formula_is_defused_in_the_csv(client, login_as, schemes):
    finance = UserFactory(role=Role.FINANCE, name="=HYPERLINK(\"x\")")
    book_by_hand(line(BETA).id, EntryKind.COMMIT, 100, reason="+31 tranche", actor=finance,
                 now=datetime(2014, 4, 1, 8, tzinfo=UTC))
    db.session.commit()
    login_as(finance)
    rows = list(csv.reader(io.StringIO(
        client.get(f"/financien/regels/{line(BETA).id}/boekingen.csv").get_data(as_text=True))))
    assert rows[1][6:] == ["'=HYPERLINK(\"x\")", "'+31 tranche"]
    sheet = xlsx_rows(client.get(f"/financien/regels/{line(BETA).id}/boekingen.xlsx")
                      .get_data())
    assert sheet[1][6:] == ["=HYPERLINK(\"x\")", "+31 tranche"]  # text cells, never formulas


# -- the chart --------------------------------------------------------------------------------

def _svg(page: str) -> ET.Element:
    match = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg".*?</svg>',
                      page, re.S)
    assert match, "no chart on the page"
    return _xml(match.group(0))


SVG = "{http://www.w3.org/2000/svg}"


def test_budget_page_charts_commitments_against_the_ceiling(client, login_as, world,
                                                            t2_plans):
    budget = line("T2").budget
    login_as(world.finance.user)
    page = client.get(f"/financien/budgetten/{budget.id}").get_data(as_text=True)
    svg = _svg(page)
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert budget.name in title.text
    assert f"verplicht {format_eur(T2_COMMITTED)}" in desc.text
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert f"Plafond {format_eur(budget.ceiling_cents)}" in texts
    assert "€ 0" in texts and "€ 700.000.000" in texts  # Dutch notation on the value axis
    assert "jan 2014" in texts  # and Dutch dates on the time axis
    ceiling = svg.find(f"{SVG}line[@class='chart__ceiling']")
    assert ceiling.get("y1") == ceiling.get("y2")

    # The table beside it: the balance after each day with a change.
    rows = [row for row in table_rows(page) if len(row) == 6 and row[0] != "Datum"]
    assert [row[:3] for row in rows] == [
        ["1 april 2014", format_eur(450_000_00), format_eur(0)],
        ["4 april 2014", format_eur(T2_COMMITTED), format_eur(0)],
    ]
    assert rows[-1][4] == format_eur(budget.ceiling_cents - T2_COMMITTED)


def test_series_counts_releases_per_day(schemes):
    beta = line(BETA)
    finance = UserFactory(role=Role.FINANCE)
    days = [datetime(2014, 4, 1, 8, tzinfo=UTC), datetime(2014, 4, 1, 21, 30, tzinfo=UTC),
            datetime(2014, 5, 1, 8, tzinfo=UTC), datetime(2014, 6, 1, 8, tzinfo=UTC)]
    book_by_hand(beta.id, EntryKind.RESERVE, 500_00, reason="r", actor=finance, now=days[0])
    # 23:30 in Amsterdam: still 1 April.
    book_by_hand(beta.id, EntryKind.COMMIT, 2000_00, reason="c", actor=finance, now=days[1])
    book_by_hand(beta.id, EntryKind.RELEASE, 200_00, reason="v", actor=finance, now=days[2],
                 bucket=Bucket.RESERVED)
    book_by_hand(beta.id, EntryKind.DISBURSE, 1000_00, reason="b", actor=finance, now=days[2])
    book_by_hand(beta.id, EntryKind.RELEASE, 300_00, reason="v", actor=finance, now=days[3],
                 bucket=Bucket.COMMITTED)
    points = commitment_series(beta.budget_id)
    assert [(p.day.isoformat(), p.reserved, p.committed) for p in points] == [
        ("2014-04-01", 500_00, 2000_00),
        ("2014-05-01", 300_00, 2000_00),
        ("2014-06-01", 300_00, 1700_00),
    ]
    final = line(BETA)
    assert (points[-1].reserved, points[-1].committed) == (final.reserved_cents,
                                                           final.committed_cents)


def test_a_budget_without_commitments_says_so(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    page = client.get(f"/financien/budgetten/{line(BETA).budget_id}").get_data(as_text=True)
    assert "Op dit budget is nog niets gereserveerd of verplicht." in page
    assert "chart__svg" not in page


def test_axis_steps_and_date_ticks():
    assert value_axis(100_000_000_00) == (120_000_000_00, 20_000_000_00)
    assert value_axis(600_000_000_00) == (700_000_000_00, 100_000_000_00)
    assert value_axis(0) == (100, 100)
    from datetime import date

    assert [label for _d, label in date_ticks(date(2013, 1, 1), date(2016, 12, 31))] == [
        "2013", "2014", "2015", "2016"]
    assert len(date_ticks(date(2014, 4, 1), date(2014, 4, 3))) == 3


# -- amounts as people type them --------------------------------------------------------------

@pytest.mark.parametrize(("typed", "cents"), [
    ("1.234,56", 123456), ("1234,56", 123456), ("1234.56", 123456), ("€ 1.234,56", 123456),
    ("1234", 123400), ("1.234.567", 123456700), ("0,01", 1), ("1,5", 150), ("1.5", 150),
    (" 12,30 ", 1230),
])
def test_amounts_in_dutch_or_with_a_decimal_point(typed, cents):
    assert parse_amount(typed) == cents


@pytest.mark.parametrize("typed", ["1.500", "1,500", "12.345", "1,234.56", "1.234,567",
                                   "1234,567", "abc", "", "0", "0,00", "-1", "1 234",
                                   "1.23.456", "99999999999999"])
def test_amounts_that_could_be_misread_are_refused(typed):
    with pytest.raises(AmountError):
        parse_amount(typed)
