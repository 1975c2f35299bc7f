"""A new IBAN for an organisation is held until a second person confirms it.

The IBAN decides where grants are paid, so a hijacked account must not be able to divert them
on its own: a change asked for by one person (an applicant of the organisation, or staff) waits
as an ``IbanChange`` while the organisation, and every payment run, keeps the old account.
Another applicant of the same organisation, or a staff member (admin or finance), confirms or
rejects it (with a reason); the one who asked may withdraw it. One change waits at a time.
Every step is in the admin log with the IBANs masked; the organisation's users get a mail of
each (grants.mail.iban_changes writes them from the log rows).

Like every service this flushes and never commits.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from stdnum import iban as stdnum_iban

from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.i18n import page_moment
from grants.models import (
    AdminAction,
    AdminEvent,
    IbanChange,
    IbanChangeStatus,
    Organisation,
    Role,
    User,
)

REASON_MAX = 1000
# Staff who may confirm a change for any organisation: those who look after the money.
CONFIRMING_STAFF = (Role.ADMIN, Role.FINANCE)


def format_iban(compact: str) -> str:
    """An IBAN in groups of four, as printed on a bank card: NL91 ABNA 0417 1643 00."""
    return stdnum_iban.format(compact) if compact else ""


def mask_iban(compact: str) -> str:
    """Only the last four characters: enough to recognise an account in the log, not to use it."""
    if not compact:
        return ""
    return "*" * (len(compact) - 4) + compact[-4:]


def pending_change(organisation: Organisation) -> IbanChange | None:
    return db.session.scalars(sa.select(IbanChange).where(
        IbanChange.organisation_id == organisation.id,
        IbanChange.status == IbanChangeStatus.PENDING)).one_or_none()


def _log(action: AdminAction, change: IbanChange, actor: User, now: datetime, *,
         ibans: tuple[str, str], reason: str = "") -> None:
    # Under "organisation" as the log already shows an IBAN change (masked, old → new); the
    # change's id lets the mail hook find it.
    db.session.add(AdminEvent(
        action=action, actor_id=actor.id, at=now, organisation_id=change.organisation_id,
        reason=reason, data={"organisation": {"iban": [mask_iban(ibans[0]),
                                                       mask_iban(ibans[1])]},
                             "iban_change": change.id}))
    db.session.flush()


def _waiting_message(change: IbanChange) -> str:
    return _("Er wacht al een wijziging van het IBAN naar %(iban)s, aangevraagd door %(name)s "
             "op %(moment)s. Die moet eerst worden bevestigd of afgewezen, of door %(name)s "
             "worden ingetrokken.", iban=format_iban(change.new_iban),
             name=change.requested_by.name, moment=page_moment(change.requested_at))


def request_iban_change(organisation: Organisation, new_iban: str, *, actor: User,
                        now: datetime) -> IbanChange | None:
    """Hold ``new_iban`` (compact, already checked) until someone else confirms it; None when
    it is the IBAN the organisation has. Refused, field ``iban``, while another change waits:
    the one who asked for that withdraws it first."""
    # Locks the organisation so that two requests at once cannot both find none waiting, and
    # reads its IBAN as a confirmation committed meanwhile left it.
    db.session.scalars(sa.select(Organisation).where(Organisation.id == organisation.id)
                       .with_for_update().execution_options(populate_existing=True)).one()
    if new_iban == (organisation.iban or ""):
        return None
    waiting = pending_change(organisation)
    if waiting is not None:
        if waiting.new_iban == new_iban:
            return None  # asked for again: it already waits
        message = _waiting_message(waiting)
        raise ValidationFailed(_("Het IBAN is niet gewijzigd."), {"iban": [message]})
    change = IbanChange(organisation_id=organisation.id, old_iban=organisation.iban or "",
                        new_iban=new_iban, status=IbanChangeStatus.PENDING,
                        requested_by_id=actor.id, requested_at=now, reason="")
    db.session.add(change)
    db.session.flush()
    _log(AdminAction.IBAN_CHANGE_REQUESTED, change, actor, now,
         ibans=(change.old_iban, change.new_iban))
    return change


def _may_see(change: IbanChange, user: User) -> bool:
    return user.has_role(*CONFIRMING_STAFF) or (
        user.organisation_id is not None and user.organisation_id == change.organisation_id)


def visible_change(change_id: int, user: User) -> IbanChange:
    """404 for another organisation's change: never a hint that it exists."""
    change = db.session.get(IbanChange, change_id)
    if change is None or not _may_see(change, user):
        raise NotFound()
    return change


