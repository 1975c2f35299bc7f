"""The commitment chart (grants/budget/charts.py), rule by rule, with hand-computed figures
(issue 19; bench/mutation.py --module grants/budget/charts.py).

Rules a reader of the chart relies on (shared/domain.md §6; README "Budgets and the ledger" and
"Languages"; WCAG 2.1 AA):
- committed is commitments less releases of commitments, reserved likewise, summed per day in
  Amsterdam time over all of the budget's lines; payments and recoveries do not move them;
- the steps hold each day's balance until the next change, committed at the bottom with
  reserved stacked on it, and run on to today or the end of the period, never into the future;
- the ceiling is a horizontal line at the ceiling's height on the value axis, labelled with its
  amount; the value axis starts at € 0 and covers the highest of the ceiling and what is used,
  in three to seven round steps;
- the ticks are in the page's language: euros Dutch style (€ 1.000) and Dutch months on a
  Dutch page;
- the table beside the chart (its accessible alternative) equals the points: per day reserved,
  committed, used, remaining = ceiling − used, and the share used rounded down to a tenth as the
  budget report rounds it;
- the chart is an image with a title and a description (role="img", aria-labelledby) and valid
  SVG: attributes SVG knows, values of their kind; data and text in colours of at least 3:1
  against white.

The drawing frame is the module's: 880 × 360 with the plot from x 124 to 852 and from y 24 (the
axis top) to 316 (€ 0). A budget from 1 January to 31 December 2014 is 364 days wide, so a day
is 2 units: x = 124 + 2 × days since 1 January. A ceiling of € 1.000,00 gives an axis to
€ 1.200 in steps of € 200 (€ 1.060 is 6 % above the ceiling; steps of € 100 would be eleven),
so y = 316 − amount × 292 / 1.200.

Attribute names, element names and keywords are checked in SVG's own (lowercase) spelling: XML
names are case-sensitive, and not every SVG reader (a PDF renderer, say) forgives "END" for "end".

Mutants that cannot change behaviour (read by bench/mutation.py), why in full:
- value_axis 7, max(highest, 2): for 0 and 1 cent the target is 2,12 instead of 1,06 cents,
  still one step of € 1; from 2 cents on max() is unchanged. 20, the power from target / 8: it
  differs only for a target in [7, 8) × 10^k, where the lower power's steps need more than seven
  ticks and the 10^k steps that both have win (checked for every amount below € 2.000 and for
  200.000 random amounts up to € 100 bn).
- _euro_tick 10: splitting on "XX;XX" keeps the negative sub-pattern too, and Babel formats the
  axis's amounts, never negative, with the first. 22: cents / 100 is the same whole number as a
  float (exact below 2^53 cents) and the pattern prints no decimals. 15: currency_digits=None is
  false like False.
- _months_between 26: (12y − m) and (12y + m) are divisible by ``every`` (1, 2, 3, 6 or 12,
  each a divisor of 12) exactly when m is.
- date_ticks 21: a range to end.year + 2 adds 1 January after the end, which ``<= end`` drops.
  48: every=13 is never tried: up to 1.095 days hold at most seven Januaries and Julies, so
  every=6 has returned first. 66: "YYYY" (Babel's week-based year) equals the calendar year on
  every first of a month (checked for 1900–2100 in Dutch and English), and month ticks are firsts.
- render_svg 96: grid values up to top + 2 instead of top + 1; a step is at least 100 cents.
- commitment_series_of 16 and 18 join the lines without a condition: SQLAlchemy then joins on
  the one foreign key between the two tables, the same condition. 9 drops the ORDER BY: SQLite,
  where the mutants run, hands a GROUP BY's groups back in the order of its keys, which puts
  each budget's periods in order as well (on PostgreSQL tests/test_chart_series_sql.py reads
  600 entries' series in order).
- _percent_text: the share used reads only ceiling, reserved and committed, not the code, name,
  disbursed or recovered given to Figures.
- _path 1 and 12 (close defaulting to or forced True): every call passes close=True.

equivalent: grants.budget.charts.x_value_axis__mutmut_7 — max(highest, 2)
equivalent: grants.budget.charts.x_value_axis__mutmut_20 — power from target / 8
equivalent: grants.budget.charts.x__euro_tick__mutmut_10 — both sub-patterns kept
equivalent: grants.budget.charts.x__euro_tick__mutmut_22 — cents / 100, a whole float
equivalent: grants.budget.charts.x__euro_tick__mutmut_15 — currency_digits=None is false
equivalent: grants.budget.charts.x__months_between__mutmut_26 — 12y − m
equivalent: grants.budget.charts.x_date_ticks__mutmut_21 — year after the end, dropped
equivalent: grants.budget.charts.x_date_ticks__mutmut_48 — every=13 never tried
equivalent: grants.budget.charts.x_date_ticks__mutmut_66 — week-year of a first of a month
equivalent: grants.budget.charts.x_render_svg__mutmut_96 — top + 2
equivalent: grants.budget.charts.x_commitment_series_of__mutmut_16 — join on the foreign key
equivalent: grants.budget.charts.x_commitment_series_of__mutmut_18 — join on the foreign key
equivalent: grants.budget.charts.x_commitment_series_of__mutmut_9 — SQLite's groups in order
equivalent: grants.budget.charts.x__percent_text__mutmut_1 — code=None, unread
equivalent: grants.budget.charts.x__percent_text__mutmut_2 — name=None, unread
equivalent: grants.budget.charts.x__percent_text__mutmut_15 — code="XXXX", unread
equivalent: grants.budget.charts.x__percent_text__mutmut_16 — name="XXXX", unread
equivalent: grants.budget.charts.x__percent_text__mutmut_6 — disbursed=None, unread
equivalent: grants.budget.charts.x__percent_text__mutmut_7 — recovered=None, unread
equivalent: grants.budget.charts.x__percent_text__mutmut_18 — disbursed=1, unread
equivalent: grants.budget.charts.x__percent_text__mutmut_19 — recovered=1, unread
equivalent: grants.budget.charts.x__path__mutmut_1 — close=True by default
equivalent: grants.budget.charts.x__path__mutmut_12 — close or True
"""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from grants.budget import charts, ledger
from grants.budget.charts import (
    ChartRow,
    Point,
    budget_chart,
    budget_charts,
    commitment_series,
    commitment_series_of,
    date_ticks,
    render_svg,
    value_axis,
)
from grants.extensions import db
from grants.models import Bucket, Budget, BudgetLine, EntryKind, Ministry

