"""A budget's commitments over time against its ceiling, drawn on the server as SVG.

``commitment_series`` reads the ledger's sums per day (Amsterdam time, kept by the database in
ledger_periods): committed is what was committed less what was released of commitments,
reserved likewise. ``budget_chart`` turns the series
into a step chart (committed, with reserved stacked on top) under the ceiling as a horizontal
line, plus the rows of the table that the page shows as its accessible alternative. No
scripts, no external assets; every text is escaped by ElementTree. The chart is drawn for a
page, so its texts, amounts and dates are in the page's language.
"""

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import sqlalchemy as sa
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency
from flask_babel import gettext as _
from markupsafe import Markup

from grants.budget.report import Figures
from grants.extensions import db
from grants.i18n import current_language, page_day, page_eur, page_share
from grants.models import Budget, BudgetLine, LedgerPeriod
from grants.timefmt import AMSTERDAM

# Drawing size in SVG units; the page scales it to its width.
WIDTH, HEIGHT = 880, 360
LEFT, RIGHT, TOP, BOTTOM = 124, 28, 24, 44
FONT = '"Noto Sans", "Segoe UI", Roboto, Helvetica, Arial, sans-serif'
# Colours of the pages (grants.css); each at least 3:1 against white and against its neighbour.
COMMITTED = "#154273"
RESERVED = "#d97e00"
CEILING = "#b00020"
GRID = "#d6d6d6"
AXIS = "#4b4b4b"
TEXT = "#1a1a1a"


@dataclass(frozen=True)
class Point:
    """The balances at the end of a day on which they changed."""

    day: date
    reserved: int
    committed: int

    @property
    def used(self) -> int:
        return self.reserved + self.committed


@dataclass(frozen=True)
class ChartRow:
    day: date
    reserved: int
    committed: int
    used: int
    remaining: int
    used_percent_text: str


@dataclass(frozen=True)
class Chart:
    svg: Markup
    rows: list[ChartRow]
    ceiling: int
    title: str

    @property
    def last(self) -> ChartRow:
        return self.rows[-1]

    @property
    def has_reserved(self) -> bool:
        return any(row.reserved for row in self.rows)


def commitment_series(budget_id: int) -> list[Point]:
    """Cumulative reserved and committed on all of a budget's lines, one point per day."""
    return commitment_series_of([budget_id]).get(budget_id, [])


def commitment_series_of(budget_ids: list[int]) -> dict[int, list[Point]]:
    """``commitment_series`` of each budget in ``budget_ids``, read in one query.

    Read from ledger_periods, which the database keeps with every ledger entry: one row per
    line and day (per hour on SQLite), not every entry of the ledger. A budget with nothing
    reserved or committed is left out."""
    period = LedgerPeriod.starts_at

    def total(column):
        return sa.cast(sa.func.sum(column), sa.BigInteger)

    changes = db.session.execute(
        sa.select(BudgetLine.budget_id, period, total(LedgerPeriod.reserved_change_cents),
                  total(LedgerPeriod.committed_change_cents))
        .join(BudgetLine, BudgetLine.id == LedgerPeriod.line_id)
        .where(BudgetLine.budget_id.in_(budget_ids))
        .group_by(BudgetLine.budget_id, period).order_by(period))
    series: dict[int, list[Point]] = {}
    for budget_id, starts_at, reserved_change, committed_change in changes:
        points = series.setdefault(budget_id, [])
        reserved, committed = (points[-1].reserved, points[-1].committed) if points else (0, 0)
        point = Point(starts_at.astimezone(AMSTERDAM).date(), reserved + reserved_change,
                      committed + committed_change)
        if points and points[-1].day == point.day:
            points[-1] = point
        else:
            points.append(point)
    return series


def _percent_text(ceiling: int, used: int) -> str:
    # The very rounding and notation of the budget report.
    return Figures(code="", name="", ceiling=ceiling, reserved=used, committed=0, disbursed=0,
                   recovered=0).used_percent_text


def budget_chart(budget: Budget, today: date, *, id_prefix: str = "grafiek") -> Chart | None:
    """The chart of ``budget`` up to ``today``; None while nothing was reserved or committed."""
    return _chart_of(budget, commitment_series(budget.id), today, id_prefix)


def budget_charts(budgets: list[Budget], today: date, *, id_prefix: str) -> dict[int, Chart | None]:
    """``budget_chart`` of each budget by id, their series read in one query; each chart's ids
    start with ``id_prefix`` and the budget's id, so that one page can show them all."""
    series = commitment_series_of([budget.id for budget in budgets])
    return {budget.id: _chart_of(budget, series.get(budget.id), today, f"{id_prefix}-{budget.id}")
            for budget in budgets}


