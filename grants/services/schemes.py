"""Schemes, windows and their ceilings."""

from datetime import date, datetime

import sqlalchemy as sa

from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.models import CeilingAmendment, Scheme, User, Window, WindowCategory


def list_schemes() -> list[Scheme]:
    return list(db.session.scalars(sa.select(Scheme).order_by(Scheme.id)))


def get_window(scheme_code: str, window_code: str) -> Window:
    window = db.session.scalars(
        sa.select(Window).join(Scheme).where(Scheme.code == scheme_code, Window.code == window_code)
    ).one_or_none()
    if window is None:
        raise NotFound("Dit aanvraagtijdvak bestaat niet.")
    return window


def amend_ceiling(window: Window, new_ceiling_cents: int, *, reason: str, effective_on: date,
                  now: datetime, user: User | None,
                  category: WindowCategory | None = None) -> CeilingAmendment:
    """Change a window's (or one category's) ceiling, keeping the old value in its history."""
    fields: dict[str, list[str]] = {}
    if not (reason or "").strip():
        fields["reason"] = ["Geef de reden van de wijziging."]
    if new_ceiling_cents < 0:
        fields["ceiling"] = ["Een subsidieplafond kan niet negatief zijn."]
    if category is None and window.categories:
        fields["category"] = ["Dit tijdvak heeft een plafond per categorie; kies de categorie."]
    if category is not None and category.window_id != window.id:
        fields["category"] = ["Deze categorie hoort niet bij dit tijdvak."]
    if fields:
        raise ValidationFailed("Het plafond is niet gewijzigd.", fields)

    target = category if category is not None else window
    amendment = CeilingAmendment(
        window=window, category=category, old_ceiling_cents=target.ceiling_cents,
        new_ceiling_cents=new_ceiling_cents, reason=reason.strip(), effective_on=effective_on,
        recorded_at=now, recorded_by_id=user.id if user else None,
    )
    target.ceiling_cents = new_ceiling_cents
    db.session.add(amendment)
    db.session.flush()
    return amendment
