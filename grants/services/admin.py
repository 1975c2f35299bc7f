"""What admins do: open windows, move their dates, amend their ceilings; make accounts, change
roles, deactivate; issue and revoke API tokens.

Each action leaves a row in the admin's log (AdminEvent); a ceiling amendment is prepared here and
becomes its own record (CeilingAmendment) when a second admin approves it (four eyes,
grants.services.approvals). Like every service these
flush and never commit. A refusal raises ValidationFailed naming the fields, possibly after
something was flushed: the caller rolls back, as the error handlers and views do.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.identifiers import InvalidIdentifier, normalise_kvk
from grants.models import (
    CATEGORY_NAMES,
    STAFF_ROLES,
    AdminAction,
    AdminEvent,
    ApiToken,
    Application,
    Budget,
    BudgetLine,
    Organisation,
    PlaceCategory,
    Role,
    Scheme,
    User,
    UserRole,
    Window,
)
from grants.money import format_eur
from grants.services.accounts import create_user
from grants.services.approvals import prepare_ceilings
from grants.services.tokens import create_token, revoke_token
from grants.timefmt import AMSTERDAM, format_day, to_api

# Schemes whose windows have one ceiling per student category (shared/domain.md §2).
CATEGORY_SCHEMES = frozenset({"praktijkleren"})
WINDOW_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
# Letters and digits that cannot be mistaken for each other when read out or copied by hand.
READABLE_CHARACTERS = "abcdefghjkmnpqrstuvwxyz23456789"

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    messages = errors.setdefault(field, [])
    if message not in messages:
        messages.append(message)


def _log(action: AdminAction, actor: User | None, now: datetime, *, window: Window | None = None,
         user: User | None = None, token: ApiToken | None = None, reason: str = "",
         data: dict | None = None) -> AdminEvent:
    event = AdminEvent(action=action, actor_id=actor.id if actor else None, at=now,
                       window_id=window.id if window else None, user_id=user.id if user else None,
                       token_id=token.id if token else None, reason=reason, data=data or {})
    db.session.add(event)
    db.session.flush()
    return event


# -- schemes and windows ------------------------------------------------------------------------

def has_categories(scheme: Scheme) -> bool:
    return scheme.code in CATEGORY_SCHEMES


def ceiling_keys(scheme: Scheme) -> list[PlaceCategory | None]:
    """The ceilings a window of ``scheme`` has: one per category, or one (None)."""
    return list(PlaceCategory) if has_categories(scheme) else [None]


def ceiling_field(category: PlaceCategory | None) -> str:
    """The name a ceiling's errors are filed under: ``ceiling`` or ``ceiling_<category>``."""
    return "ceiling" if category is None else f"ceiling_{category.value}"


def get_scheme(code: str) -> Scheme:
    scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == code)).one_or_none()
    if scheme is None:
        raise NotFound(_("Deze regeling bestaat niet."))
    return scheme


def scheme_budget(scheme: Scheme) -> Budget:
    return db.session.scalars(sa.select(Budget).where(Budget.scheme_id == scheme.id)).one()


def application_count(window: Window) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(Application.window_id == window.id))


def _local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def _check_period(errors: Errors, budget: Budget, opens_at: datetime | None,
                  closes_at: datetime | None) -> None:
    if opens_at is None or closes_at is None:
        return
    if closes_at <= opens_at:
        _add(errors, "closes_at", _("Het tijdvak sluit na het moment waarop het opent."))
        return
    outside = _("%(budget)s loopt van %(start)s tot en met %(end)s; het tijdvak moet daarbinnen "
                "vallen.", budget=budget.name, start=format_day(budget.starts_on),
                end=format_day(budget.ends_on))
    if _local_day(opens_at) < budget.starts_on:
        _add(errors, "opens_at", outside)
    if _local_day(closes_at) > budget.ends_on:
        _add(errors, "closes_at", outside)


def unallocated_cents(budget: Budget) -> int:
    """What of the budget no line holds yet: the room a new window's ceilings must fit in."""
    divided = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.ceiling_cents), 0))
        .where(BudgetLine.budget_id == budget.id))
    return budget.ceiling_cents - int(divided)