def _chart_of(budget: Budget, points: list[Point] | None, today: date,
              id_prefix: str) -> Chart | None:
    if not points:
        return None
    return _drawn(tuple(points), budget.ceiling_cents, budget.name, budget.starts_on,
                  budget.ends_on, today, id_prefix, current_language())


def _draw(points: tuple[Point, ...], ceiling: int, name: str, starts_on: date, ends_on: date,
          today: date, id_prefix: str, language: str) -> Chart:
    title = _("Verplicht en gereserveerd op %(budget)s, tegen het plafond", budget=name)
    start = min(starts_on, points[0].day)
    end = max(ends_on, points[-1].day + timedelta(days=1))
    # The steps run on to today (or the end of the period), never into the future.
    drawn_to = min(max(today, points[-1].day + timedelta(days=1)), end)
    last = points[-1]
    description = _(
        "Stapgrafiek van %(start)s tot %(end)s. Op %(day)s verplicht %(committed)s en "
        "gereserveerd %(reserved)s: samen %(share)s van het plafond van %(ceiling)s. De tabel "
        "bij de grafiek geeft de stand per dag.", start=page_day(start), end=page_day(end),
        day=page_day(last.day), committed=page_eur(last.committed),
        reserved=page_eur(last.reserved), share=page_share(last.used, ceiling),
        ceiling=page_eur(ceiling))
    svg = render_svg(list(points), ceiling, start=start, end=end, drawn_to=drawn_to,
                     title=title, description=description, id_prefix=id_prefix)
    rows = [ChartRow(day=p.day, reserved=p.reserved, committed=p.committed, used=p.used,
                     remaining=ceiling - p.used, used_percent_text=_percent_text(ceiling, p.used))
            for p in points]
    # Generated here from numbers and escaped texts only: safe to embed.
    return Chart(svg=Markup(svg), rows=rows, ceiling=ceiling, title=title)  # noqa: S704


# Drawing a chart of some hundreds of days and its table costs far more than reading the series
# (a dashboard of five budgets: 30 of its 43 ms). The chart is a function of what _draw is given
# alone (``language`` is the page's, which its texts follow), so the same series on the same day
# in the same language is drawn once per process; a booking changes the series and with it the
# key. Charts are only read, never changed.
_drawn = lru_cache(maxsize=64)(_draw)


# -- drawing ----------------------------------------------------------------------------------

def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def value_axis(highest: int) -> tuple[int, int]:
    """(top, step) of the value axis, in cents: the lowest top a little above ``highest`` that
    three to seven steps of 1, 2, 2.5 or 5 times a power of ten reach (a step of at least one
    euro, so that tiny amounts may get fewer steps)."""
    target = max(highest, 1) * 1.06
    power = 10 ** max(2, math.floor(math.log10(target / 7)))
    candidates = []
    for scale in (power, power * 10):
        for factor in (1, 2, 2.5, 5):
            step = int(factor * scale)
            ticks = math.ceil(target / step)
            if ticks <= 7:
                candidates.append((ticks < 3, ticks * step, step))
    _few, top, step = min(candidates)
    return top, step


def _euro_tick(cents: int) -> str:
    if cents % 100:
        return page_eur(cents)
    # Whole euros in the language's own currency pattern (without its cents, and with a plain
    # space where it has one): € 20.000.000 or €20,000,000.
    language = current_language()
    pattern = Locale.parse(language).currency_formats["standard"].pattern.split(";")[0]
    return format_currency(cents // 100, "EUR",
                           format=pattern.replace(".00", "").replace("\xa0", " "),
                           currency_digits=False, locale=language)


def _months_between(start: date, end: date, every: int) -> list[date]:
    ticks = []
    month = start.month - 1 + (start.day > 1)  # the first first-of-the-month on or after start
    year = start.year + month // 12
    month = month % 12
    while (tick := date(year, month + 1, 1)) <= end:
        if (year * 12 + month) % every == 0:
            ticks.append(tick)
        month += 1
        year, month = year + month // 12, month % 12
    return ticks


