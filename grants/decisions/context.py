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

# The article of the Awb each kind of decision rests on, besides the regulation itself. A refusal
# rests on the article of its ground (REFUSAL_GROUNDS), never on Awb 4:35 for a failed condition.
ARTICLES = {
    K.GRANT: ["artikel 4:30"],
    K.REJECTION: [],
    K.NOT_PROCESSED: ["artikel 4:5"],
    K.DIRECT_SETTLEMENT: ["artikel 4:46"],
    K.SETTLEMENT: ["artikel 4:46"],
    K.RECOVERY: ["artikel 4:57"],
    K.OBJECTION: ["artikel 7:11"],
    K.AMENDMENT: ["artikel 4:48"],
    K.POSTPONEMENT: ["artikel 4:14"],
}
CEILING_ARTICLES = ["artikel 4:25, tweede lid"]

# Per ground of a refusal: the key of the regulation's article in ``Scheme.articles`` and the
# articles of the Awb it rests on besides.
REFUSAL_GROUNDS = {
    # The application does not meet a condition of the regulation: that article, nothing else.
    "eligibility": ("eligibility", []),
    # Granting it would exceed the ceiling (Awb 4:25, second paragraph).
    "ceiling": ("ceiling", CEILING_ARTICLES),
    # RIF: the committee scored it below sufficient, so it is not ranked for funding.
    "insufficient": ("committee", []),
}
# The regulation's article each kind rests on (a key of ``Scheme.articles``); refusals by ground.
REGULATION_ARTICLE = {
    K.GRANT: "grant",
    K.NOT_PROCESSED: "application",
    K.DIRECT_SETTLEMENT: "settlement",
    K.SETTLEMENT: "settlement",
    K.RECOVERY: "settlement",
    K.OBJECTION: None,
    K.AMENDMENT: "amendment",
    K.POSTPONEMENT: "decision_term",
}
# Whom the applicant may ask when the scheme names no one.
FALLBACK_ATTENTION = "t.a.v. de directie"
FALLBACK_FUNCTION = "medewerker subsidies"

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


def regulation_articles(scheme, key: str | None) -> list[str]:
    """The regulation's article(s) for ``key`` as the scheme's data names them."""
    article = (scheme.articles or {}).get(key) if key else None
    return [article] if article else []


def attention_line(organisation) -> str:
    name = (organisation.contact_name or "").strip()
    return f"t.a.v. {name}" if name else FALLBACK_ATTENTION


def signer_of(name: str, function: str) -> dict:
    """Who signs: the person who took the decision (the actor of its audit event), with function."""
    return {"name": name, "function": (function or "").strip() or FALLBACK_FUNCTION}


def base_context(kind: DecisionKind, application: Application, reference: str, today: date,
                 params: dict, actor_name: str, objection_due: date | None,
                 actor_function: str = "") -> dict:
    scheme, organisation = application.scheme, application.organisation
    address = params.get("objection_address") or POSTAL_ADDRESSES[scheme.ministry]
    minister = minister_of(scheme.ministry_name)
    contact = scheme.contact or {}
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
        "regulation_articles": regulation_articles(scheme, REGULATION_ARTICLE.get(kind)),
        "statutory_basis": scheme.statutory_basis or "",
        "articles": [awb_article(article) for article in ARTICLES[kind]],
        "ministry": {"code": scheme.ministry.value, "name": scheme.ministry_name,
                     "address": list(address)},
        "minister": minister,
        "minister_title": minister[0].upper() + minister[1:],
        "addressee": {
            "name": organisation.name,
            "attention": attention_line(organisation),
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
        "signer": signer_of(actor_name, actor_function),
        "contact": {"name": str(contact.get("name") or scheme.ministry_name),
                    "phone": str(contact.get("phone") or ""),
                    "email": str(contact.get("email") or "")},
        "objection": {"due": _day(objection_due)},
    }


def is_ceiling_reason(data: dict, reason: str) -> bool:
    """The allocation refuses with ground "ceiling" (or a reason naming the ceiling)."""
    return data.get("ground") == "ceiling" or "subsidieplafond" in reason.lower()


def refusal_ground(data: dict, reason: str, committee: dict | None) -> str:
    """Why an application is refused: the ceiling, the committee's scores, or a condition."""
    if is_ceiling_reason(data, reason):
        return "ceiling"
    if data.get("ground") == "insufficient" or (committee and not committee["sufficient"]):
        return "insufficient"
    return "eligibility"


