"""What a grant letter says: the obligations, the reports asked for and when, and the advances
as dated instalments (the ministry's policy, never called a rule of the regulation).

The reports' schedule is also what grants.workflows.reports expects the grantee to hand in.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from grants.decisions.advances import advance_schedule
from grants.decisions.context import STANDARD, _add_months, _iso_day, _rule, minister_of
from grants.models import Application
from grants.money import format_eur
from grants.timefmt import format_day


@dataclass(frozen=True)
class ScheduledReport:
    kind: str  # "progress", or "final" (the request for settlement)
    what: str
    due_on: date


def report_schedule(application: Application, amount: int, params: dict,
                    today: date) -> list[ScheduledReport]:
    """The reports a grant asks for and when, as its letter lists them; the final one last.

    RIF projects report every project year; other schemes once, ``progress_report_months``
    after the start, when the project is still running by then.
    """
    scheme = application.scheme.code
    details = application.details or {}
    starts = _iso_day(details.get("starts_on")) or today
    ends = _iso_day(details.get("ends_on")) or today
    months, _ = _rule(params, "progress_report_months", scheme)
    weeks, _ = _rule(params, "settlement_request_weeks", scheme)
    threshold, _ = _rule(params, "accountant_statement_above_cents", scheme)
    reports = []
    if scheme == "rif":
        year = 1
        while (due := _add_months(starts, 12 * year)) < ends:
            reports.append(ScheduledReport("progress",
                                           f"Voortgangsverslag over projectjaar {year}", due))
            year += 1
    else:
        progress = _add_months(starts, int(months))
        if progress < ends:
            reports.append(ScheduledReport("progress", "Voortgangsverslag", progress))
    final = "Aanvraag tot vaststelling, met inhoudelijk en financieel verslag"
    if amount > threshold:
        final += " en een controleverklaring van een accountant"
    reports.append(ScheduledReport("final", final, ends + timedelta(weeks=int(weeks))))
    return reports


def accountant_statement_threshold(params: dict) -> int:
    """Above this grant the request for settlement needs an accountant's statement."""
    return int(_rule(params, "accountant_statement_above_cents")[0])


# -- per kind -----------------------------------------------------------------------------------

def grant_part(application: Application, amount: int, params: dict, today: date) -> dict:
    scheme = application.scheme.code
    details = application.details or {}
    starts = _iso_day(details.get("starts_on")) or today
    ends = _iso_day(details.get("ends_on")) or today
    percent, _ = _rule(params, "advance_percent", scheme)
    instalments, _ = _rule(params, "advance_instalments", scheme)
    interval = int(params.get("advance_interval_months") or 0)
    advances = [{"number": i.number, "due": format_day(i.due_on),
                 "amount": format_eur(i.amount_cents)}
                for i in advance_schedule(amount, int(percent), interval, starts, ends, today)]
    threshold = accountant_statement_threshold(params)
    advance = amount * int(percent) // 100
    schedule = report_schedule(application, amount, params, today)
    settlement_due = schedule[-1].due_on
    reports = [{"what": report.what, "due": format_day(report.due_on)} for report in schedule]

    obligations = {
        "sectorplan": [
            "Voer de maatregelen uit zoals in uw sectorplan staat.",
            "Betaal ten minste de helft van de kosten van elke maatregel zelf. De subsidie is "
            "nooit meer dan 50% van de subsidiabele kosten van een maatregel.",
            "Vraag geen andere subsidie voor dezelfde kosten.",
        ],
        "rif": [
            "Voer het project uit zoals in uw actieplan en meerjarenbegroting staat.",
            "Zorg dat bedrijven en regionale overheden samen ten minste twee keer het bedrag "
            "van de subsidie bijdragen, in geld of in natura, zoals in uw aanvraag staat.",
            "Houd de samenwerkingsovereenkomst met uw partners in stand.",
        ],
    }.get(scheme, [])
    obligations += [
        "Meld het ons meteen als het project anders loopt dan gepland, als u het niet op tijd "
        "af krijgt of als u ermee stopt.",
        "Houd een administratie bij waaruit blijkt welke kosten u maakte en wat u deed. Bewaar "
        f"die ten minste {STANDARD['retention_years']} jaar.",
    ]
    if amount > threshold:
        obligations.append(f"Uw subsidie is meer dan {format_eur(threshold)}. Stuur daarom bij "
                           "de aanvraag tot vaststelling een controleverklaring van een "
                           "accountant mee.")
    # The advance share and its instalments are house policy (shared/domain.md: assumed), never
    # a rule of the regulation: the letter says whose policy it is.
    minister = minister_of(application.scheme.ministry_name)
    source = (f"Het voorschot en de termijnen zijn beleid van {minister} (beleidsregel voor "
              f"voorschotten); de {application.scheme.legal_basis.split(',')[0].strip()} "
              "schrijft ze niet voor.")
    return {
        "starts_on": format_day(starts),
        "ends_on": format_day(ends),
        "reduced": amount < application.requested_cents,
        "obligations": obligations,
        "reports": reports,
        "settlement_request_due": format_day(settlement_due),
        "advance_percent": int(percent),
        "advance": format_eur(advance),
        "rest": format_eur(amount - advance),
        "instalments": instalments,
        "advances": advances,
        "schedule_source": source,
    }