K = EntryKind
SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314  (our own output, not untrusted input)


def x(day: date) -> str:
    """Where a day of 2014 sits on the drawing (see the module docstring)."""
    return _n(124 + 2 * (day - date(2014, 1, 1)).days)


def y(cents: int, top: int = 1200_00) -> str:
    return _n(316 - cents * 292 / top)


def _n(value: float) -> str:
    return f"{round(value, 1):g}"


def grid_labels(svg: ET.Element) -> dict[str, str]:
    """The value axis: the label of every grid line, by the line's height."""
    grid = svg.find(f"{SVG}g[@class='chart__grid']")
    lines = [line for line in grid.findall(f"{SVG}line")
             if (line.get("x1"), line.get("x2")) == ("124", "852")]
    texts = [text for text in grid.findall(f"{SVG}text") if text.get("text-anchor") == "end"
             and text.get("x") == "114"]
    assert [line.get("y1") for line in lines] == [text.get("y") for text in texts]
    return {text.text: text.get("y") for text in texts}


def date_labels(svg: ET.Element) -> list[tuple[str, str, str]]:
    grid = svg.find(f"{SVG}g[@class='chart__grid']")
    return [(text.text, text.get("x"), text.get("text-anchor"))
            for text in grid.findall(f"{SVG}text") if text.get("y") == "338"]


# -- the value axis ---------------------------------------------------------------------------

@pytest.mark.no_db
@pytest.mark.parametrize(("highest", "top", "step"), [
    # € 1.000 × 1,06 = € 1.060: steps of € 100 would be eleven, € 200 × 6 = € 1.200.
    (1000_00, 1200_00, 200_00),
    # € 5.000 × 1,06 = € 5.300: € 1.000 × 6 and € 2.000 × 3 both reach € 6.000; the more steps.
    (5000_00, 6000_00, 1000_00),
    # € 650 × 1,06 = € 689: € 100 × 7 = € 700, the most steps allowed.
    (650_00, 700_00, 100_00),
    # € 690 × 1,06 = € 731,40: € 100 would take eight steps; € 250 × 3 = € 750 is lowest.
    (690_00, 750_00, 250_00),
    # € 740 × 1,06 = € 784,40: € 100 would take eight steps; € 200 × 4 = € 800.
    (740_00, 800_00, 200_00),
    # € 1.934 × 1,06 = € 2.050,04: € 200 and € 250 take too many steps; € 500 × 5 = € 2.500
    # is below € 1.000 × 3.
    (1934_00, 2500_00, 500_00),
    # € 1.350 × 1,06 = € 1.431: € 250 × 6 = € 1.500.
    (1350_00, 1500_00, 250_00),
    # Tiny amounts: never a step below one euro, so fewer than three steps.
    (1_50, 2_00, 1_00),
    (0, 1_00, 1_00),
    (1, 1_00, 1_00),
])
def test_the_value_axis_is_the_lowest_round_top_a_little_above_the_highest(highest, top, step):
    assert value_axis(highest) == (top, step)


# -- the time axis ----------------------------------------------------------------------------

def labels(start: date, end: date) -> list[str]:
    return [label for _day, label in date_ticks(start, end)]


@pytest.mark.no_db
def test_more_than_three_years_are_ticked_by_year_within_the_period():
    # 1 January 2014 to 1 January 2017 is 1.096 days, just over three years of 365.
    assert labels(date(2014, 1, 1), date(2017, 1, 1)) == ["2014", "2015", "2016", "2017"]
    # 1 January 2013 lies before the period: the first tick is 2014's.
    assert labels(date(2013, 6, 1), date(2017, 3, 1)) == ["2014", "2015", "2016", "2017"]
    # Eight years would be eight ticks: every other year.
    assert labels(date(2010, 1, 1), date(2017, 12, 31)) == ["2010", "2012", "2014", "2016"]
    # A year's tick is on its first of January.
    assert [day for day, _label in date_ticks(date(2014, 1, 1), date(2017, 1, 1))] == [
        date(2014, 1, 1), date(2015, 1, 1), date(2016, 1, 1), date(2017, 1, 1)]


