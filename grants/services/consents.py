"""Partner consent for sector plans (issue 14): an applicant files only for its own
organisation, and every other organisation the plan names agrees from its own account.

- The filer's organisation must be the lead applicant or one of the partners; a plan that names
  organisations but not the filer's is refused on save and on submit (field
  ``lead_organisation``).
- Each other organisation named consents to the plan as it then reads (lead, partners,
  measures: ``content_hash``). A later change of those withdraws the consent (the row is
  deleted and the withdrawal logged); a consent whose hash differs from the plan counts as
  missing in any case.
- A user of a named organisation sees the plan only here, read-only, while it can still be
  consented to; the applicant scoping of everything else (grants.access) is unchanged.

Praktijkleren has no partners, and RIF's partners are free-text names, not organisations with
accounts, so both are left alone. Like every service this flushes and never commits.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from grants.access import require_role
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.i18n import N_
from grants.models import (
    STATE_LABELS,
    Application,
    ApplicationState,
    ConsentAction,
    Organisation,
    PartnerConsent,
    PartnerConsentEvent,
    Role,
    Scheme,
    User,
)
from grants.workflows.fields.common import listed

SCHEME = "sectorplan"
# While a plan can still change, its partners can still consent to it.
CONSENT_STATES = (ApplicationState.DRAFT, ApplicationState.INCOMPLETE)
WITHDRAWN_REASON = N_("Het sectorplan is gewijzigd (partners of maatregelen) nadat deze "
                      "organisatie toestemming gaf.")


# What a partner consents to: who takes part in which role, and what is done for how much.
CONSENTED_FIELDS = ("lead_organisation", "partners", "measures")


def named_organisations(details: dict) -> list[int]:
    """The ids of the organisations a plan names, the lead first, each once."""
    named = [details.get("lead_organisation")]
    named += [partner.get("organisation") for partner in listed(details, "partners")]
    return list(dict.fromkeys(value for value in named if isinstance(value, int)))


def applies_to(application: Application) -> bool:
    return application.scheme.code == SCHEME


def _filer_id(application: Application) -> int | None:
    # A draft being created has its organisation but not yet the key.
    if application.organisation is not None:
        return application.organisation.id
    return application.organisation_id


def content_hash(details: dict) -> str:
    """sha256 of what a partner consents to, in a canonical JSON form."""
    content = {key: (details or {}).get(key) for key in CONSENTED_FIELDS}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class ConsentStatus:
    organisation_id: int
    name: str
    # The applicant's own organisation: it agrees by filing, and needs no consent row.
    filer: bool
    consented: bool
    at: datetime | None = None
    user_name: str = ""


def _consents(application_id: int) -> list[PartnerConsent]:
    return list(db.session.scalars(
        sa.select(PartnerConsent).where(PartnerConsent.application_id == application_id)
        .order_by(PartnerConsent.id)))


def consent_statuses(application: Application) -> list[ConsentStatus]:
    """Every organisation the plan names that exists, the lead first, with its consent."""
    return consent_statuses_of([application])[application.id]


def consent_statuses_of(applications: list[Application]) -> dict[int, list[ConsentStatus]]:
    """``consent_statuses`` of each application by id: the organisations and consents of all of
    them read at once (a list of 50 sector plans asked twice per plan otherwise)."""
    named = {application.id: named_organisations(application.details or {})
             for application in applications if applies_to(application)}
    wanted = {organisation_id for ids in named.values() for organisation_id in ids}
    organisations = {organisation.id: organisation for organisation in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(wanted)))} if wanted else {}
    rows: dict[int, dict[int, PartnerConsent]] = {}
    naming = [application_id for application_id, ids in named.items() if ids]
    if naming:
        for row in db.session.scalars(
                sa.select(PartnerConsent).where(PartnerConsent.application_id.in_(naming))
                # Who consented, by name: not their roles.
                .options(joinedload(PartnerConsent.user).lazyload(User.role_rows))
                .order_by(PartnerConsent.id)):
            rows.setdefault(row.application_id, {})[row.organisation_id] = row
    return {application.id: _statuses(application, named.get(application.id, []),
                                      organisations, rows.get(application.id, {}))
            for application in applications}


def _statuses(application: Application, named: list[int], organisations: dict,
              rows: dict[int, PartnerConsent]) -> list[ConsentStatus]:
    if not named:
        return []
    current = content_hash(application.details or {})
    filer = _filer_id(application)
    statuses = []
    for organisation_id in named:
        organisation = organisations.get(organisation_id)
        if organisation is None:
            continue  # an unknown id: the completeness check names it
        if organisation_id == filer:
            statuses.append(ConsentStatus(organisation_id, organisation.name, filer=True,
                                          consented=True))
            continue
        row = rows.get(organisation_id)
        if row is not None and row.content_sha256 == current:
            statuses.append(ConsentStatus(organisation_id, organisation.name, filer=False,
                                          consented=True, at=row.at, user_name=row.user.name))
        else:
            statuses.append(ConsentStatus(organisation_id, organisation.name, filer=False,
                                          consented=False))
    return statuses


def missing_consents(application: Application) -> list[ConsentStatus]:
    return [status for status in consent_statuses(application) if not status.consented]


def _names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("%(first)s en %(last)s", first=", ".join(names[:-1]), last=names[-1])


def missing_message(missing: list[ConsentStatus]) -> str:
    return ngettext("%(names)s moet nog toestemming geven voor dit sectorplan. Vraag de "
                    "organisatie dat te doen vanuit haar eigen account.",
                    "%(names)s moeten nog toestemming geven voor dit sectorplan. Vraag de "
                    "organisaties dat te doen vanuit hun eigen account.",
                    len(missing), names=_names([status.name for status in missing]))


def filer_errors(application: Application) -> dict[str, list[str]]:
    """The filer's organisation must be lead or partner once the plan names anyone."""
    if not applies_to(application):
        return {}
    named = named_organisations(application.details or {})
    if not named or _filer_id(application) in named:
        return {}
    message = _("Uw eigen organisatie (%(name)s) moet de hoofdaanvrager zijn of bij de partners "
                "staan: u kunt een sectorplan alleen indienen voor uw eigen organisatie.",
                name=application.organisation.name)
    return {"lead_organisation": [message]}


