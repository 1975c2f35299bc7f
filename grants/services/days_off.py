"""The days a royal decree made equal to a recognised holiday (Algemene termijnenwet art. 3):
a statutory term ending on one runs to the next working day. Admins keep them, on the page
under /beheer and with `flask grants holidays`; each change goes in the admin's log.

A change counts for terms set from then on: a date already set or printed in a letter stays.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.i18n import translated
from grants.models import AdminAction, AdminEvent, StatutoryDayOff, User
from grants.timefmt import format_day
from grants.workflows.terms import day_off_name


def all_days_off() -> list[StatutoryDayOff]:
    return list(db.session.scalars(sa.select(StatutoryDayOff).order_by(StatutoryDayOff.day)))


def _log(action: AdminAction, actor: User | None, now: datetime, day_off: StatutoryDayOff,
         reason: str = "") -> None:
    db.session.add(AdminEvent(action=action, actor_id=actor.id if actor else None, at=now,
                              reason=reason,
                              data={"day": day_off.day.isoformat(), "decree": day_off.reason}))
    db.session.flush()


def add_day_off(day: date | None, reason: str, *, actor: User | None,
                now: datetime) -> StatutoryDayOff:
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if day is None:
        errors["day"] = [_("Vul de dag in.")]
    elif db.session.get(StatutoryDayOff, day) is not None:
        errors["day"] = [_("%(day)s staat al in de lijst.", day=format_day(day))]
    elif (name := day_off_name(day)) is not None:
        errors["day"] = [_("Op %(day)s eindigt al geen termijn: het is %(name)s.",
                           day=format_day(day), name=translated(name))]
    if not reason:
        errors["reason"] = [_("Noem het koninklijk besluit dat de dag gelijkstelt, met de "
                              "vindplaats in de Staatscourant.")]
    elif len(reason) > 1000:
        errors["reason"] = [_("Houd de reden onder de 1000 tekens.")]
    if errors:
        raise ValidationFailed(_("De dag is niet toegevoegd."), errors)
    day_off = StatutoryDayOff(day=day, reason=reason)
    db.session.add(day_off)
    db.session.flush()
    _log(AdminAction.DAY_OFF_ADDED, actor, now, day_off)
    return day_off


def remove_day_off(day: date, *, actor: User | None, now: datetime,
                   reason: str = "") -> StatutoryDayOff:
    day_off = db.session.get(StatutoryDayOff, day)
    if day_off is None:
        raise ValidationFailed(_("De dag is niet verwijderd."), {"day": [
            _("%(day)s staat niet in de lijst.", day=format_day(day))]})
    _log(AdminAction.DAY_OFF_REMOVED, actor, now, day_off, (reason or "").strip())
    db.session.delete(day_off)
    db.session.flush()
    return day_off