def open_window(scheme: Scheme, *, code: str, name: str, opens_at: datetime | None,
                closes_at: datetime | None, ceilings: dict[PlaceCategory | None, int],
                source: str = "", actor: User | None, now: datetime) -> Window:
    """A new window of ``scheme`` with its budget line(s), within the scheme's budget."""
    errors: Errors = {}
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        _add(errors, "code", _("Geef het tijdvak een code."))
    elif not WINDOW_CODE.fullmatch(code):
        _add(errors, "code", _("Een code bestaat uit letters, cijfers, - en _ (hoogstens 40 "
                               "tekens), bijvoorbeeld T4 of 2018-1."))
    elif any(window.code == code for window in scheme.windows):
        _add(errors, "code", _("%(scheme)s heeft al een tijdvak met de code %(code)s.",
                               scheme=scheme.name, code=code))
    if not name:
        _add(errors, "name", _("Geef het tijdvak een naam."))
    elif len(name) > 200:
        _add(errors, "name", _("Houd de naam onder de 200 tekens."))
    if opens_at is None:
        _add(errors, "opens_at", _("Vul in vanaf wanneer het tijdvak open is."))
    if closes_at is None:
        _add(errors, "closes_at", _("Vul in tot wanneer het tijdvak open is."))
    budget = scheme_budget(scheme)
    _check_period(errors, budget, opens_at, closes_at)

    keys = ceiling_keys(scheme)
    for key in keys:
        if ceilings.get(key) is None:
            _add(errors, ceiling_field(key), _("Vul het subsidieplafond in."))
        elif ceilings[key] < 0:
            _add(errors, ceiling_field(key), _("Een plafond is niet negatief."))
    if not any(ceiling_field(key) in errors for key in keys):
        room = unallocated_cents(budget)
        total = sum(ceilings[key] for key in keys)
        if total > room:
            _add(errors, "categories" if has_categories(scheme) else "ceiling", _(
                "Van %(budget)s is nog %(room)s niet over tijdvakken verdeeld; het plafond "
                "past daar niet in. Verlaag eerst het plafond van een ander tijdvak.",
                budget=budget.name, room=format_eur(room)))
    if errors:
        raise ValidationFailed(_("Het tijdvak is niet geopend."), errors)

    window = Window(scheme=scheme, code=code, name=name, opens_at=opens_at, closes_at=closes_at,
                    source=(source or "").strip())
    db.session.add(window)
    for key in keys:
        db.session.add(BudgetLine(
            budget=budget, window=window, category=key,
            code=code if key is None else f"{code}-{key.value}",
            name=name if key is None else f"{name}, {CATEGORY_NAMES[key]}",
            ceiling_cents=ceilings[key]))
    db.session.flush()
    _log(AdminAction.WINDOW_OPENED, actor, now, window=window, data={
        "scheme": scheme.code, "code": code, "opens_at": to_api(opens_at),
        "closes_at": to_api(closes_at),
        "ceilings": {ceiling_field(key): ceilings[key] for key in keys}})
    return window


@dataclass(frozen=True)
class WindowChange:
    """What an amendment of a window did."""

    window: Window
    dates_changed: bool
    # The new ceilings, prepared: they take effect when a second admin approves them.
    prepared: list


def amend_window(window: Window, *, reason: str, actor: User | None, now: datetime,
                 opens_at: datetime | None = None, closes_at: datetime | None = None,
                 ceilings: dict[PlaceCategory | None, int] | None = None,
                 effective_on: date | None = None) -> WindowChange:
    """Move a window's dates (only while it has no applications) and amend its ceilings.

    Dates and ceilings not given stay as they are; a ceiling given at its present value is
    left alone. Every change needs a reason: the amendments keep it with the old ceiling, the
    admin's log with the old dates.
    """
    errors: Errors = {}
    reason = (reason or "").strip()
    if not reason:
        _add(errors, "reason", _("Geef de reden van de wijziging."))

    new_opens = opens_at if opens_at is not None else window.opens_at
    new_closes = closes_at if closes_at is not None else window.closes_at
    moved = [field for field, old, new in (("opens_at", window.opens_at, new_opens),
                                           ("closes_at", window.closes_at, new_closes))
             if old != new]
    if moved and application_count(window):
        for field in moved:
            _add(errors, field, _("Er zijn al aanvragen in dit tijdvak: de data liggen vast. "
                                  "Het plafond kan wel worden gewijzigd."))
    elif moved:
        _check_period(errors, scheme_budget(window.scheme), new_opens, new_closes)

    changed = {}
    for key, cents in (ceilings or {}).items():
        line = window.line_for(key)
        if cents < 0:
            _add(errors, ceiling_field(key), _("Een plafond is niet negatief."))
        elif cents != line.ceiling_cents:
            changed[key] = (line, cents)

    if not moved and not changed:
        if opens_at is not None or closes_at is not None:
            _add(errors, "opens_at", _("Dit zijn de huidige data; er is niets gewijzigd."))
        elif ceilings:
            _add(errors, ceiling_field(next(iter(ceilings))),
                 _("Dit is het huidige plafond; er is niets gewijzigd."))
        elif not errors:
            raise ValidationFailed(_("Er is niets om te wijzigen."))
    if errors:
        raise ValidationFailed(_("Het tijdvak is niet gewijzigd."), errors)

    effective_on = effective_on or _local_day(now)
    prepared = []
    if changed:
        # Four eyes on every money decision: a second admin approves the new ceilings.
        key_of = {line.id: key for key, (line, _cents) in changed.items()}
        try:
            prepared = prepare_ceilings(
                {line: cents for line, cents in changed.values()}, reason=reason,
                effective_on=effective_on, actor=actor, now=now,
                field_of=lambda line: ceiling_field(key_of[line.id]))
        except ValidationFailed as refused:
            for field, messages in refused.fields.items():
                for message in messages:
                    _add(errors, field, message)
            if not refused.fields:
                _add(errors, "reason", refused.message)
    if errors:
        raise ValidationFailed(_("Het tijdvak is niet gewijzigd."), errors)

    if moved:
        data = {field: [to_api(old), to_api(new)] for field, old, new in (
            ("opens_at", window.opens_at, new_opens), ("closes_at", window.closes_at, new_closes))
            if field in moved}
        window.opens_at, window.closes_at = new_opens, new_closes
        db.session.flush()
        _log(AdminAction.WINDOW_DATES_CHANGED, actor, now, window=window, reason=reason,
             data=data)
    return WindowChange(window=window, dates_changed=bool(moved), prepared=prepared)


