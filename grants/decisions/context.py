"""What a decision letter says, as plain values, taken while the decision is taken.

Everything the letter needs is read here, inside the trigger's transaction, and frozen into the
decision row: a letter rendered later (or again, years later) shows the facts as they stood.
Values are strings and numbers only; amounts are already in Dutch notation.

Rules the letters state (payment schedule, report dates, payment terms) are read from the
application's frozen rules where a key exists; otherwise the standard below applies and the
letter says so plainly. They are house defaults (assumed), like the others in shared/domain.md.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    DECISION_KIND_LABELS,
    Application,
    AuditEvent,
    Decision,
    DecisionKind,
    Ministry,
    Objection,
    ObjectionOutcome,
    PlaceCategory,
)
from grants.money import format_eur
from grants.timefmt import format_day

K = DecisionKind
AWB = "van de Algemene wet bestuursrecht"

# The article of the Awb each kind of decision rests on, besides the regulation itself.
ARTICLES = {
    K.GRANT: ["artikel 4:30"],
    K.REJECTION: ["artikel 4:35"],
    K.NOT_PROCESSED: ["artikel 4:5"],
    K.DIRECT_SETTLEMENT: ["artikel 4:46"],
    K.SETTLEMENT: ["artikel 4:46"],
    K.RECOVERY: ["artikel 4:57"],
    K.OBJECTION: ["artikel 7:11"],
    K.AMENDMENT: ["artikel 4:48"],
    K.POSTPONEMENT: ["artikel 4:14"],
}
CEILING_ARTICLES = ["artikel 4:25"]

TITLES = {
    K.GRANT: "Besluit: u krijgt subsidie",
    K.REJECTION: "Besluit: u krijgt geen subsidie",
    K.NOT_PROCESSED: "Besluit: wij nemen uw aanvraag niet in behandeling",
    K.DIRECT_SETTLEMENT: "Besluit: wij stellen uw subsidie direct vast",
    K.SETTLEMENT: "Besluit: wij stellen uw subsidie vast",
    K.RECOVERY: "Besluit: u moet subsidie terugbetalen",
    K.OBJECTION: "Beslissing op uw bezwaar",
    K.AMENDMENT: "Besluit: wij wijzigen uw subsidie",
    K.POSTPONEMENT: "Verdaging van de beslistermijn",
}
SUBJECTS = {
    K.GRANT: "Verlening subsidie",
    K.REJECTION: "Afwijzing aanvraag subsidie",
    K.NOT_PROCESSED: "Buitenbehandelingstelling aanvraag subsidie",
    K.DIRECT_SETTLEMENT: "Directe vaststelling subsidie",
    K.SETTLEMENT: "Vaststelling subsidie",
    K.RECOVERY: "Terugvordering subsidie",
    K.OBJECTION: "Beslissing op bezwaar",
    K.AMENDMENT: "Wijziging subsidieverlening",
    K.POSTPONEMENT: "Verdaging beslistermijn aanvraag subsidie",
}

# The ministries' public postal addresses, where objections go. A scheme's rules may name
# another (``objection_address``: a list of lines).
POSTAL_ADDRESSES = {
    Ministry.SZW: ["Postbus 90801", "2509 LV Den Haag"],
    Ministry.OCW: ["Postbus 16375", "2500 BJ Den Haag"],
}

CATEGORY_LABELS = {
    PlaceCategory.VMBO.value: "vmbo",
    PlaceCategory.MBO.value: "mbo (bbl)",
    PlaceCategory.HBO.value: "hbo",
    PlaceCategory.PROMOVENDUS.value: "promovendi en toio's",
}

# The standard where a scheme's rules say nothing (house defaults, assumed).
STANDARD = {
    "advance_percent": 80,
    "advance_instalments": {"sectorplan": "termijnen", "rif": "jaarlijkse termijnen"},
    "progress_report_months": 12,
    "settlement_request_weeks": 13,
    "accountant_statement_above_cents": 12_500_000,
    "payment_weeks": 6,  # Awb 4:87: money is paid within six weeks
    "retention_years": 7,
}


@dataclass(frozen=True)
class Draft:
    """A decision to be written: its kind, its amount, and the plain values of its letter."""

    kind: DecisionKind
    amount_cents: int | None
    context: dict


def _day(value: date | None) -> str:
    return format_day(value) if value else ""


def _iso_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _rule(params: dict, key: str, scheme: str | None = None):
    """A rule's value and whether the scheme's rules set it (else the standard applies)."""
    if key in params:
        return params[key], True
    value = STANDARD[key]
    if isinstance(value, dict):
        value = value.get(scheme, "termijnen")
    return value, False


def minister_of(ministry_name: str) -> str:
    """"Ministerie van Onderwijs, …" → "de minister van Onderwijs, …"."""
    return "de minister" + ministry_name.removeprefix("Ministerie")


def base_context(kind: DecisionKind, application: Application, reference: str, today: date,
                 params: dict, actor_name: str, objection_due: date | None) -> dict:
    scheme, organisation = application.scheme, application.organisation
    address = params.get("objection_address") or POSTAL_ADDRESSES[scheme.ministry]
    minister = minister_of(scheme.ministry_name)
    return {
        "kind": kind.value,
        "kind_label": DECISION_KIND_LABELS[kind],
        "title": TITLES[kind],
        "subject": f"{SUBJECTS[kind]} {scheme.name}, aanvraag {application.reference}",
        "reference": reference,
        "date": format_day(today),
        "date_iso": today.isoformat(),
        "scheme": scheme.code,
        "scheme_name": scheme.name,
        "legal_basis": scheme.legal_basis,
        # The regulation's own name ("Regeling cofinanciering sectorplannen").
        "regulation": scheme.legal_basis.split(",")[0].strip(),
        "articles": [f"{article} {AWB}" for article in ARTICLES[kind]],
        "ministry": {"code": scheme.ministry.value, "name": scheme.ministry_name,
                     "address": list(address)},
        "minister": minister,
        "minister_title": minister[0].upper() + minister[1:],
        "addressee": {
            "name": organisation.name,
            "attention": "t.a.v. de contactpersoon",
            "address": organisation.postal_lines,
            "kvk": organisation.kvk,
        },
        "application": {
            "reference": application.reference,
            "title": application.title,
            "window": application.window.name,
            "submitted_on": format_day(application.submitted_at),
            "requested": format_eur(application.requested_cents),
        },
        "amount": None,
        "reason": "",
        "signed_by": actor_name,
        "objection": {"due": _day(objection_due)},
    }


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
    percent, percent_set = _rule(params, "advance_percent", scheme)
    instalments, _ = _rule(params, "advance_instalments", scheme)
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
    source = ("Zo staat het in de regels van deze regeling." if percent_set else
              f"Dit is het standaard betaalschema: een voorschot van {percent}% en de rest na "
              "de vaststelling.")
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
        "schedule_source": source,
    }


def is_ceiling_reason(data: dict, reason: str) -> bool:
    """The allocation refuses with ground "ceiling" (or a reason naming the ceiling)."""
    return data.get("ground") == "ceiling" or "subsidieplafond" in reason.lower()


def rejection_part(application: Application, data: dict, reason: str) -> dict:
    ceiling = is_ceiling_reason(data, reason)
    return {"ceiling": format_eur(application.window.ceiling_cents) if ceiling else None}


def not_processed_part(application: Application) -> dict:
    request = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == application.id,
                                    AuditEvent.trigger == "request_information")
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    repair_due = _iso_day((request.data or {}).get("repair_due_on")) if request else None
    return {
        "requested_on": format_day(request.at) if request else "",
        "repair_due": _day(repair_due),
        "asked": request.reason if request else "",
    }


def _four_decimals(fraction: Fraction) -> str:
    """An exact fraction of places in the letter: 5/9 is 0,5556 (half to even, never float)."""
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    return f"{exact.quantize(Decimal('0.0001'), rounding=ROUND_HALF_EVEN)}".replace(".", ",")


def places_part(application: Application, amounts: dict[str, int], params: dict,
                rates: dict | None, fields) -> dict:
    details = application.details or {}
    fractions = fields.fractions(details, params)
    cap = params["rate_cap_cents"]
    students: dict[str, int] = {}
    for place in details.get("places") or []:
        students[place.get("category")] = students.get(place.get("category"), 0) + 1
    rows = []
    for category in CATEGORY_LABELS:
        fraction = fractions.get(category) or Fraction(0)
        if category not in amounts and not fraction:
            continue
        amount = amounts.get(category, 0)
        if rates and category in rates:
            rate = int(rates[category])
        elif fraction and amount == int(cap * fraction):
            rate = cap
        else:
            rate = round(Fraction(amount) / fraction) if fraction else 0
        rows.append({
            "category": CATEGORY_LABELS[category],
            "students": students.get(category, 0),
            "places": _four_decimals(fraction),
            "rate": format_eur(rate),
            "amount": format_eur(amount),
        })
    weeks, _ = _rule(params, "payment_weeks")
    iban = details.get("iban") or ""
    return {
        "study_year": application.window.code.replace("-", "/"),
        "rate_cap": format_eur(cap),
        "rows": rows,
        "iban": " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)),
        "payment": f"Dat doen wij binnen {weeks} weken na de datum van deze brief.",
        "retention": f"ten minste {STANDARD['retention_years']} jaar",
    }


def settlement_part(granted: int, paid_before: int, final: int, recovery_reference: str | None,
                    params: dict) -> dict:
    balance = final - paid_before
    weeks, _ = _rule(params, "payment_weeks")
    if balance > 0:
        direction, label = "pay", "Wij betalen u nog"
    elif balance < 0:
        direction, label = "recover", "U moet terugbetalen"
    else:
        direction, label = "none", "Nog te betalen of terug te betalen"
    return {
        "granted": format_eur(granted),
        "paid": format_eur(paid_before),
        "balance": format_eur(abs(balance)),
        "balance_label": label,
        "direction": direction,
        "reduced": final < granted,
        "recovery_reference": recovery_reference or "",
        "payment": f"Dat doen wij binnen {weeks} weken na de datum van deze brief.",
    }


def recovery_part(paid_before: int, final: int, settlement_reference: str, today: date,
                  params: dict) -> dict:
    weeks, _ = _rule(params, "payment_weeks")
    return {
        "paid": format_eur(paid_before),
        "final": format_eur(final),
        "settlement_reference": settlement_reference,
        "payment_weeks": int(weeks),
        "pay_by": format_day(today + timedelta(weeks=int(weeks))),
    }


def objection_part(objection: Objection) -> tuple[dict, int | None]:
    against = db.session.get(AuditEvent, objection.against_event_id)
    letter = db.session.scalars(
        sa.select(Decision).where(Decision.audit_event_id == against.id)
        .order_by(Decision.id).limit(1)).first()
    amount = letter.amount_cents if letter is not None else None
    return {
        "lodged_on": format_day(objection.lodged_at),
        "against_date": format_day(against.at),
        "against_reference": letter.reference if letter is not None else "",
        "against_kind": (DECISION_KIND_LABELS[letter.kind].lower() if letter is not None
                         else against.trigger),
        "upheld": objection.outcome == ObjectionOutcome.UPHELD,
        "outcome": objection.outcome.value,
        "grounds": objection.reason,
        # Awb 6:7 and 6:11: a late objection, and why its lateness was excused (if it was).
        "late": bool(objection.late),
        "lateness_excused": objection.lateness_excused or "",
        "term_ended_on": _day(db.session.get(Application, objection.application_id)
                              .objection_due_on) if objection.late else "",
        "new_decision": None,
    }, amount


def new_decision_part(grant: Draft) -> dict:
    """What the decision on objection puts in place of the revoked one (Awb 7:11)."""
    return {
        "kind_label": grant.context["kind_label"].lower(),
        "reference": grant.context["reference"],
        "amount": grant.context["amount"],
        "requested": grant.context["application"]["requested"],
        "reduced": grant.context["grant"]["reduced"],
    }


def amendment_part(previous: int, new: int, paid: int, ended: bool, params: dict) -> dict:
    """Lowering or ending a grant before settlement: the amounts, and what comes next."""
    weeks, _ = _rule(params, "settlement_request_weeks")
    return {
        "ended": ended,
        "previous": format_eur(previous),
        "new": format_eur(new),
        "released": format_eur(previous - new),
        "paid": format_eur(paid),
        "settlement_weeks": int(weeks),
    }


def postponement_part(previous_due: date, new_due: date) -> dict:
    """The notice that the decision comes later (Awb 4:14): the old and the new date."""
    return {"previous_due": format_day(previous_due), "new_due": format_day(new_due)}
