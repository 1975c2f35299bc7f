"""The progress pages' and report's charts, drawn on the server as SVG (no scripts, no external
assets): a budget's commitments per month against its ceiling with the finance chart's own
drawing (grants.budget.charts.render_svg), and a bar chart of the five regions. Each goes with
a table of the same figures on the page, for screen readers and for print."""

import xml.etree.ElementTree as ET
from datetime import timedelta

from flask_babel import gettext as _
from markupsafe import Markup

from grants.budget.charts import (
    AXIS,
    COMMITTED,
    FONT,
    GRID,
    RESERVED,
    TEXT,
    Point,
    render_svg,
    value_axis,
)
from grants.i18n import page_day, page_eur
from grants.services.progress import BudgetRow, GroupRow

# Bars: committed in the finance chart's blue, paid in its orange just below; each at least 3:1
# against white.
PAID = RESERVED
BAR_WIDTH, LABEL_WIDTH, ROW_HEIGHT, TOP = 880, 170, 46, 16


def trend_chart(budget: BudgetRow, id_prefix: str) -> Markup | None:
    """Committed at the end of each month, against the budget's ceiling; None without any."""
    points = [Point(point.day, 0, point.committed) for point in budget.trend]
    if not any(point.committed for point in points):
        return None
    last = budget.trend[-1]
    start = min(budget.starts_on, points[0].day)
    end = max(budget.ends_on, last.day + timedelta(days=1))
    title = _("Verplicht per maand op %(budget)s, tegen het plafond", budget=budget.name)
    description = _(
        "Stapgrafiek van %(start)s tot %(end)s. Op %(day)s is %(committed)s verplicht van het "
        "plafond van %(ceiling)s. De tabel bij de grafiek geeft de stand per maand.",
        start=page_day(start), end=page_day(end), day=page_day(last.day),
        committed=page_eur(last.committed), ceiling=page_eur(budget.money.ceiling))
    svg = render_svg(points, budget.money.ceiling, start=start, end=end,
                     drawn_to=min(last.day + timedelta(days=1), end), title=title,
                     description=description, id_prefix=id_prefix)
    # Made from numbers and texts that ElementTree escaped: safe to embed.
    return Markup(svg)  # noqa: S704


def region_chart(regions: tuple[GroupRow, ...], id_prefix: str = "regio") -> Markup:
    """Horizontal bars: per region what is committed, and within it what is paid."""
    highest, step = value_axis(max((row.committed for row in regions), default=0))
    height = TOP + ROW_HEIGHT * len(regions) + 34
    plot = BAR_WIDTH - LABEL_WIDTH - 30
    title = _("Verplicht en betaald per regio")
    description = _("Staafdiagram: per landsdeel het verplichte bedrag, met daarin wat betaald "
                    "is. De tabel bij de grafiek geeft de bedragen.")
    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "class": "chart__svg",
        "viewBox": f"0 0 {BAR_WIDTH} {height}", "width": str(BAR_WIDTH), "height": str(height),
        "role": "img", "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
        "font-family": FONT, "font-size": "13"})
    ET.SubElement(svg, "title", {"id": f"{id_prefix}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{id_prefix}-desc"}).text = description

    def x(cents: int) -> str:
        return f"{LABEL_WIDTH + cents / highest * plot:.1f}"

    axis_y = TOP + ROW_HEIGHT * len(regions)
    for value in range(0, highest + 1, step):
        ET.SubElement(svg, "line", {"x1": x(value), "x2": x(value), "y1": str(TOP - 6),
                                    "y2": str(axis_y), "stroke": AXIS if not value else GRID})
        ET.SubElement(svg, "text", {"x": x(value), "y": str(axis_y + 20), "fill": AXIS,
                                    "text-anchor": "middle" if value else "start"}).text = \
            page_eur(value).replace(",00", "")
    for index, row in enumerate(regions):
        y = TOP + index * ROW_HEIGHT
        ET.SubElement(svg, "text", {"x": str(LABEL_WIDTH - 10), "y": str(y + 25),
                                    "text-anchor": "end", "fill": TEXT}).text = row.key
        ET.SubElement(svg, "rect", {"x": str(LABEL_WIDTH), "y": str(y + 4),
                                    "width": f"{row.committed / highest * plot:.1f}",
                                    "height": "20", "fill": COMMITTED})
        ET.SubElement(svg, "rect", {"x": str(LABEL_WIDTH), "y": str(y + 26),
                                    "width": f"{row.paid / highest * plot:.1f}",
                                    "height": "12", "fill": PAID})
    return Markup(ET.tostring(svg, encoding="unicode"))  # noqa: S704  (see trend_chart)