@pytest.mark.no_db
def test_up_to_three_years_are_ticked_by_month_in_dutch():
    # 1.095 days: by month, every sixth (January and July) to stay within seven ticks.
    assert labels(date(2014, 1, 1), date(2016, 12, 31)) == [
        "jan 2014", "jul 2014", "jan 2015", "jul 2015", "jan 2016", "jul 2016"]
    # Nine months are too many ticks; every other month, counted from January.
    assert labels(date(2014, 4, 1), date(2014, 12, 31)) == [
        "mei 2014", "jul 2014", "sep 2014", "nov 2014"]
    # Seven months are still one tick each.
    assert labels(date(2014, 4, 1), date(2014, 10, 31)) == [
        "apr 2014", "mei 2014", "jun 2014", "jul 2014", "aug 2014", "sep 2014", "okt 2014"]
    # Fifteen months: every other month would be eight ticks; every third, from January.
    assert labels(date(2014, 1, 1), date(2015, 3, 31)) == [
        "jan 2014", "apr 2014", "jul 2014", "okt 2014", "jan 2015"]
    # Across the turn of the year.
    assert labels(date(2014, 10, 1), date(2015, 3, 31)) == [
        "okt 2014", "nov 2014", "dec 2014", "jan 2015", "feb 2015", "mrt 2015"]


@pytest.mark.no_db
def test_a_month_tick_is_a_first_of_the_month_inside_the_period():
    assert labels(date(2014, 4, 2), date(2014, 9, 30)) == [
        "mei 2014", "jun 2014", "jul 2014", "aug 2014", "sep 2014"]
    assert date_ticks(date(2014, 12, 15), date(2015, 4, 30))[0] == (date(2015, 1, 1),
                                                                    "jan 2015")
    assert labels(date(2014, 12, 15), date(2015, 4, 30)) == [
        "jan 2015", "feb 2015", "mrt 2015", "apr 2015"]
    assert labels(date(2014, 4, 1), date(2014, 6, 3)) == ["apr 2014", "mei 2014", "jun 2014"]
    # The period's last day is a first of the month: it has its tick.
    assert labels(date(2014, 4, 1), date(2014, 7, 1)) == [
        "apr 2014", "mei 2014", "jun 2014", "jul 2014"]


@pytest.mark.no_db
def test_up_to_62_days_are_ticked_by_day_at_most_seven_times():
    # 62 days in steps of 11 (62 / 6 rounded up).
    assert labels(date(2014, 4, 1), date(2014, 6, 2)) == [
        "1 apr 2014", "12 apr 2014", "23 apr 2014", "4 mei 2014", "15 mei 2014", "26 mei 2014"]
    assert labels(date(2014, 4, 1), date(2014, 4, 3)) == ["1 apr 2014", "2 apr 2014",
                                                           "3 apr 2014"]
    assert labels(date(2014, 4, 1), date(2014, 4, 1)) == ["1 apr 2014"]


def test_an_english_page_writes_the_day_first_too(app):
    # README "Languages": 1 October 2013 on an English page.
    with app.test_request_context(), force_locale("en"):
        assert labels(date(2014, 4, 1), date(2014, 4, 2)) == ["1 Apr 2014", "2 Apr 2014"]


# -- the series -------------------------------------------------------------------------------

@pytest.fixture
def books():
    """Grafiekbudget, € 1.000,00 over 2014 in two lines, and another budget beside it."""
    budget = Budget(code="grafiek", name="Grafiekbudget", ministry=Ministry.OCW,
                    ceiling_cents=1000_00, starts_on=date(2014, 1, 1),
                    ends_on=date(2014, 12, 31), scheme_id=None)
    first = BudgetLine(budget=budget, code="g1", name="Regel 1", ceiling_cents=600_00)
    second = BudgetLine(budget=budget, code="g2", name="Regel 2", ceiling_cents=400_00)
    other = Budget(code="ander", name="Ander budget", ministry=Ministry.OCW,
                   ceiling_cents=1000_00, starts_on=date(2014, 1, 1),
                   ends_on=date(2014, 12, 31), scheme_id=None)
    elsewhere = BudgetLine(budget=other, code="a1", name="Andere regel", ceiling_cents=1000_00)
    db.session.add_all([budget, first, second, other, elsewhere])
    db.session.flush()
    return SimpleNamespace(budget=budget, first=first, second=second, other=other,
                           elsewhere=elsewhere)


def post(line, kind, cents, at, bucket=None):
    ledger.post(line, kind, cents, actor=None, now=at, cause="manual", bucket=bucket)