def window_history(window: Window) -> list[AdminEvent]:
    return list(db.session.scalars(
        sa.select(AdminEvent).where(AdminEvent.window_id == window.id)
        .options(joinedload(AdminEvent.actor)).order_by(AdminEvent.at, AdminEvent.id)))


# -- accounts -----------------------------------------------------------------------------------

def new_password() -> str:
    """Four groups of four, e.g. k7mp-x3qa-9fhe-tn2w: easy to pass on, long enough (19)."""
    return "-".join("".join(secrets.choice(READABLE_CHARACTERS) for _letter in range(4))
                    for _group in range(4))


def _organisation(kvk: str, errors: Errors) -> Organisation | None:
    if not (kvk or "").strip():
        return None
    try:
        number = normalise_kvk(kvk)
    except InvalidIdentifier as invalid:
        _add(errors, "organisation", str(invalid))
        return None
    organisation = db.session.scalars(
        sa.select(Organisation).where(Organisation.kvk == number)).one_or_none()
    if organisation is None:
        _add(errors, "organisation", _("Er is geen organisatie met KvK-nummer %(kvk)s.",
                                       kvk=number))
    return organisation


def create_account(*, email: str, name: str, roles: set[Role], organisation_kvk: str = "",
                   actor: User | None, now: datetime) -> tuple[User, str]:
    """A new account with a generated first password, returned once to be passed on."""
    errors: Errors = {}
    organisation = _organisation(organisation_kvk, errors)
    password = new_password()
    try:
        # Whoever is handed this password replaces it at the first login (issue 14).
        user = create_user(email=email, name=name, roles=roles, password=password,
                           organisation=organisation, must_change_password=True)
    except ValidationFailed as refused:
        for field, messages in refused.fields.items():
            if field == "organisation" and "organisation" in errors:
                continue  # the KvK number's own problem says more
            for message in messages:
                _add(errors, field, message)
        raise ValidationFailed(refused.message, errors) from None
    if errors:
        raise ValidationFailed(_("Het account is niet aangemaakt."), errors)
    _log(AdminAction.USER_CREATED, actor, now, user=user, data={
        "email": user.email, "roles": sorted(roles),
        "organisation": organisation.kvk if organisation else None})
    return user, password


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Deze gebruiker bestaat niet."))
    return user


