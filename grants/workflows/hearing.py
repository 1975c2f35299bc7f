"""The hearing on an objection (hoorzitting, Awb 7:2 and 7:3).

Before the objection is decided the objector is heard: staff invite them for a moment and a
place (``invite_to_hearing``, again to move it), then record that it was held, with its minutes
(``record_hearing``), or that it was waived (``waive_hearing``): because the objector waived it
or because the objection is manifestly inadmissible or manifestly unfounded (7:3). Until one of
the two is recorded the objection cannot be decided. Each step is a trigger of its own (an
addition to the canonical list, like ``extend_objection_term``), so each writes an audit row.
"""

from datetime import date, datetime

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Application, Attachment, Objection, Role, User
from grants.timefmt import AMSTERDAM, format_day, format_moment
from grants.workflows import common
from grants.workflows.engine import Firing, Transition, transition

# Awb 7:3: the hearing may be waived on these grounds (and 7:3(c): the objector waived it).
WAIVER_GROUNDS = {
    "objector_waived": "de indiener van het bezwaar heeft verklaard geen gebruik te willen "
                       "maken van het recht om te worden gehoord (artikel 7:3, onder c, Awb)",
    "manifestly_inadmissible": "het bezwaar is kennelijk niet-ontvankelijk (artikel 7:3, "
                               "onder a, Awb)",
    "manifestly_unfounded": "het bezwaar is kennelijk ongegrond (artikel 7:3, onder b, Awb)",
}
STAFF = (Role.ASSESSOR, Role.APPROVER)


def _pending(application: Application) -> Objection | None:
    return common.pending_objection(application)


def not_heard_yet(application: Application, user: User) -> bool:
    objection = _pending(application)
    return objection is not None and not objection.heard


def invited_not_heard(application: Application, user: User) -> bool:
    objection = _pending(application)
    return objection is not None and not objection.heard and objection.hearing_at is not None


def hearing_open(f: Firing) -> None:
    objection = _pending(f.application)
    if objection is None:
        raise ValidationFailed("Er is geen openstaand bezwaar.", {"objection": [
            "Er is geen openstaand bezwaar."]})
    if objection.hearing_held_on is not None:
        raise ValidationFailed("De hoorzitting is al gehouden.", {"hearing": [
            f"De hoorzitting is al gehouden, op {format_day(objection.hearing_held_on)}."]})
    if objection.hearing_waived is not None:
        raise ValidationFailed("Van horen is al afgezien.", {"hearing": [
            "Er is al vastgelegd dat van horen wordt afgezien."]})


def _moment(value, field: str) -> datetime:
    """An ISO moment; without an offset it is Amsterdam time (what staff type in a form)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed("Ongeldig tijdstip.", {field: [
            "Geef datum en tijd als JJJJ-MM-DDTUU:MM, bijvoorbeeld 2014-06-12T10:00."]}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment


def _day(value, field: str, what: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed("Ongeldige datum.", {field: [
            f"Geef {what} als JJJJ-MM-DD."]}) from None


def attachment_of(f: Firing, field: str) -> Attachment | None:
    """An attachment already on this application's file, named by its id (or none given)."""
    given = f.data.get(field)
    if given in (None, ""):
        return None
    attachment = None
    if isinstance(given, int) or (isinstance(given, str) and given.isdigit()):
        attachment = db.session.get(Attachment, int(given))
    if attachment is None or attachment.application_id != f.application.id:
        raise ValidationFailed("Onbekende bijlage.", {field: [
            "Geen bijlage van deze aanvraag."]})
    return attachment


def invitation(f: Firing) -> None:
    errors = {}
    place = str(f.data.get("place") or "").strip()
    if not place:
        errors["place"] = ["Geef de plaats van de hoorzitting (adres, of 'telefonisch')."]
    elif len(place) > 200:
        errors["place"] = ["Hoogstens 200 tekens."]
    try:
        moment = _moment(f.data.get("hearing_at"), "hearing_at")
    except ValidationFailed as refused:
        errors.update(refused.fields)
    else:
        if moment <= f.now:
            errors["hearing_at"] = ["De hoorzitting ligt na vandaag."]
    if errors:
        raise ValidationFailed("De uitnodiging is niet volledig.", errors)
    f.audit_data.update(hearing_at=moment.isoformat(), place=place)


