"""The progress report for parliament (issue 17): the public figures at a day, beside those of
the report six months earlier, as a PDF made with WeasyPrint like the decision letters.

The document is laid out from the page templates (``progress/report.html``) with the charts
inline as SVG; it fetches nothing: every URL WeasyPrint asks for is refused, and the fonts are
the system's (DejaVu, as the letters use).
"""

import logging
from datetime import date

from flask import current_app, has_request_context, render_template
from flask_babel import gettext as _

from grants.errors import ValidationFailed
from grants.services.progress import (
    compute_progress,
    previous_report_day,
    progress,
    today,
)
from grants.services.progress_charts import region_chart, trend_chart

FIELD = "tot"


def parse_report_day(text: str | None) -> date:
    """The report's day from ``YYYY-MM-DD``; refused (naming the field) when it is no date or
    lies after today."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        message = _("Geef de datum van de rapportage als JJJJ-MM-DD, bijvoorbeeld 2015-06-30.")
        raise ValidationFailed(message, {FIELD: [message]}) from None
    if len((text or "").strip()) != 10:
        message = _("Geef de datum van de rapportage als JJJJ-MM-DD, bijvoorbeeld 2015-06-30.")
        raise ValidationFailed(message, {FIELD: [message]})
    if day > today():
        message = _("De datum van de rapportage ligt na vandaag (%(today)s).",
                    today=today().isoformat())
        raise ValidationFailed(message, {FIELD: [message]})
    return day


def _refuse_every_url(url, *args, **kwargs):
    raise ValueError(f"refused: the report fetches nothing ({url})")


def report_html(until: date | None) -> str:
    """The report's HTML: the figures at ``until`` (None: now) and at the previous report."""
    current = progress(until) if until is None or until >= today() else compute_progress(until)
    previous = compute_progress(previous_report_day(current.until))
    charts = {budget.code: trend_chart(budget, f"rapport-{index}")
              for index, budget in enumerate(current.budgets)}
    return render_template("progress/report.html", figures=current, previous=previous,
                           charts=charts, region_chart=region_chart(current.regions,
                                                                    "rapport-regio"))


def report_pdf(until: date | None) -> bytes:
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    if has_request_context():
        html = report_html(until)
    else:  # the CLI: the templates want a request for url_for and the language
        with current_app.test_request_context():
            html = report_html(until)
    return HTML(string=html, url_fetcher=_refuse_every_url).write_pdf()