def set_roles(user: User, roles: set[Role], *, actor: User, now: datetime) -> bool:
    """Give ``user`` exactly ``roles``; False when that is what they had."""
    errors: Errors = {}
    if not roles:
        _add(errors, "roles", _("Kies minstens één rol."))
    elif Role.APPLICANT in roles and roles & STAFF_ROLES:
        _add(errors, "roles", _("Een aanvrager kan geen medewerkersrol van het ministerie "
                                "hebben."))
    elif Role.APPLICANT in roles and user.organisation is None:
        _add(errors, "roles", _("Een aanvrager hoort bij een organisatie; maak daarvoor een "
                                "nieuw account met het KvK-nummer."))
    elif roles & STAFF_ROLES and user.organisation is not None:
        _add(errors, "roles", _("Dit account hoort bij %(organisation)s: het kan alleen "
                                "aanvrager zijn.", organisation=user.organisation.name))
    if user.id == actor.id and Role.ADMIN in user.roles and Role.ADMIN not in roles:
        _add(errors, "roles", _("U kunt uw eigen beheerdersrol niet intrekken; laat dat een "
                                "andere beheerder doen."))
    if errors:
        raise ValidationFailed(_("De rollen zijn niet gewijzigd."), errors)
    before = set(user.roles)
    if before == roles:
        return False
    kept = [row for row in user.role_rows if row.role in roles]
    user.role_rows = kept + [UserRole(role=role) for role in sorted(roles - before)]
    db.session.flush()
    _log(AdminAction.ROLES_CHANGED, actor, now, user=user,
         data={"roles": [sorted(before), sorted(roles)]})
    return True


def set_job_title(user: User, job_title: str, *, actor: User, now: datetime) -> bool:
    """The function ``user`` signs decision letters with; False when it was already that."""
    title = " ".join((job_title or "").split())
    if len(title) > 200:
        raise ValidationFailed(_("De functie is niet gewijzigd."), {
            "job_title": [_("Houd de functie onder de 200 tekens.")]})
    if user.organisation is not None and title:
        raise ValidationFailed(_("De functie is niet gewijzigd."), {
            "job_title": [_("Alleen medewerkers van het ministerie ondertekenen besluiten.")]})
    if title == user.job_title:
        return False
    user.job_title = title
    db.session.flush()
    return True


def set_active(user: User, active: bool, *, actor: User, now: datetime) -> bool:
    """(De)activate ``user``; False when they already were. A deactivated user cannot log in,
    is logged out at their next request, and their tokens are refused."""
    if user.id == actor.id and not active:
        raise ValidationFailed(_("U kunt uw eigen account niet deactiveren."), {
            "active": [_("U kunt uw eigen account niet deactiveren.")]})
    if user.active == active:
        return False
    user.active = active
    db.session.flush()
    _log(AdminAction.USER_REACTIVATED if active else AdminAction.USER_DEACTIVATED, actor, now,
         user=user)
    return True


# -- API tokens ---------------------------------------------------------------------------------

def user_by_email(email: str) -> User | None:
    return db.session.scalars(
        sa.select(User).where(User.email == (email or "").strip().lower())).one_or_none()


def issue_token(email: str, label: str, *, actor: User, now: datetime) -> tuple[ApiToken, str]:
    """A token for the user with ``email``, returned once; only its hash is kept."""
    user = user_by_email(email)
    errors: Errors = {}
    if not (email or "").strip():
        _add(errors, "email", _("Vul het e-mailadres in van de gebruiker voor wie het token is."))
    elif user is None:
        _add(errors, "email", _("Er is geen gebruiker met dit e-mailadres."))
    elif not user.active:
        _add(errors, "email", _("%(email)s is gedeactiveerd; een token zou niet werken.",
                                email=user.email))
    if len((label or "").strip()) > 100:
        _add(errors, "label", _("Houd de omschrijving onder de 100 tekens."))
    if errors:
        raise ValidationFailed(_("Er is geen token gemaakt."), errors)
    record, token = create_token(user, now, (label or "").strip())
    _log(AdminAction.TOKEN_CREATED, actor, now, user=user, token=record,
         data={"label": record.label})
    return record, token


def withdraw_token(token_id: int, *, actor: User, now: datetime) -> tuple[ApiToken, bool]:
    """Revoke a token; the flag says whether it was still live."""
    was_live = db.session.scalar(
        sa.select(ApiToken.revoked_at.is_(None)).where(ApiToken.id == token_id))
    record = revoke_token(now, token_id=token_id)
    if was_live:
        _log(AdminAction.TOKEN_REVOKED, actor, now, user=record.user, token=record,
             data={"label": record.label})
    return record, bool(was_live)


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).options(joinedload(ApiToken.user))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                  ApiToken.id.desc())))


# -- the log ------------------------------------------------------------------------------------

def events_page(page: int | None, per_page: int = 50):
    return db.paginate(
        sa.select(AdminEvent).options(joinedload(AdminEvent.actor), joinedload(AdminEvent.user),
                                      joinedload(AdminEvent.window).joinedload(Window.scheme),
                                      joinedload(AdminEvent.token))
        .order_by(AdminEvent.at.desc(), AdminEvent.id.desc()),
        page=page or 1, per_page=per_page, max_per_page=per_page, error_out=False)