def rejection_part(application: Application, data: dict, reason: str,
                   committee: dict | None = None) -> dict:
    ground = refusal_ground(data, reason, committee)
    return {"ground": ground,
            "ceiling": format_eur(application.window.ceiling_cents) if ground == "ceiling"
            else None}


def refusal_articles(application: Application, ground: str) -> tuple[list[str], list[str]]:
    """The regulation's article and the Awb articles a refusal on ``ground`` rests on."""
    key, awb = REFUSAL_GROUNDS[ground]
    return regulation_articles(application.scheme, key), [awb_article(a) for a in awb]


def awb_article(article: str) -> str:
    """"artikel 4:25, tweede lid" → "artikel 4:25, tweede lid, van de Algemene wet …"."""
    return f"{article}{',' if article.endswith('lid') else ''} {AWB}"


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
                rates: dict | None, fractions: dict[str, Fraction]) -> dict:
    """The letter's table of places: per category its students, places (``fractions``, as the
    praktijkleren fields count them), rate and amount."""
    details = application.details or {}
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
    # Paid to the organisation's confirmed account (grants.payments.payables.creditor_iban),
    # whatever the application named when it was filed.
    iban = application.organisation.iban or details.get("iban") or ""
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
        # A letter on paper counts from the day it came in, not the day staff registered it.
        "lodged_on": format_day(objection.received_on or objection.lodged_at),
        "on_paper": bool(objection.on_paper),
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
        "hearing": hearing_part(objection),
        "costs": costs_part(objection),
        "new_decision": None,
    }, amount


# Awb 7:3: why the hearing was waived, as the letter says it.
HEARING_WAIVED = {
    "objector_waived": "U heeft laten weten dat u niet gehoord wilt worden. Daarom hebben wij "
                       "geen hoorzitting gehouden (artikel 7:3, onder c, van de Algemene wet "
                       "bestuursrecht).",
    "manifestly_inadmissible": "Uw bezwaar is kennelijk niet-ontvankelijk. Daarom hebben wij "
                               "u niet gehoord (artikel 7:3, onder a, van de Algemene wet "
                               "bestuursrecht).",
    "manifestly_unfounded": "Uw bezwaar is kennelijk ongegrond. Daarom hebben wij u niet "
                            "gehoord (artikel 7:3, onder b, van de Algemene wet "
                            "bestuursrecht).",
}


def hearing_part(objection: Objection) -> dict:
    """The hearing (Awb 7:2): held on a day, with its minutes on file, or why it was waived."""
    if objection.hearing_held_on is not None:
        return {"held": True, "held_on": format_day(objection.hearing_held_on),
                "attended": bool(objection.hearing_attended),
                "minutes": objection.hearing_minutes_id is not None,
                "place": objection.hearing_place}
    return {"held": False, "waived": HEARING_WAIVED.get(objection.hearing_waived or "", ""),
            "reason": objection.hearing_waiver_reason}


def costs_part(objection: Objection) -> dict:
    """Awb 7:15: revoked for an error of the authority, the costs of professional help."""
    if objection.outcome != ObjectionOutcome.UPHELD:
        return {"authority_error": False, "requested": bool(objection.costs_requested),
                "amount": None}
    points = 1 + (1 if objection.hearing_held_on is not None and objection.hearing_attended
                  else 0)
    amount = objection.costs_cents
    return {
        "authority_error": bool(objection.authority_error),
        "requested": bool(objection.costs_requested),
        "amount": format_eur(amount) if amount is not None else None,
        "points": points,
        "point": format_eur(amount // points) if amount is not None else None,
    }


def new_decision_part(new: Draft) -> dict:
    """What the decision on objection puts in place of the revoked one (Awb 7:11)."""
    context = new.context
    return {
        "kind": new.kind.value,
        "kind_label": context["kind_label"].lower(),
        "reference": context["reference"],
        "amount": context["amount"],
        "requested": context["application"]["requested"],
        "reduced": (context.get("grant") or {}).get("reduced", False),
    }


def resettlement_part(previous: int, paid: int, new: int) -> dict:
    """A direct settlement raised on objection: what was settled and paid before, what is
    still to be paid."""
    return {"previous": format_eur(previous), "paid": format_eur(paid),
            "balance": format_eur(max(new - paid, 0))}


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
