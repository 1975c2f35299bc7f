"""Finance's tables of the ledger and their downloads (grants/budget/downloads.py), rule by rule,
with hand-computed figures (issue 19; bench/mutation.py --module grants/budget/downloads.py).

Rules (shared/domain.md §6, README "Budgets and the ledger" and "Languages"):
- money is integer cents or Decimal, never float; in a download it is a number in euros with
  two decimals (``2700.00`` in the CSV, a number cell formatted ``#,##0.00`` in Excel);
- the downloads stay Dutch whatever the page's language: Dutch labels, times in Amsterdam;
- the overview's figures are the budget report's: remaining = ceiling − reserved − committed,
  % used rounded down to a tenth, and what a budget has not divided over its lines;
- what an application holds on a line is the sum of its ledger entries on that line: reserved =
  reservations − releases of reservations, committed = commitments − releases of commitments,
  paid = payments − recoveries;
- a line's entries are listed newest first, fifty to a page, and oldest first in a download;
- text that a spreadsheet would run as a formula is defused (CSV injection); in Excel every
  text is a text cell.

Mutants that cannot change behaviour (read by bench/mutation.py), why in full:
- _signed: a bucket is set on releases only (the database's CHECK "release_bucket"), so testing
  the bucket alone (7) picks the same entries; holding_page sums over the groups of entries that
  exist (GROUP BY application_id), so every SUM has at least one row: with ELSE 0 it is never
  NULL and COALESCE's fallback (11: none, 20: 1) is never used, and with ELSE NULL (16, 18: no
  ELSE) SUM skips the NULLs and COALESCE turns an all-NULL group into 0 as before.
- entry_page and holding_page: Flask-SQLAlchemy caps per_page by max_per_page only when it comes
  from the request; here both are 50 and given (max_per_page None or left out: entry_page 5, 10,
  holding_page 9, 14). error_out=None (entry_page 6, holding_page 10) is false like False.
- holding_page 26: ``sums`` starts as None instead of {}, read only for the applications of the
  page, of which there are none when it is not filled. 33: without the filter on the page's
  applications the query also sums the others on the line, which are never looked up.
- _entry_rows 4: querying with no ids (``ids or True``) finds no references, as {} has none.
- to_xlsx 4, 6, 7, 8, 9: without in_memory XlsxWriter assembles the same file through temporary
  files. 37: XlsxWriter lowercases the alignment, so "TOP" is "top".

equivalent: grants.budget.downloads.x__signed__mutmut_7 — bucket implies release
equivalent: grants.budget.downloads.x__signed__mutmut_11 — SUM never NULL
equivalent: grants.budget.downloads.x__signed__mutmut_16 — ELSE NULL, skipped by SUM
equivalent: grants.budget.downloads.x__signed__mutmut_18 — no ELSE, skipped by SUM
equivalent: grants.budget.downloads.x__signed__mutmut_20 — SUM never NULL
equivalent: grants.budget.downloads.x_entry_page__mutmut_5 — max_per_page unused
equivalent: grants.budget.downloads.x_entry_page__mutmut_6 — error_out None is false
equivalent: grants.budget.downloads.x_entry_page__mutmut_10 — max_per_page unused
equivalent: grants.budget.downloads.x_holding_page__mutmut_9 — max_per_page unused
equivalent: grants.budget.downloads.x_holding_page__mutmut_10 — error_out None is false
equivalent: grants.budget.downloads.x_holding_page__mutmut_14 — max_per_page unused
equivalent: grants.budget.downloads.x_holding_page__mutmut_26 — sums None, never read
equivalent: grants.budget.downloads.x_holding_page__mutmut_33 — extra sums never read
equivalent: grants.budget.downloads.x__entry_rows__mutmut_4 — no ids, no references
equivalent: grants.budget.downloads.x_to_xlsx__mutmut_4 — same file via temporary files
equivalent: grants.budget.downloads.x_to_xlsx__mutmut_6 — same file via temporary files
equivalent: grants.budget.downloads.x_to_xlsx__mutmut_7 — same file via temporary files
equivalent: grants.budget.downloads.x_to_xlsx__mutmut_8 — same file via temporary files
equivalent: grants.budget.downloads.x_to_xlsx__mutmut_9 — same file via temporary files
equivalent: grants.budget.downloads.x_to_xlsx__mutmut_37 — "TOP" lowercased to "top"
"""