def invite(f: Firing) -> None:
    objection = _pending(f.application)
    if objection.hearing_at is not None:
        f.audit_data["previous_hearing_at"] = objection.hearing_at.isoformat()
    objection.hearing_invited_at = f.now
    objection.hearing_at = datetime.fromisoformat(f.audit_data["hearing_at"])
    objection.hearing_place = f.audit_data["place"]


def hearing_held(f: Firing) -> None:
    objection = _pending(f.application)
    if objection.hearing_at is None:
        raise ValidationFailed("Er is niemand uitgenodigd.", {"hearing": [
            "Nodig de indiener eerst uit voor de hoorzitting."]})
    held_on = _day(f.data.get("held_on"), "held_on", "de datum van de hoorzitting")
    errors = {}
    if held_on > f.today:
        errors["held_on"] = [f"De hoorzitting ligt niet na vandaag ({format_day(f.today)})."]
    elif held_on < objection.hearing_invited_at.astimezone(AMSTERDAM).date():
        errors["held_on"] = ["De hoorzitting ligt niet vóór de uitnodiging."]
    attended = f.data.get("attended", True)
    if not isinstance(attended, bool):
        errors["attended"] = ["Geef true (de indiener was er) of false."]
    try:
        minutes = attachment_of(f, "minutes_attachment")
    except ValidationFailed as refused:
        errors.update(refused.fields)
    if errors:
        raise ValidationFailed("De hoorzitting is niet volledig vastgelegd.", errors)
    f.audit_data.update(held_on=held_on.isoformat(), attended=attended,
                        minutes_attachment=minutes.id if minutes else None)


def record_held(f: Firing) -> None:
    objection = _pending(f.application)
    objection.hearing_held_on = date.fromisoformat(f.audit_data["held_on"])
    objection.hearing_attended = f.audit_data["attended"]
    objection.hearing_minutes_id = f.audit_data["minutes_attachment"]


def waiver(f: Firing) -> None:
    ground = f.data.get("ground")
    if ground not in WAIVER_GROUNDS:
        raise ValidationFailed("Kies de grond.", {"ground": [
            "Waarom wordt van horen afgezien: objector_waived (de indiener ziet ervan af), "
            "manifestly_inadmissible (kennelijk niet-ontvankelijk) of manifestly_unfounded "
            "(kennelijk ongegrond)."]})
    common.reason_required(f)
    f.audit_data["ground"] = ground


def record_waiver(f: Firing) -> None:
    objection = _pending(f.application)
    objection.hearing_waived = f.audit_data["ground"]
    objection.hearing_waiver_reason = f.reason


def heard_or_waived(objection: Objection, outcome: str) -> None:
    """Decide only after the hearing, or its waiver, and in keeping with the waiver's ground."""
    if not objection.heard:
        invited = (f" De hoorzitting staat gepland op {format_moment(objection.hearing_at)}."
                   if objection.hearing_at else "")
        raise ValidationFailed("De indiener is nog niet gehoord.", {"hearing": [
            "Voordat op het bezwaar wordt beslist, wordt de indiener gehoord (artikel 7:2 Awb). "
            "Leg vast dat de hoorzitting is gehouden, of waarom daarvan is afgezien."
            + invited]})
    if objection.hearing_waived == "manifestly_inadmissible" and outcome != "inadmissible":
        raise ValidationFailed("Van horen is afgezien.", {"outcome": [
            "Van horen is afgezien omdat het bezwaar kennelijk niet-ontvankelijk is; verklaar "
            "het dan ook niet-ontvankelijk."]})
    if objection.hearing_waived == "manifestly_unfounded" and outcome == "upheld":
        raise ValidationFailed("Van horen is afgezien.", {"outcome": [
            "Van horen is afgezien omdat het bezwaar kennelijk ongegrond is; een gegrond "
            "bezwaar kan dan niet zonder de indiener te horen."]})


def hearing_transitions(decided_states) -> list[Transition]:
    return [
        transition("invite_to_hearing", decided_states, None, STAFF,
                   guards=[hearing_open, invitation], effects=[invite],
                   available=not_heard_yet),
        transition("record_hearing", decided_states, None, STAFF,
                   guards=[hearing_open, hearing_held], effects=[record_held],
                   available=invited_not_heard),
        transition("waive_hearing", decided_states, None, STAFF,
                   guards=[hearing_open, waiver], effects=[record_waiver],
                   available=not_heard_yet),
    ]