def ensure_filer_named(application: Application, message: str) -> None:
    """On save: refuse a plan filed in other organisations' names only."""
    errors = filer_errors(application)
    if errors:
        raise ValidationFailed(message, errors)


def consent_refusal(application: Application) -> ValidationFailed | None:
    """Why the plan cannot be sent yet as far as consent goes (the filer is not named, or
    another organisation named has not consented to it as it now reads); None when it can."""
    if not applies_to(application):
        return None
    errors = filer_errors(application)
    missing = missing_consents(application)
    if missing:
        errors["partners"] = [missing_message(missing)]
    if not errors:
        return None
    return ValidationFailed(_("Het sectorplan kan nog niet worden ingediend."), errors)


def _log(application: Application, organisation_id: int, action: ConsentAction,
         actor: User | None, now: datetime, content_sha256: str, reason: str = "") -> None:
    db.session.add(PartnerConsentEvent(
        application_id=application.id, organisation_id=organisation_id, action=action,
        actor_id=actor.id if actor else None, at=now, content_sha256=content_sha256,
        reason=reason))


def withdraw_stale(application: Application, actor: User | None, now: datetime) -> list[int]:
    """After a change of the plan: delete the consents given to what it no longer says (and of
    organisations no longer named), logging each. Returns the organisations concerned."""
    if not applies_to(application):
        return []
    details = application.details or {}
    current = content_hash(details)
    named = set(named_organisations(details))
    withdrawn = []
    for row in _consents(application.id):
        if row.content_sha256 == current and row.organisation_id in named:
            continue
        _log(application, row.organisation_id, ConsentAction.WITHDRAWN, actor, now,
             row.content_sha256, WITHDRAWN_REASON)
        withdrawn.append(row.organisation_id)
        db.session.delete(row)
    db.session.flush()
    return withdrawn


# -- the partner's side --------------------------------------------------------------------

def _sectorplan_scheme_id():
    return sa.select(Scheme.id).where(Scheme.code == SCHEME).scalar_subquery()


def _naming(application: Application, user: User) -> bool:
    return user.organisation_id is not None and user.organisation_id in \
        named_organisations(application.details or {})


def named_application(application_id: int, user: User, *, lock: bool = False) -> Application:
    """A sector plan that names ``user``'s organisation, in any state; 404 for any other (the
    answer cannot tell "not named" from "does not exist")."""
    if user.organisation_id is None:
        raise NotFound()
    stmt = sa.select(Application).where(Application.id == application_id,
                                        Application.scheme_id == _sectorplan_scheme_id())
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    application = db.session.scalars(stmt).one_or_none()
    if application is None or not _naming(application, user):
        raise NotFound()
    return application


def plan_to_consent(application_id: int, user: User) -> Application:
    """The plan as the partner may read it: named, not its own, and still open to consent."""
    require_role(user, Role.APPLICANT)
    application = named_application(application_id, user)
    if application.organisation_id == user.organisation_id \
            or application.state not in CONSENT_STATES:
        raise NotFound()
    return application


def own_status(application: Application, user: User) -> ConsentStatus | None:
    return next((status for status in consent_statuses(application)
                 if status.organisation_id == user.organisation_id), None)


def plans_asking_consent(user: User) -> list[tuple[Application, ConsentStatus]]:
    """The sector plans of other organisations that name ``user``'s organisation and can still
    be consented to, with the organisation's consent to each, the oldest first."""
    if user.organisation_id is None:
        return []
    candidates = db.session.scalars(
        sa.select(Application).where(Application.scheme_id == _sectorplan_scheme_id(),
                                     Application.state.in_(CONSENT_STATES),
                                     Application.organisation_id != user.organisation_id)
        .order_by(Application.created_at, Application.id))
    found = []
    for application in candidates:
        if _naming(application, user):
            status = own_status(application, user)
            if status is not None:
                found.append((application, status))
    return found


def give_consent(application_id: int, user: User, now: datetime) -> tuple[ConsentStatus, bool]:
    """``user``'s organisation consents to the plan as it now reads. Returns its status and
    whether anything was recorded (a second consent to the same content records nothing)."""
    require_role(user, Role.APPLICANT)
    application = named_application(application_id, user, lock=True)
    if application.state not in CONSENT_STATES:
        raise Conflict(_("Toestemming geven kan alleen zolang het sectorplan niet is ingediend "
                         "of wordt aangevuld; het heeft nu de status '%(state)s'.",
                         state=_(STATE_LABELS[application.state])))
    status = own_status(application, user)
    if status is None:  # the organisation was named, but no longer exists as such
        raise NotFound()
    if status.consented:
        return status, False
    current = content_hash(application.details or {})
    withdraw_stale(application, user, now)
    db.session.add(PartnerConsent(application_id=application.id,
                                  organisation_id=user.organisation_id, user_id=user.id,
                                  at=now, content_sha256=current))
    _log(application, user.organisation_id, ConsentAction.GIVEN, user, now, current)
    db.session.flush()
    return own_status(application, user), True


def consent_events(application: Application) -> list[PartnerConsentEvent]:
    return list(db.session.scalars(
        sa.select(PartnerConsentEvent).where(PartnerConsentEvent.application_id == application.id)
        .order_by(PartnerConsentEvent.id)))