import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from grants.budget import downloads, ledger
from grants.budget.downloads import (
    ENTRY_COLUMNS,
    OVERVIEW_COLUMNS,
    PER_PAGE,
    EntryRow,
    Holding,
    cause_label,
    entries_csv,
    entries_xlsx,
    entry_rows,
    euro_amount,
    overview_csv,
    overview_rows,
    overview_xlsx,
    percent_used,
    to_csv,
    to_xlsx,
)
from grants.budget.report import BudgetFigures, Figures, LineFigures
from grants.extensions import db
from grants.models import (
    ApplicationState,
    Bucket,
    Budget,
    BudgetLine,
    EntryKind,
    Ministry,
    Role,
)
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory

K = EntryKind
D = Decimal

# -- reading an .xlsx back ----------------------------------------------------------------------

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314  (our own output, not untrusted input)


def read_xlsx(data: bytes) -> SimpleNamespace:
    """The one sheet as a reader of the file sees it: every cell with its value (text for text
    cells, the stored digits for numbers), its number format and the header's looks."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        strings = [si.findtext("m:t", namespaces=NS) or "" for si in
                   _xml(book.read("xl/sharedStrings.xml")).findall("m:si", NS)]
        sheet = _xml(book.read("xl/worksheets/sheet1.xml"))
        styles = _xml(book.read("xl/styles.xml"))
        workbook = _xml(book.read("xl/workbook.xml"))
        core = book.read("docProps/core.xml").decode()
        app = book.read("docProps/app.xml").decode()
    formats = {fmt.get("numFmtId"): fmt.get("formatCode")
               for fmt in styles.iter(f"{M}numFmt")}
    fonts = [font.find(f"{M}b") is not None for font in styles.find(f"{M}fonts")]
    borders = [border.find(f"{M}bottom").get("style") for border in styles.find(f"{M}borders")]
    looks = []
    for xf in styles.find(f"{M}cellXfs"):
        alignment = xf.find(f"{M}alignment")
        looks.append({
            "format": formats.get(xf.get("numFmtId")), "bold": fonts[int(xf.get("fontId"))],
            "bottom": borders[int(xf.get("borderId"))],
            "wrap": alignment is not None and alignment.get("wrapText") == "1",
            "valign": alignment.get("vertical") if alignment is not None else None})
    cells = {}
    for cell in sheet.iter(f"{M}c"):
        value = cell.findtext("m:v", namespaces=NS)
        text = cell.get("t") == "s"
        cells[cell.get("r")] = SimpleNamespace(
            value=strings[int(value)] if text and value is not None else value, text=text,
            **looks[int(cell.get("s", "0"))])
    pane = sheet.find(f".//{M}pane")
    return SimpleNamespace(
        cells=cells,
        # Neighbouring columns of one width are stored as one <col min max>.
        widths=[float(col.get("width")) for col in sheet.iter(f"{M}col")
                for _ in range(int(col.get("min")), int(col.get("max")) + 1)],
        pane=None if pane is None else (pane.get("ySplit"), pane.get("xSplit"),
                                        pane.get("topLeftCell"), pane.get("state")),
        autofilter=sheet.find(f"{M}autoFilter").get("ref"),
        sheet_name=workbook.find(f".//{M}sheet").get("name"),
        title=re.search(r"<dc:title>(.*?)</dc:title>", core).group(1),
        author=re.search(r"<dc:creator>(.*?)</dc:creator>", core).group(1),
        company=re.search(r"<Company>(.*?)</Company>", app).group(1))


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# -- money and labels -------------------------------------------------------------------------

@pytest.mark.no_db
def test_a_download_amount_is_euros_with_two_decimals_made_exactly_from_cents():
    for cents, euros in [(270000, "2700.00"), (1, "0.01"), (10, "0.10"), (0, "0.00"),
                         (20_500_000_000, "205000000.00"), (-5, "-0.05")]:
        amount = euro_amount(cents)
        assert isinstance(amount, Decimal)
        assert str(amount) == euros


@pytest.mark.no_db
def test_percent_used_is_reserved_and_committed_over_the_ceiling_rounded_down_to_a_tenth():
    def used(ceiling, reserved, committed):
        return str(percent_used(Figures(code="x", name="x", ceiling=ceiling, reserved=reserved,
                                        committed=committed, disbursed=0, recovered=0)))
    # (100 + 275,50) / 1000 = 37,55% → 37,5; 1 / 3 = 33,33…% → 33,3.
    assert used(1000_00, 100_00, 275_50) == "37.5"
    assert used(3_00, 1_00, 0) == "33.3"
    assert used(8_00, 0, 8_00) == "100.0"
    assert used(0, 0, 0) == "0.0"


@pytest.mark.no_db
def test_the_cause_of_an_entry_is_the_triggers_dutch_name_or_handmatig():
    assert cause_label("manual") == "handmatig"
    assert cause_label("approve") == "Verlenen"
    assert cause_label("pay_advance") == "Voorschot betalen"
    # A cause without a label is shown as it is rather than lost.
    assert cause_label("onbekend_ding") == "onbekend_ding"


def entry(kind=K.COMMIT, bucket=None, **fields) -> EntryRow:
    values = dict(id=1, at=datetime(2014, 4, 1, 7, tzinfo=UTC), kind=kind, bucket=bucket,
                  amount=100, application_id=None, reference=None, cause="manual", actor=None,
                  reason="")
    return EntryRow(**{**values, **fields})


@pytest.mark.no_db
def test_every_kind_of_entry_and_every_bucket_has_its_dutch_name():
    names = {K.RESERVE: "reserveren", K.COMMIT: "verplichten", K.RELEASE: "vrijgeven",
             K.DISBURSE: "betalen", K.RECOVER: "terugvorderen"}
    for kind, name in names.items():
        bucket = Bucket.RESERVED if kind == K.RELEASE else None
        assert entry(kind, bucket).kind_label == name
    assert entry(K.RELEASE, Bucket.RESERVED).bucket_label == "reservering"
    assert entry(K.RELEASE, Bucket.COMMITTED).bucket_label == "verplichting"
    assert entry(K.COMMIT).bucket_label == ""
    assert entry(K.COMMIT, cause="approve").cause_label == "Verlenen"


@pytest.mark.no_db
def test_a_holding_names_the_applications_state_in_dutch():
    holding = Holding(application_id=1, reference="SP-T2-00001", title="Plan", organisation="O",
                      state=ApplicationState.APPROVED, reserved=0, committed=1, paid=0)
    assert holding.state_label == "Verleend"


# -- the overview -----------------------------------------------------------------------------

def report() -> list[BudgetFigures]:
    """A budget of € 1.000,00 with lines of € 600,00 and € 300,00: € 100,00 is not divided."""
    first = LineFigures(code="b1", name="Regel 1", ceiling=600_00, reserved=100_00,
                        committed=275_50, disbursed=200_00, recovered=25_00, id=11, window=None,
                        category=None)
    second = LineFigures(code="b2", name="Regel 2", ceiling=300_00, reserved=0, committed=0,
                         disbursed=0, recovered=0, id=12, window=None, category=None)
    budget = BudgetFigures(code="beta", name="Bèta-budget", ceiling=1000_00, reserved=100_00,
                           committed=275_50, disbursed=200_00, recovered=25_00, id=1,
                           ministry="OCW", scheme=None, lines=(first, second))
    return [budget]


# The figures of report() worked out by hand: remaining 1000 − 100 − 275,50 = 624,50 (line 1:
# 600 − 375,50 = 224,50); used 375,50 / 1000 = 37,55% → 37,5 (line 1: 375,50 / 600 = 62,58% →
# 62,5); not divided over lines 1000 − 600 − 300 = 100,00.
OVERVIEW_CSV = (
    "Soort,Budget,Regel,Naam,Plafond,Gereserveerd,Verplicht,Betaald (netto),Teruggevorderd,"
    "Resterend,Niet over regels verdeeld,Benut (%)\r\n"
    "budget,beta,,Bèta-budget,1000.00,100.00,275.50,200.00,25.00,624.50,100.00,37.5\r\n"
    "regel,beta,b1,Regel 1,600.00,100.00,275.50,200.00,25.00,224.50,,62.5\r\n"
    "regel,beta,b2,Regel 2,300.00,0.00,0.00,0.00,0.00,300.00,,0.0\r\n")


@pytest.mark.no_db
def test_the_overview_has_a_row_per_budget_then_one_per_line_with_the_reports_figures():
    rows = overview_rows(report())
    assert [row[:4] for row in rows] == [["budget", "beta", "", "Bèta-budget"],
                                         ["regel", "beta", "b1", "Regel 1"],
                                         ["regel", "beta", "b2", "Regel 2"]]
    # Only a budget has money not divided over lines; a line leaves that cell empty.
    assert [row[10] for row in rows] == [D("100.00"), None, None]
    assert all(len(row) == len(OVERVIEW_COLUMNS) for row in rows)
    assert all(isinstance(value, Decimal) for row in rows for value in row[4:10])
    assert overview_csv(report()) == OVERVIEW_CSV


@pytest.mark.no_db
def test_the_overview_in_excel_holds_the_same_numbers_euros_and_percentages_formatted():
    book = read_xlsx(overview_xlsx(report()))
    assert (book.sheet_name, book.title) == ("Budgetten", "Budgetten van het Techniekpact")
    header = [book.cells[f"{chr(65 + i)}1"].value for i in range(len(OVERVIEW_COLUMNS))]
    assert header == list(OVERVIEW_COLUMNS)
    expected = csv_rows(OVERVIEW_CSV)[1:]
    for number, row in enumerate(expected, start=2):
        for column, value in enumerate(row):
            ref = f"{chr(65 + column)}{number}"
            if value == "":
                # Nothing written: not a zero, not an empty text.
                assert ref not in book.cells or book.cells[ref].value in (None, ""), ref
                continue
            cell = book.cells[ref]
            assert cell.value == value, ref
            assert cell.text == (column < 4), ref
            if column >= 4:
                assert cell.format == ("0.0" if column == 11 else "#,##0.00"), ref
    assert "K3" not in book.cells and book.cells["L3"].value == "62.5"
    assert book.autofilter == "A1:L4"
    assert [int(width) for width in book.widths] == [8, 16, 18, 48, 16, 16, 16, 16, 16, 16, 16,
                                                     10]


# -- a line's entries -------------------------------------------------------------------------

def two_entries() -> list[EntryRow]:
    approved = entry(id=1, at=datetime(2014, 4, 1, 7, tzinfo=UTC), kind=K.COMMIT,
                     amount=450_000_00, application_id=5, reference="SP-T2-00001",
                     cause="approve", actor="Anna Akkoord", reason="")
    # 12:30 UTC on 3 November is 13:30 in Amsterdam (winter time, +01:00).
    released = entry(id=2, at=datetime(2014, 11, 3, 12, 30, tzinfo=UTC), kind=K.RELEASE,
                     bucket=Bucket.COMMITTED, amount=1, cause="manual", actor=None,
                     reason="=SUM(A1)")
    return [approved, released]


@pytest.mark.no_db
def test_entry_rows_are_in_dutch_with_euros_and_blanks_for_what_is_missing():
    assert entry_rows(two_entries()) == [
        [datetime(2014, 4, 1, 7, tzinfo=UTC), "verplichten", "", D("450000.00"), "SP-T2-00001",
         "Verlenen", "Anna Akkoord", ""],
        [datetime(2014, 11, 3, 12, 30, tzinfo=UTC), "vrijgeven", "verplichting", D("0.01"), "",
         "handmatig", "", "=SUM(A1)"],
    ]
    assert entries_csv(two_entries()) == (
        "Datum en tijd,Soort,Vrijgegeven uit,Bedrag,Aanvraag,Oorzaak,Door,Reden\r\n"
        "2014-04-01T09:00:00+02:00,verplichten,,450000.00,SP-T2-00001,Verlenen,Anna Akkoord,"
        "\r\n"
        "2014-11-03T13:30:00+01:00,vrijgeven,verplichting,0.01,,handmatig,,'=SUM(A1)\r\n")


@pytest.mark.no_db
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_text_starting_like_a_formula_gets_a_quote_in_front(start):
    text = start + "HYPERLINK(\"x\")"
    assert csv_rows(to_csv(("Reden",), [[text]]))[1] == ["'" + text]


@pytest.mark.no_db
def test_csv_cells_numbers_times_and_harmless_text_are_written_as_they_are():
    moment = datetime(2015, 1, 14, 23, 30, tzinfo=UTC)  # 00:30 on 15 January in Amsterdam
    out = to_csv(("a", "b", "c", "d", "e", "f"),
                 [[D("-5.00"), moment, None, "a=b", 3, ""]])
    assert out == "a,b,c,d,e,f\r\n-5.00,2015-01-15T00:30:00+01:00,,a=b,3,\r\n"


@pytest.mark.no_db
def test_entries_in_excel_have_amsterdam_times_euro_numbers_and_text_never_a_formula():
    book = read_xlsx(entries_xlsx(SimpleNamespace(name="Regel 1"), two_entries()))
    assert (book.sheet_name, book.title) == ("Boekingen", "Boekingen op Regel 1")
    assert [book.cells[f"{chr(65 + i)}1"].value for i in range(8)] == list(ENTRY_COLUMNS)
    # Days since 30 December 1899 plus the fraction of the day, in Amsterdam time:
    # 1 April 2014 09:00 = 41730 + 9/24; 3 November 2014 13:30 = 41946 + 13.5/24.
    assert (book.cells["A2"].value, book.cells["A2"].format) == ("41730.375", "d-m-yyyy hh:mm")
    assert (book.cells["A3"].value, book.cells["A3"].format) == ("41946.5625",
                                                                 "d-m-yyyy hh:mm")
    assert (book.cells["D2"].value, book.cells["D2"].format) == ("450000.00", "#,##0.00")
    assert (book.cells["D3"].value, book.cells["D3"].format) == ("0.01", "#,##0.00")
    assert [book.cells[ref].value for ref in ("B2", "E2", "F2", "G2", "B3", "C3", "F3")] == [
        "verplichten", "SP-T2-00001", "Verlenen", "Anna Akkoord", "vrijgeven", "verplichting",
        "handmatig"]
    assert book.cells["H3"].value == "=SUM(A1)" and book.cells["H3"].text
    assert book.autofilter == "A1:H3"
    assert [int(width) for width in book.widths] == [17, 14, 15, 16, 20, 24, 22, 60]


@pytest.mark.no_db
def test_every_sheet_has_a_bold_frozen_header_a_filter_and_says_who_made_it():
    book = read_xlsx(to_xlsx("Blad", "Titel", ("Een", "Twee"), [], (10, 12)))
    header = book.cells["A1"]
    assert (header.value, header.bold, header.bottom, header.wrap, header.valign) == (
        "Een", True, "thin", True, "top")
    assert book.cells["B1"].value == "Twee" and book.cells["B1"].bold
    # The header stays in view when scrolling down (frozen below row 1, nothing to the left).
    assert book.pane == ("1", None, "A2", "frozen")
    # No rows: the filter covers the header alone.
    assert book.autofilter == "A1:B1"
    assert (book.author, book.company) == ("Techniekpact subsidies",
                                           "Nationaal Techniekpact 2020")
    assert [int(width) for width in book.widths] == [10, 12]


@pytest.mark.no_db
def test_only_the_named_columns_hold_percentages():
    book = read_xlsx(to_xlsx("Blad", "Titel", ("a", "b"), [[D("37.5"), D("37.50")]], (5, 5),
                             percent_columns=frozenset({0})))
    assert (book.cells["A2"].value, book.cells["A2"].format) == ("37.5", "0.0")
    assert (book.cells["B2"].value, book.cells["B2"].format) == ("37.50", "#,##0.00")
    plain = read_xlsx(to_xlsx("Blad", "Titel", ("a",), [[D("1.00")]], (5,)))
    assert plain.cells["A2"].format == "#,##0.00"


# -- from the ledger --------------------------------------------------------------------------

@pytest.fixture
def lines():
    budget = Budget(code="mutatie", name="Mutatiebudget", ministry=Ministry.SZW,
                    ceiling_cents=3_000_00, starts_on=date(2014, 1, 1),
                    ends_on=date(2015, 12, 31), scheme_id=None)
    a = BudgetLine(budget=budget, code="a", name="Regel A", ceiling_cents=2_000_00)
    b = BudgetLine(budget=budget, code="b", name="Regel B", ceiling_cents=1_000_00)
    db.session.add_all([budget, a, b])
    db.session.flush()
    return a, b


@pytest.fixture
def window(schemes):
    return next(w for w in schemes["sectorplan"].windows if w.code == "T2")


T0 = datetime(2014, 4, 1, 7, tzinfo=UTC)


def post(line, kind, cents, *, at=T0, application=None, bucket=None, actor=None,
         cause="manual", reason=""):
    return ledger.post(line, kind, cents, actor=actor, now=at, cause=cause,
                       application=application, bucket=bucket, reason=reason)


def test_a_line_lists_what_each_application_holds_there_by_reference(lines, window):
    a, b = lines
    organisation = OrganisationFactory(name="Metaalwerkgevers")
    later = ApplicationFactory(window=window, organisation=organisation, reference="SP-B",
                               title="Later", state=ApplicationState.MONITORED)
    earlier = ApplicationFactory(window=window, organisation=organisation, reference="SP-A",
                                 title="Eerder", state=ApplicationState.APPROVED)
    elsewhere = ApplicationFactory(window=window, organisation=organisation, reference="SP-0")
    steps = [(K.RESERVE, 300_00, None), (K.RELEASE, 100_00, Bucket.RESERVED),
             (K.COMMIT, 250_00, None), (K.RELEASE, 50_00, Bucket.COMMITTED),
             (K.DISBURSE, 120_00, None), (K.RECOVER, 20_00, None)]
    for kind, cents, bucket in steps:
        post(a, kind, cents, application=later, bucket=bucket)
    post(a, K.COMMIT, 400_00, application=earlier)
    # What they hold on another line is not this line's.
    post(b, K.COMMIT, 70_00, application=later)
    post(b, K.RESERVE, 10_00, application=elsewhere)

    page = downloads.holding_page(a.id, None)
    # later: reserved 300 − 100 = 200, committed 250 − 50 = 200, paid 120 − 20 = 100.
    assert page.items == [
        Holding(application_id=earlier.id, reference="SP-A", title="Eerder",
                organisation="Metaalwerkgevers", state=ApplicationState.APPROVED, reserved=0,
                committed=400_00, paid=0),
        Holding(application_id=later.id, reference="SP-B", title="Later",
                organisation="Metaalwerkgevers", state=ApplicationState.MONITORED,
                reserved=200_00, committed=200_00, paid=100_00),
    ]
    assert page.total == 2
    assert [h.reference for h in downloads.holding_page(b.id, 1).items] == ["SP-0", "SP-B"]
    assert [(h.committed, h.reserved) for h in downloads.holding_page(b.id, 1).items] == [
        (0, 10_00), (70_00, 0)]


def test_a_line_without_applications_lists_none(lines):
    a, _b = lines
    post(a, K.COMMIT, 5_00)
    page = downloads.holding_page(a.id, None)
    assert (page.items, page.total) == ([], 0)


def test_holdings_come_fifty_to_a_page_and_a_page_past_the_end_is_empty(lines, window):
    a, _b = lines
    organisation = OrganisationFactory()
    for number in range(PER_PAGE + 1):
        application = ApplicationFactory(window=window, organisation=organisation,
                                         reference=f"SP-{number:03d}")
        post(a, K.COMMIT, 1_00, application=application)
    first = downloads.holding_page(a.id, None)
    assert (len(first.items), first.page, first.pages) == (50, 1, 2)
    assert first.items[0].reference == "SP-000"
    second = downloads.holding_page(a.id, 2)
    assert [h.reference for h in second.items] == ["SP-050"]
    assert second.items[0].committed == 1_00
    assert downloads.holding_page(a.id, 9).items == []


def test_a_lines_entries_newest_first_fifty_to_a_page_and_oldest_first_for_download(lines):
    a, b = lines
    for number in range(PER_PAGE + 1):
        post(a, K.COMMIT, number + 1, at=T0 + timedelta(minutes=number),
             reason=f"Boeking {number + 1}")
    post(b, K.COMMIT, 1, reason="Andere regel")
    first = downloads.entry_page(a.id, None)
    assert (first.total, first.page, first.pages) == (51, 1, 2)
    assert [row.reason for row in first.items[:2]] == ["Boeking 51", "Boeking 50"]
    assert first.items[-1].reason == "Boeking 2"
    second = downloads.entry_page(a.id, 2)
    assert [row.reason for row in second.items] == ["Boeking 1"]
    assert downloads.entry_page(a.id, 9).items == []

    everything = downloads.all_entries(a.id)
    assert [row.amount for row in everything] == list(range(1, 52))


def test_entries_are_ordered_by_their_moment_not_by_when_they_were_entered(lines):
    a, _b = lines
    later = post(a, K.COMMIT, 2_00, at=T0 + timedelta(days=1))
    earlier = post(a, K.COMMIT, 1_00, at=T0)
    assert [row.id for row in downloads.all_entries(a.id)] == [earlier.id, later.id]
    assert [row.id for row in downloads.entry_page(a.id, 1).items] == [later.id, earlier.id]


def test_entries_at_the_same_moment_keep_the_order_they_were_booked_in(lines):
    a, _b = lines
    ids = [post(a, K.COMMIT, cents, reason=str(cents)).id for cents in (3, 1, 2)]
    assert [row.id for row in downloads.all_entries(a.id)] == ids
    assert [row.id for row in downloads.entry_page(a.id, 1).items] == ids[::-1]


def test_an_entry_row_names_its_application_and_who_booked_it(lines, window):
    a, _b = lines
    finance = UserFactory(role=Role.FINANCE, name="Esther Boekhouder")
    application = ApplicationFactory(window=window, reference="SP-T2-00042")
    approved = post(a, K.COMMIT, 450_00, application=application, cause="approve")
    by_hand = post(a, K.RESERVE, 10_00, at=T0 + timedelta(hours=1), actor=finance,
                   reason="Uitvoeringskosten")
    released = post(a, K.RELEASE, 4_00, at=T0 + timedelta(hours=2), bucket=Bucket.RESERVED,
                    actor=finance, reason="Minder nodig")
    assert downloads.all_entries(a.id) == [
        EntryRow(id=approved.id, at=T0, kind=K.COMMIT, bucket=None, amount=450_00,
                 application_id=application.id, reference="SP-T2-00042", cause="approve",
                 actor=None, reason=""),
        EntryRow(id=by_hand.id, at=T0 + timedelta(hours=1), kind=K.RESERVE, bucket=None,
                 amount=10_00, application_id=None, reference=None, cause="manual",
                 actor="Esther Boekhouder", reason="Uitvoeringskosten"),
        EntryRow(id=released.id, at=T0 + timedelta(hours=2), kind=K.RELEASE,
                 bucket=Bucket.RESERVED, amount=4_00, application_id=None, reference=None,
                 cause="manual", actor="Esther Boekhouder", reason="Minder nodig"),
    ]
    assert downloads.entry_page(a.id, 1).items[-1].reference == "SP-T2-00042"


def test_entries_without_applications_need_no_references(lines):
    a, _b = lines
    post(a, K.COMMIT, 1_00)
    assert [row.reference for row in downloads.all_entries(a.id)] == [None]


def test_a_line_is_found_with_its_budget_and_window_and_a_missing_one_is_none(lines, window):
    a, _b = lines
    found = downloads.get_line(a.id)
    assert found is a and found.budget.code == "mutatie" and found.window is None
    t2 = db.session.scalars(sa.select(BudgetLine.id).where(BudgetLine.window_id == window.id))
    assert downloads.get_line(t2.one()).window.code == "T2"
    assert downloads.get_line(a.id + 1000) is None