def test_the_series_sums_all_lines_of_the_budget_per_amsterdam_day(books):
    # Booked late, dated early (a correction entered afterwards): it counts on its own day.
    post(books.second, K.COMMIT, 5_00, datetime(2014, 4, 4, 9, tzinfo=UTC))
    # 22:30 UTC on 31 March 2014 is 00:30 on 1 April in Amsterdam (summer time).
    post(books.first, K.COMMIT, 400_00, datetime(2014, 3, 31, 22, 30, tzinfo=UTC))
    post(books.second, K.RESERVE, 100_00, datetime(2014, 4, 1, 9, tzinfo=UTC))
    post(books.elsewhere, K.COMMIT, 900_00, datetime(2014, 4, 1, 9, tzinfo=UTC))
    # Paying and recovering move neither balance.
    post(books.first, K.DISBURSE, 300_00, datetime(2014, 4, 2, 9, tzinfo=UTC))
    post(books.first, K.RECOVER, 50_00, datetime(2014, 4, 3, 9, tzinfo=UTC))
    post(books.first, K.RELEASE, 100_00, datetime(2014, 4, 4, 9, tzinfo=UTC), Bucket.COMMITTED)
    post(books.second, K.RELEASE, 30_00, datetime(2014, 4, 5, 9, tzinfo=UTC), Bucket.RESERVED)
    assert commitment_series(books.budget.id) == [
        Point(date(2014, 4, 1), reserved=100_00, committed=400_00),
        Point(date(2014, 4, 4), reserved=100_00, committed=305_00),
        Point(date(2014, 4, 5), reserved=70_00, committed=305_00),
    ]
    assert commitment_series(books.budget.id)[-1].used == 375_00


def test_no_chart_while_nothing_was_reserved_or_committed(app, books):
    post(books.first, K.COMMIT, 10_00, datetime(2014, 4, 1, 9, tzinfo=UTC))
    assert commitment_series(books.other.id) == []
    with app.test_request_context():
        assert budget_chart(books.other, date(2014, 6, 1)) is None


def test_the_dashboard_reads_the_series_of_every_budget_at_once(app, books):
    empty = Budget(code="leeg", name="Leeg budget", ministry=Ministry.OCW, ceiling_cents=500_00,
                   starts_on=date(2014, 1, 1), ends_on=date(2014, 12, 31), scheme_id=None)
    db.session.add(empty)
    db.session.flush()
    post(books.first, K.COMMIT, 400_00, datetime(2014, 4, 1, 9, tzinfo=UTC))
    post(books.elsewhere, K.RESERVE, 900_00, datetime(2014, 3, 31, 9, tzinfo=UTC))
    # Both budgets change in the same hour of 2 April: each keeps its own sum of it.
    post(books.elsewhere, K.COMMIT, 50_00, datetime(2014, 4, 2, 9, tzinfo=UTC))
    post(books.second, K.RESERVE, 100_00, datetime(2014, 4, 2, 9, 30, tzinfo=UTC))
    post(books.second, K.COMMIT, 20_00, datetime(2014, 4, 3, 9, tzinfo=UTC))
    ours = [Point(date(2014, 4, 1), reserved=0, committed=400_00),
            Point(date(2014, 4, 2), reserved=100_00, committed=400_00),
            Point(date(2014, 4, 3), reserved=100_00, committed=420_00)]
    theirs = [Point(date(2014, 3, 31), reserved=900_00, committed=0),
              Point(date(2014, 4, 2), reserved=900_00, committed=50_00)]
    assert commitment_series_of([books.budget.id, books.other.id, empty.id]) == {
        books.budget.id: ours, books.other.id: theirs}
    assert commitment_series_of([books.other.id]) == {books.other.id: theirs}
    assert commitment_series(books.budget.id) == ours
    with app.test_request_context():
        charts = budget_charts([books.budget, books.other, empty], date(2014, 6, 1),
                               id_prefix="overzicht")
        alone = budget_chart(books.budget, date(2014, 6, 1),
                             id_prefix=f"overzicht-{books.budget.id}")
    assert list(charts) == [books.budget.id, books.other.id, empty.id]
    assert charts[empty.id] is None
    assert charts[books.budget.id] == alone
    assert f'id="overzicht-{books.budget.id}-title"' in charts[books.budget.id].svg
    assert [(row.day, row.committed) for row in charts[books.other.id].rows] == [
        (date(2014, 3, 31), 0), (date(2014, 4, 2), 50_00)]


# -- the chart of a budget --------------------------------------------------------------------

@pytest.fixture
def booked(books):
    """€ 600 committed on 11 January, € 300 reserved on 2 March 2014."""
    post(books.first, K.COMMIT, 600_00, datetime(2014, 1, 11, 8, tzinfo=UTC))
    post(books.second, K.RESERVE, 300_00, datetime(2014, 3, 2, 8, tzinfo=UTC))
    return books.budget


def chart_of(app, budget, today, **options):
    with app.test_request_context():
        return budget_chart(budget, today, **options)