def date_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Ticks on years, months or days, whichever gives two to seven of them."""
    span = (end - start).days
    if span > 3 * 365:
        years = [date(y, 1, 1) for y in range(start.year, end.year + 1)
                 if start <= date(y, 1, 1) <= end]
        step = max(1, math.ceil(len(years) / 7))
        return [(d, str(d.year)) for d in years[::step]]
    if span > 62:
        for every in (1, 2, 3, 6, 12):
            months = _months_between(start, end, every)
            if len(months) <= 7:
                return [(d, format_date(d, "MMM yyyy", locale=current_language()))
                        for d in months]
    step = max(1, math.ceil(span / 6))
    days = [start + timedelta(days=i) for i in range(0, span + 1, step)]
    return [(d, format_date(d, "d MMM yyyy", locale=current_language())) for d in days]


class _Plot:
    def __init__(self, start: date, end: date, top_value: int):
        self.start = start
        self.days = max(1, (end - start).days)
        self.top_value = top_value
        self.width = WIDTH - LEFT - RIGHT
        self.height = HEIGHT - TOP - BOTTOM

    def x(self, day: date) -> float:
        return LEFT + (day - self.start).days / self.days * self.width

    def y(self, cents: int) -> float:
        return TOP + self.height - cents / self.top_value * self.height

    def steps(self, points: list[Point], value, drawn_to: date) -> list[tuple[float, float]]:
        """The corners of a step line that starts at 0 and holds each value to the next day."""
        corners = [(self.x(self.start), self.y(0))]
        for point in points:
            x = self.x(point.day)
            corners += [(x, corners[-1][1]), (x, self.y(value(point)))]
        corners.append((self.x(drawn_to), corners[-1][1]))
        return corners


def _path(corners: list[tuple[float, float]], close: bool = False) -> str:
    d = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in corners)
    return d + " Z" if close else d


def render_svg(points: list[Point], ceiling: int, *, start: date, end: date, drawn_to: date,
               title: str, description: str, id_prefix: str) -> str:
    top_value, step = value_axis(max(ceiling, max(p.used for p in points)))
    plot = _Plot(start, end, top_value)
    baseline = plot.y(0)

    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "class": "chart__svg",
        "viewBox": f"0 0 {WIDTH} {HEIGHT}", "width": str(WIDTH), "height": str(HEIGHT),
        "role": "img", "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
        "font-family": FONT, "font-size": "13",
    })
    ET.SubElement(svg, "title", {"id": f"{id_prefix}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{id_prefix}-desc"}).text = description

    grid = ET.SubElement(svg, "g", {"class": "chart__grid"})
    for value in range(0, top_value + 1, step):
        y = _n(plot.y(value))
        ET.SubElement(grid, "line", {"x1": str(LEFT), "x2": str(WIDTH - RIGHT), "y1": y,
                                     "y2": y, "stroke": AXIS if value == 0 else GRID,
                                     "stroke-width": "1"})
        ET.SubElement(grid, "text", {"x": str(LEFT - 10), "y": y, "dy": "0.32em",
                                     "text-anchor": "end", "fill": AXIS}).text = \
            _euro_tick(value)
    for day, label in date_ticks(start, end):
        x = plot.x(day)
        anchor = "end" if x > WIDTH - RIGHT - 30 else "start" if x < LEFT + 30 else "middle"
        ET.SubElement(grid, "line", {"x1": _n(x), "x2": _n(x), "y1": _n(baseline),
                                     "y2": _n(baseline + 6), "stroke": AXIS})
        ET.SubElement(grid, "text", {"x": _n(x), "y": _n(baseline + 22),
                                     "text-anchor": anchor, "fill": AXIS}).text = label

    committed = plot.steps(points, lambda p: p.committed, drawn_to)
    used = plot.steps(points, lambda p: p.used, drawn_to)
    data = ET.SubElement(svg, "g", {"class": "chart__data"})
    if any(p.reserved for p in points):
        ET.SubElement(data, "path", {"d": _path(used + committed[::-1], close=True),
                                     "fill": RESERVED, "class": "chart__reserved"})
    ET.SubElement(data, "path", {
        "d": _path([*committed, (committed[-1][0], baseline)], close=True),
        "fill": COMMITTED, "class": "chart__committed"})

    y = _n(plot.y(ceiling))
    ET.SubElement(svg, "line", {"class": "chart__ceiling", "x1": str(LEFT),
                                "x2": str(WIDTH - RIGHT), "y1": y, "y2": y, "stroke": CEILING,
                                "stroke-width": "2", "stroke-dasharray": "8 5"})
    ET.SubElement(svg, "text", {
        "class": "chart__ceiling-label", "x": str(WIDTH - RIGHT), "y": y, "dy": "-8",
        "text-anchor": "end", "fill": CEILING, "font-weight": "600", "stroke": "#fff",
        "stroke-width": "4", "paint-order": "stroke",
    }).text = _("Plafond %(amount)s", amount=page_eur(ceiling))
    return ET.tostring(svg, encoding="unicode")
