"""Bookings by hand, on the lines without a window: the budgets without an applicant workflow
(bèta teachers, pabo's) and a scheme budget's line for what its windows leave."""

from datetime import datetime

import sqlalchemy as sa

from grants.access import require_role
from grants.budget import ledger
from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.models import Bucket, Budget, BudgetLine, EntryKind, LedgerEntry, Role, User


def manual_line(line_id: int) -> BudgetLine:
    line = db.session.scalars(
        sa.select(BudgetLine).join(Budget).where(BudgetLine.id == line_id)).one_or_none()
    if line is None:
        raise NotFound("Deze budgetregel bestaat niet.")
    return line


def book_by_hand(line_id: int, kind: EntryKind, amount_cents: int, *, reason: str,
                 actor: User, now: datetime, bucket: Bucket | None = None) -> LedgerEntry:
    """A commitment, release, payment or recovery that no application workflow books.

    A window's lines move only through the workflow, so that every cent there belongs to an
    application's decision.
    """
    require_role(actor, Role.FINANCE)
    line = manual_line(line_id)
    fields: dict[str, list[str]] = {}
    if line.window_id is not None:
        fields["line"] = [f"{line.name} wordt geboekt via de aanvragen, niet met de hand."]
    if not (reason or "").strip():
        fields["reason"] = ["Geef de reden van de boeking."]
    if kind == EntryKind.RELEASE and bucket is None:
        fields["bucket"] = ["Zeg of een reservering of een verplichting vrijvalt."]
    if fields:
        raise ValidationFailed("Er is niets geboekt.", fields)
    return ledger.post(line, kind, amount_cents, actor=actor, now=now, cause="manual",
                       bucket=bucket if kind == EntryKind.RELEASE else None,
                       reason=reason.strip())