def test_the_table_beside_the_chart_equals_the_points(app, booked):
    chart = chart_of(app, booked, date(2014, 4, 1))
    assert chart.rows == [
        ChartRow(day=date(2014, 1, 11), reserved=0, committed=600_00, used=600_00,
                 remaining=400_00, used_percent_text="60,0%"),
        ChartRow(day=date(2014, 3, 2), reserved=300_00, committed=600_00, used=900_00,
                 remaining=100_00, used_percent_text="90,0%"),
    ]
    assert chart.last == chart.rows[1]
    assert chart.has_reserved
    assert chart.ceiling == 1000_00
    assert chart.title == "Verplicht en gereserveerd op Grafiekbudget, tegen het plafond"


def test_a_chart_drawn_again_shows_what_changed_since(app, booked, books):
    """A chart is drawn once per series, day, language and budget (kept per process): drawn
    again, it follows a new booking, a later day, the other language, a new ceiling or name, and
    the page's own ids — never an earlier drawing."""
    first = chart_of(app, booked, date(2014, 4, 1))
    assert chart_of(app, booked, date(2014, 4, 1)) == first  # unchanged: the same chart
    # A later day draws the steps on to it.
    later = chart_of(app, booked, date(2014, 7, 1))
    assert later.svg != first.svg and later.rows == first.rows
    # A booking adds its day to the table.
    post(books.second, K.COMMIT, 50_00, datetime(2014, 4, 2, 8, tzinfo=UTC))
    booked_again = chart_of(app, booked, date(2014, 4, 3))
    assert [row.committed for row in booked_again.rows] == [600_00, 600_00, 650_00]
    # The other language: its title and amounts.
    with app.test_request_context(), force_locale("en"):
        english = budget_chart(booked, date(2014, 4, 3))
    assert english.title == "Committed and reserved on Grafiekbudget, against the ceiling"
    assert "€1,000" in grid_labels(parse(english.svg))
    assert chart_of(app, booked, date(2014, 4, 3)).title == (
        "Verplicht en gereserveerd op Grafiekbudget, tegen het plafond")
    # A new ceiling and name.
    booked.ceiling_cents, booked.name = 2000_00, "Groter budget"
    grown = chart_of(app, booked, date(2014, 4, 3))
    assert grown.ceiling == 2000_00 and grown.rows[-1].remaining == 2000_00 - 950_00
    assert grown.title == "Verplicht en gereserveerd op Groter budget, tegen het plafond"
    # Its own ids on each page that shows it.
    assert 'id="elders-title"' in chart_of(app, booked, date(2014, 4, 3), id_prefix="elders").svg


def test_the_share_used_is_rounded_down_as_the_budget_report_rounds(app, books):
    post(books.first, K.COMMIT, 600_00, datetime(2014, 1, 11, 8, tzinfo=UTC))
    post(books.second, K.COMMIT, 399_99, datetime(2014, 1, 12, 8, tzinfo=UTC))
    chart = chart_of(app, books.budget, date(2014, 4, 1))
    # € 999,99 of € 1.000,00 is 99,999 %: 99,9 %, not yet 100.
    assert [row.used_percent_text for row in chart.rows] == ["60,0%", "99,9%"]
    assert not chart.has_reserved
    assert chart.rows[-1].remaining == 1


def test_the_chart_is_an_image_named_by_its_title_and_description(app, booked):
    chart = chart_of(app, booked, date(2014, 4, 1))
    svg = parse(chart.svg)
    assert svg.tag == f"{SVG}svg"
    assert (svg.get("viewBox"), svg.get("width"), svg.get("height")) == ("0 0 880 360", "880",
                                                                         "360")
    assert (svg.get("role"), svg.get("aria-labelledby")) == ("img", "grafiek-title grafiek-desc")
    assert svg.get("class") == "chart__svg"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("grafiek-title", chart.title)
    assert desc.get("id") == "grafiek-desc"
    assert desc.text == (
        f"Stapgrafiek van 1 januari 2014 tot 31 december 2014. Op 2 maart 2014 verplicht "
        f"€{NBSP}600,00 en gereserveerd €{NBSP}300,00: samen 90,0% van het plafond van "
        f"€{NBSP}1.000,00. De tabel bij de grafiek geeft de stand per dag.")
    # Two charts on one page keep their own ids.
    other = parse(chart_of(app, booked, date(2014, 4, 1), id_prefix="grafiek-7").svg)
    assert other.get("aria-labelledby") == "grafiek-7-title grafiek-7-desc"
    assert other.find(f"{SVG}title").get("id") == "grafiek-7-title"
    assert other.find(f"{SVG}desc").get("id") == "grafiek-7-desc"


def test_the_ceiling_line_lies_at_the_ceilings_height_on_the_value_axis(app, booked):
    svg = parse(chart_of(app, booked, date(2014, 4, 1)).svg)
    axis = grid_labels(svg)
    # € 0 at the bottom of the plot, € 1.200 at its top, a line every € 200.
    assert axis == {"€ 0": "316", "€ 200": y(200_00), "€ 400": y(400_00), "€ 600": "170",
                    "€ 800": y(800_00), "€ 1.000": "72.7", "€ 1.200": "24"}
    ceiling = svg.find(f"{SVG}line[@class='chart__ceiling']")
    assert ceiling.get("y1") == ceiling.get("y2") == axis["€ 1.000"]
    # Across the whole plot, as the grid lines run.
    assert (ceiling.get("x1"), ceiling.get("x2")) == ("124", "852")
    label = svg.find(f"{SVG}text[@class='chart__ceiling-label']")
    assert label.text == f"Plafond €{NBSP}1.000,00"
    # Right-aligned at the plot's end, just above the line.
    assert (label.get("x"), label.get("y"), label.get("text-anchor")) == ("852", "72.7", "end")
    assert float(label.get("dy")) < 0