def _locked(change_id: int, user: User) -> IbanChange:
    """The change, locked for the rest of the transaction, so that two people confirming at
    once cannot both apply it: PostgreSQL locks the row; on SQLite every writing request
    already holds the write lock, so the second waits and then finds it decided."""
    change = db.session.scalars(
        sa.select(IbanChange).where(IbanChange.id == change_id).with_for_update()
        .execution_options(populate_existing=True)).one_or_none()
    if change is None or not _may_see(change, user):
        raise NotFound()
    if not change.pending:
        raise Conflict(_("Deze IBAN-wijziging wacht niet meer: zij is %(status)s.",
                         status=_(change.status_label).lower()))
    return change


def may_decide(change: IbanChange, user: User) -> bool:
    """Confirm or reject: anyone who may see it but the one who asked for it, and of the
    organisation's own users only those who apply for it."""
    if not change.pending or user.id == change.requested_by_id or not _may_see(change, user):
        return False
    return user.has_role(*CONFIRMING_STAFF) or user.has_role(Role.APPLICANT)


def may_withdraw(change: IbanChange, user: User) -> bool:
    return change.pending and user.id == change.requested_by_id


def _ensure_may_decide(change: IbanChange, user: User) -> None:
    if user.id == change.requested_by_id:
        raise Forbidden(_("U kunt uw eigen IBAN-wijziging niet bevestigen of afwijzen: dat "
                          "doet een collega of het ministerie."))
    if not may_decide(change, user):
        raise Forbidden()


def confirm_iban_change(change_id: int, *, actor: User, now: datetime) -> IbanChange:
    """The second person agrees: from now on the organisation is paid on the new IBAN."""
    change = _locked(change_id, actor)
    _ensure_may_decide(change, actor)
    organisation = change.organisation
    before = organisation.iban or ""
    organisation.iban = change.new_iban
    change.status = IbanChangeStatus.CONFIRMED
    change.decided_by_id = actor.id
    change.decided_at = now
    _log(AdminAction.IBAN_CHANGE_CONFIRMED, change, actor, now,
         ibans=(before, change.new_iban))
    return change


def reject_iban_change(change_id: int, *, actor: User, now: datetime,
                       reason: str) -> IbanChange:
    """The second person refuses, with the reason: the organisation keeps its IBAN."""
    change = _locked(change_id, actor)
    _ensure_may_decide(change, actor)
    text = (reason or "").strip()
    if not text:
        message = _("Vul de reden in waarom u de wijziging van het IBAN afwijst.")
    elif len(text) > REASON_MAX:
        message = _("Houd de reden onder de %(limit)d tekens.", limit=REASON_MAX)
    else:
        message = None
    if message:
        raise ValidationFailed(_("De IBAN-wijziging is niet afgewezen."), {"reason": [message]})
    change.status = IbanChangeStatus.REJECTED
    change.decided_by_id = actor.id
    change.decided_at = now
    change.reason = text
    _log(AdminAction.IBAN_CHANGE_REJECTED, change, actor, now,
         ibans=(change.old_iban, change.new_iban), reason=text)
    return change


def withdraw_iban_change(change_id: int, *, actor: User, now: datetime) -> IbanChange:
    """The one who asked for it takes it back while it waits."""
    change = _locked(change_id, actor)
    if not may_withdraw(change, actor):
        raise Forbidden(_("Alleen wie de wijziging heeft aangevraagd, kan haar intrekken."))
    change.status = IbanChangeStatus.WITHDRAWN
    change.decided_by_id = actor.id
    change.decided_at = now
    _log(AdminAction.IBAN_CHANGE_WITHDRAWN, change, actor, now,
         ibans=(change.old_iban, change.new_iban))
    return change


def pending_changes() -> list[IbanChange]:
    """Every change still waiting, the oldest first: for staff (who see all organisations)."""
    return list(db.session.scalars(
        sa.select(IbanChange).where(IbanChange.status == IbanChangeStatus.PENDING)
        .order_by(IbanChange.requested_at, IbanChange.id)))


def decided_changes(limit: int = 20) -> list[IbanChange]:
    """The most recently decided changes, the newest first."""
    return list(db.session.scalars(
        sa.select(IbanChange).where(IbanChange.status != IbanChangeStatus.PENDING)
        .order_by(IbanChange.decided_at.desc(), IbanChange.id.desc()).limit(limit)))