def test_the_axis_line_at_zero_is_darker_than_the_grid(app, booked):
    svg = parse(chart_of(app, booked, date(2014, 4, 1)).svg)
    grid = svg.find(f"{SVG}g[@class='chart__grid']")
    strokes = {line.get("y1"): line.get("stroke") for line in grid.findall(f"{SVG}line")
               if (line.get("x1"), line.get("x2")) == ("124", "852")}
    assert strokes.pop("316") == charts.AXIS
    assert set(strokes.values()) == {charts.GRID}


def test_the_steps_hold_each_days_balance_up_to_today_reserved_on_committed(app, booked):
    svg = parse(chart_of(app, booked, date(2014, 4, 1)).svg)
    jan11, mar2, apr1 = x(date(2014, 1, 11)), x(date(2014, 3, 2)), x(date(2014, 4, 1))
    assert (jan11, mar2, apr1) == ("144", "244", "304")
    zero, committed, used = y(0), y(600_00), y(900_00)
    assert (zero, committed, used) == ("316", "170", "97")
    data = svg.find(f"{SVG}g[@class='chart__data']")
    area = data.find(f"{SVG}path[@class='chart__committed']")
    assert area.get("d") == (f"M124,{zero} L{jan11},{zero} L{jan11},{committed} "
                             f"L{mar2},{committed} L{mar2},{committed} L{apr1},{committed} "
                             f"L{apr1},{zero} Z")
    assert area.get("fill") == charts.COMMITTED
    # Reserved: the top of used, then back along the top of committed.
    stacked = data.find(f"{SVG}path[@class='chart__reserved']")
    assert stacked.get("d") == (
        f"M124,{zero} L{jan11},{zero} L{jan11},{committed} L{mar2},{committed} "
        f"L{mar2},{used} L{apr1},{used} L{apr1},{committed} L{mar2},{committed} "
        f"L{mar2},{committed} L{jan11},{committed} L{jan11},{zero} L124,{zero} Z")
    assert stacked.get("fill") == charts.RESERVED
    # Reserved is drawn first, so that committed is never hidden under it.
    assert [path.get("class") for path in data] == ["chart__reserved", "chart__committed"]


def test_without_reservations_there_is_no_reserved_area(app, books):
    post(books.first, K.COMMIT, 600_00, datetime(2014, 1, 11, 8, tzinfo=UTC))
    svg = parse(chart_of(app, books.budget, date(2014, 4, 1)).svg)
    data = svg.find(f"{SVG}g[@class='chart__data']")
    assert [path.get("class") for path in data] == ["chart__committed"]


def test_the_steps_never_run_past_the_end_of_the_period(app, booked):
    svg = parse(chart_of(app, booked, date(2015, 6, 1)).svg)
    area = svg.find(f".//{SVG}path[@class='chart__committed']")
    # 31 December 2014 is the end of the period: x = 124 + 2 × 364.
    assert area.get("d").endswith("L852,170 L852,316 Z")


def test_the_steps_run_at_least_through_the_last_day_with_a_change(app, booked):
    # Today lies before the last change (a clock set back): its day is still drawn.
    svg = parse(chart_of(app, booked, date(2014, 2, 1)).svg)
    area = svg.find(f".//{SVG}path[@class='chart__committed']")
    assert area.get("d").endswith(f"L{x(date(2014, 3, 3))},170 L{x(date(2014, 3, 3))},316 Z")


def test_the_period_widens_to_take_in_changes_outside_it(app, books):
    post(books.first, K.COMMIT, 100_00, datetime(2013, 12, 20, 8, tzinfo=UTC))
    post(books.first, K.COMMIT, 100_00, datetime(2014, 6, 1, 8, tzinfo=UTC))
    post(books.first, K.COMMIT, 100_00, datetime(2014, 12, 31, 8, tzinfo=UTC))
    chart = chart_of(app, books.budget, date(2014, 6, 1))
    svg = parse(chart.svg)
    # The day after the last change is drawn too; the description tells the last day's balance.
    assert svg.find(f"{SVG}desc").text.startswith(
        f"Stapgrafiek van 20 december 2013 tot 1 januari 2015. Op 31 december 2014 verplicht "
        f"€{NBSP}300,00 en gereserveerd €{NBSP}0,00")
    # The steps run to that day, the plot's right edge, at € 300 (316 − 300 × 292 / 1.200).
    area = svg.find(f".//{SVG}path[@class='chart__committed']")
    assert area.get("d").endswith("L852,243 L852,316 Z")


def test_the_time_axis_has_dutch_month_ticks_below_the_axis_kept_inside_the_drawing(app,
                                                                                   booked):
    svg = parse(chart_of(app, booked, date(2014, 4, 1)).svg)
    # 364 days: every other month; 1 January is at the plot's left edge, so its label starts
    # there instead of sticking out to the left.
    assert date_labels(svg) == [
        ("jan 2014", "124", "start"), ("mrt 2014", x(date(2014, 3, 1)), "middle"),
        ("mei 2014", x(date(2014, 5, 1)), "middle"), ("jul 2014", x(date(2014, 7, 1)), "middle"),
        ("sep 2014", x(date(2014, 9, 1)), "middle"), ("nov 2014", "732", "middle")]
    grid = svg.find(f"{SVG}g[@class='chart__grid']")
    ticks = [line for line in grid.findall(f"{SVG}line") if line.get("y1") == "316"
             and line.get("x1") == line.get("x2")]
    # A short tick below the axis at each labelled day.
    assert [(t.get("x1"), t.get("y2")) for t in ticks] == [
        (xx, "322") for _label, xx, _anchor in date_labels(svg)]


def test_a_label_at_the_right_edge_ends_there(app):
    points = [Point(date(2014, 4, 1), 0, 100_00)]
    svg = parse(render_svg(points, 1000_00, start=date(2014, 4, 1), end=date(2014, 4, 7),
                           drawn_to=date(2014, 4, 2), title="t", description="d",
                           id_prefix="g"))
    # Seven days, one tick each, a sixth of the plot's 728 units apart.
    assert [anchor for _label, _x, anchor in date_labels(svg)] == [
        "start", "middle", "middle", "middle", "middle", "middle", "end"]
    assert [xx for _label, xx, _anchor in date_labels(svg)] == [
        "124", "245.3", "366.7", "488", "609.3", "730.7", "852"]


def test_a_period_of_one_day_spans_the_whole_plot(app):
    points = [Point(date(2014, 4, 1), 0, 500_00)]
    with app.test_request_context():
        svg = parse(render_svg(points, 1000_00, start=date(2014, 4, 1), end=date(2014, 4, 2),
                               drawn_to=date(2014, 4, 2), title="t", description="d",
                               id_prefix="g"))
    # € 500 of an axis to € 1.200: y = 316 − 500 × 292 / 1.200 = 194,3.
    assert svg.find(f".//{SVG}path[@class='chart__committed']").get("d") == (
        "M124,316 L124,316 L124,194.3 L852,194.3 L852,316 Z")


def edge_anchors(app, start: date, end: date) -> list[tuple[str, str, str]]:
    points = [Point(start, 0, 100_00)]
    with app.test_request_context():
        return date_labels(parse(render_svg(points, 1000_00, start=start, end=end,
                                            drawn_to=end, title="t", description="d",
                                            id_prefix="g")))


def test_a_label_keeps_to_its_edge_only_within_30_units_of_it(app):
    # 728 days over the plot's 728 units: a day is one unit. Ticks every six months.
    assert edge_anchors(app, date(2013, 12, 2), date(2015, 11, 30)) == [
        # 1 January 2014 is 30 days in: exactly 30 units from the left edge, still centred.
        ("jan 2014", "154", "middle"), ("jul 2014", "335", "middle"),
        ("jan 2015", "519", "middle"), ("jul 2015", "700", "middle")]
    assert edge_anchors(app, date(2013, 8, 2), date(2015, 7, 31)) == [
        ("jan 2014", "276", "middle"), ("jul 2014", "457", "middle"),
        ("jan 2015", "641", "middle"),
        # 1 July 2015 is 698 days in: exactly 30 units from the right edge, still centred.
        ("jul 2015", "822", "middle")]


def test_the_value_axis_covers_what_is_used_above_the_ceiling(app):
    # A ceiling lowered below what is used: € 1.350 × 1,06 = € 1.431, so € 1.500 in € 250s.
    points = [Point(date(2014, 4, 1), 350_00, 1000_00)]
    with app.test_request_context():
        svg = parse(render_svg(points, 1000_00, start=date(2014, 1, 1),
                               end=date(2014, 12, 31), drawn_to=date(2014, 4, 2), title="t",
                               description="d", id_prefix="g"))
    axis = grid_labels(svg)
    assert list(axis) == ["€ 0", "€ 250", "€ 500", "€ 750", "€ 1.000", "€ 1.250", "€ 1.500"]
    assert axis["€ 1.500"] == "24"
    ceiling = svg.find(f"{SVG}line[@class='chart__ceiling']")
    assert ceiling.get("y1") == axis["€ 1.000"] == y(1000_00, top=1500_00)


def test_ticks_in_cents_and_on_an_english_page_are_written_the_pages_way(app):
    points = [Point(date(2014, 4, 1), 0, 1_00)]
    with app.test_request_context():
        svg = parse(render_svg(points, 1_50, start=date(2014, 4, 1), end=date(2014, 4, 3),
                               drawn_to=date(2014, 4, 2), title="t", description="d",
                               id_prefix="g"))
    # € 1,50 × 1,06 = € 1,59: two steps of one euro.
    assert list(grid_labels(svg)) == ["€ 0", "€ 1", "€ 2"]
    # Two days, 364 units each; € 1 of € 2 is halfway up the 292 units: y = 316 − 146.
    assert svg.find(f".//{SVG}path[@class='chart__committed']").get("d") == (
        "M124,316 L124,316 L124,170 L488,170 L488,316 Z")
    assert date_labels(svg) == [("1 apr 2014", "124", "start"), ("2 apr 2014", "488", "middle"),
                                ("3 apr 2014", "852", "end")]
    with app.test_request_context():
        svg = parse(render_svg(points, 2_50, start=date(2014, 4, 1), end=date(2014, 4, 3),
                               drawn_to=date(2014, 4, 2), title="t", description="d",
                               id_prefix="g"))
    assert list(grid_labels(svg)) == ["€ 0", "€ 1", "€ 2", "€ 3"]
    with app.test_request_context(), force_locale("en"):
        assert charts._euro_tick(20_000_000_00) == "€20,000,000"
        assert charts._euro_tick(2_50) == "€2.50"
        english = parse(render_svg(points, 1000_00, start=date(2014, 1, 1),
                                   end=date(2014, 12, 31), drawn_to=date(2014, 4, 2),
                                   title="t", description="d", id_prefix="g"))
    assert "€1,200" in grid_labels(english)
    assert date_labels(english)[0][0] == "Jan 2014"
    with app.test_request_context():
        # A step that is not whole euros keeps its cents, written as amounts are.
        assert charts._euro_tick(2_50) == f"€{NBSP}2,50"
        assert charts._euro_tick(700_000_000_00) == "€ 700.000.000"


# -- valid SVG in colours one can see ---------------------------------------------------------

NUMBER = r"-?\d+(\.\d+)?"
COLOUR = r"#[0-9a-f]{3}|#[0-9a-f]{6}"
KINDS = {
    "x": NUMBER, "y": NUMBER, "x1": NUMBER, "x2": NUMBER, "y1": NUMBER, "y2": NUMBER,
    "width": NUMBER, "height": NUMBER, "font-size": NUMBER, "stroke-width": NUMBER,
    "dy": NUMBER + r"(em)?", "stroke-dasharray": r"\d+( \d+)+", "fill": COLOUR,
    "stroke": COLOUR, "text-anchor": "start|middle|end", "font-weight": "[1-9]00|bold",
    "paint-order": "stroke", "role": "img", "viewBox": r"0 0 \d+ \d+",
    "class": r"chart__[a-z-]+", "id": r"[a-z0-9-]+", "aria-labelledby": r"[a-z0-9-]+ [a-z0-9-]+",
    "font-family": r"[^<>]+", "d": r"M-?[\d.]+,-?[\d.]+( L-?[\d.]+,-?[\d.]+)*( Z)?",
}
ATTRIBUTES = {
    "svg": {"class", "viewBox", "width", "height", "role", "aria-labelledby", "font-family",
            "font-size"},
    "title": {"id"}, "desc": {"id"}, "g": {"class"}, "path": {"d", "fill", "class"},
    "line": {"x1", "x2", "y1", "y2", "stroke", "stroke-width", "stroke-dasharray", "class"},
    "text": {"x", "y", "dy", "text-anchor", "fill", "class", "font-weight", "stroke",
             "stroke-width", "paint-order"},
}


def luminance(colour: str) -> float:
    digits = colour[1:] if len(colour) == 7 else "".join(c * 2 for c in colour[1:])
    channels = []
    for i in (0, 2, 4):
        c = int(digits[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_chart_is_valid_svg_in_colours_that_stand_out_against_white(app, booked):
    svg = parse(chart_of(app, booked, date(2014, 4, 1)).svg)
    for element in svg.iter():
        assert element.tag.startswith(SVG), element.tag
        name = element.tag.removeprefix(SVG)
        assert set(element.attrib) <= ATTRIBUTES[name], (name, element.attrib)
        for attribute, value in element.attrib.items():
            assert re.fullmatch(KINDS[attribute], value), (name, attribute, value)
    assert re.search(r"\bsans-serif$", svg.get("font-family"))
    # WCAG 1.4.11 and 1.4.3: the data and the axis at least 3:1, texts at least 4,5:1 (the
    # light grid lines only help the eye and the white halo only separates a label from the
    # data behind it).
    for element in svg.iter():
        name = element.tag.removeprefix(SVG)
        if name == "text":
            assert contrast(element.get("fill"), "#ffffff") >= 4.5, element.attrib
            if element.get("stroke"):
                assert element.get("stroke") == "#fff"
                assert element.get("paint-order") == "stroke"
        elif name == "path" or element.get("class") == "chart__ceiling":
            colour = element.get("fill") or element.get("stroke")
            assert contrast(colour, "#ffffff") >= 3, element.attrib
    committed = svg.find(f".//{SVG}path[@class='chart__committed']").get("fill")
    reserved = svg.find(f".//{SVG}path[@class='chart__reserved']").get("fill")
    assert contrast(committed, reserved) >= 3
    ceiling = svg.find(f"{SVG}line[@class='chart__ceiling']")
    # Dashed and heavier than the grid, so that it is told apart from it without colour.
    assert ceiling.get("stroke-dasharray") and float(ceiling.get("stroke-width")) > 1
