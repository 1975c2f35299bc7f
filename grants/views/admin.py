"""The admin's pages: schemes, windows and their ceilings, users and roles, API tokens, the days
off for counting terms, and the log of what admins changed. Only admins get here; the rules
live in grants.services.admin and grants.services.days_off."""

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from grants.access import role_required
from grants.budget.report import line_figures
from grants.clock import now
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.admin import (
    CeilingForm,
    DayOffForm,
    JobTitleForm,
    RolesForm,
    TokenForm,
    UserForm,
    WindowDatesForm,
    WindowForm,
    ceiling_text,
)
from grants.forms.allocations import CancelForm
from grants.forms.auth import ResetTwoFactorForm
from grants.i18n import page_day, page_eur, page_moment, translated
from grants.models import (
    ROLE_LABELS,
    AdminEvent,
    Application,
    CeilingAmendment,
    Role,
    Scheme,
    User,
    Window,
)
from grants.services import admin as service
from grants.services import approvals, two_factor
from grants.services import days_off as days_off_service
from grants.services.schemes import get_window, list_schemes
from grants.services.tokens import tokens_of
from grants.timefmt import AMSTERDAM
from grants.workflows.terms import holidays

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def _actor() -> User:
    return current_user._get_current_object()


def _attempt(form, action: Callable):
    """(result, error) of a form's action, a service call.

    The service runs even when some fields failed their own checks (it gets None for those),
    so that every problem is shown at once; anything it flushed is then undone. ``error`` is
    the refusal's message with those of its messages that belong to no field.
    """
    valid = form.validate_on_submit()
    try:
        result = action()
    except ValidationFailed as refused:
        db.session.rollback()
        loose = form.add_service_errors(refused.fields)
        if not valid and not refused.fields:
            return None, None  # the fields' own messages say what is wrong
        return None, " ".join([refused.message, *loose])
    if not valid:
        db.session.rollback()
        return None, None
    return result, None


def _secret_page(html: str):
    # The page shows a password or token once: no cache may keep a copy.
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    return render_template("admin/index.html", schemes=list_schemes(),
                           events=service.events_page(1, per_page=5).items)


# -- schemes and windows ------------------------------------------------------------------------

def _application_counts() -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(Application.window_id, sa.func.count(Application.id))
        .group_by(Application.window_id)).all())


@bp.get("/regelingen")
@role_required(Role.ADMIN)
def schemes():
    schemes = db.session.scalars(
        sa.select(Scheme).order_by(Scheme.id)
        .options(selectinload(Scheme.windows).selectinload(Window.lines))).all()
    budgets = {scheme.id: service.scheme_budget(scheme) for scheme in schemes}
    return render_template(
        "admin/schemes.html", schemes=schemes, budgets=budgets,
        unallocated={scheme.id: service.unallocated_cents(budgets[scheme.id])
                     for scheme in schemes},
        counts=_application_counts())


def _window_form_page(scheme: Scheme, form: WindowForm, error: str | None = None):
    budget = service.scheme_budget(scheme)
    return render_template("admin/window_new.html", scheme=scheme, form=form, error=error,
                           budget=budget, unallocated=service.unallocated_cents(budget))


@bp.route("/regelingen/<scheme_code>/tijdvakken/nieuw", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_window(scheme_code: str):
    scheme = service.get_scheme(scheme_code)
    form = WindowForm()
    form.keep_ceilings(service.ceiling_keys(scheme))
    if request.method == "GET":
        return _window_form_page(scheme, form)
    window, error = _attempt(form, lambda: service.open_window(
        scheme, code=form.code.data, name=form.name.data, opens_at=form.opens_at.data,
        closes_at=form.closes_at.data, ceilings=form.ceilings(), source=form.source.data,
        actor=_actor(), now=now()))
    if window is None:
        return _window_form_page(scheme, form, error), 422
    db.session.commit()
    flash(_("Tijdvak %(name)s van %(scheme)s is geopend.", name=window.name,
            scheme=scheme.name), "success")
    return redirect(url_for("admin.window", scheme_code=scheme.code, window_code=window.code))


def _window_page_data(window: Window) -> dict:
    amendments = db.session.scalars(
        sa.select(CeilingAmendment)
        .where(CeilingAmendment.line_id.in_([line.id for line in window.lines]))
        .options(joinedload(CeilingAmendment.recorded_by), joinedload(CeilingAmendment.line))
        .order_by(CeilingAmendment.recorded_at, CeilingAmendment.id)).all()
    return {"window": window, "scheme": window.scheme,
            "lines": [line_figures(line) for line in window.lines],
            "applications": service.application_count(window), "amendments": amendments,
            "history": service.window_history(window),
            "prepared": approvals.pending_for_lines([line.id for line in window.lines]),
            "cancel_form": CancelForm()}


@bp.get("/regelingen/<scheme_code>/tijdvakken/<window_code>")
@role_required(Role.ADMIN)
def window(scheme_code: str, window_code: str):
    return render_template("admin/window.html",
                           **_window_page_data(get_window(scheme_code, window_code)))


def _dates_page(window: Window, form: WindowDatesForm, error: str | None = None):
    return render_template("admin/window_dates.html", window=window, scheme=window.scheme,
                           form=form, error=error,
                           applications=service.application_count(window))


@bp.route("/regelingen/<scheme_code>/tijdvakken/<window_code>/data", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def window_dates(scheme_code: str, window_code: str):
    window = get_window(scheme_code, window_code)
    if request.method == "GET":
        return _dates_page(window, WindowDatesForm(
            formdata=None, data={"opens_at": window.opens_at, "closes_at": window.closes_at}))
    form = WindowDatesForm()
    change, error = _attempt(form, lambda: service.amend_window(
        window, opens_at=form.opens_at.data, closes_at=form.closes_at.data,
        reason=form.reason.data, actor=_actor(), now=now()))
    if change is None:
        return _dates_page(get_window(scheme_code, window_code), form, error), 422
    db.session.commit()
    flash(_("De data van %(name)s zijn gewijzigd.", name=window.name), "success")
    return redirect(url_for("admin.window", scheme_code=scheme_code, window_code=window_code))


def _ceiling_page(window: Window, form: CeilingForm, error: str | None = None):
    return render_template("admin/window_ceiling.html", window=window, scheme=window.scheme,
                           form=form, error=error,
                           lines={line.category.value if line.category else None:
                                  line_figures(line) for line in window.lines})


def _today():
    return now().astimezone(AMSTERDAM).date()


@bp.route("/regelingen/<scheme_code>/tijdvakken/<window_code>/plafond", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def window_ceiling(scheme_code: str, window_code: str):
    window = get_window(scheme_code, window_code)
    keys = service.ceiling_keys(window.scheme)
    if request.method == "GET":
        form = CeilingForm(formdata=None, data={"effective_on": _today(), **{
            service.ceiling_field(key): ceiling_text(window.line_for(key).ceiling_cents)
            for key in keys}})
        form.keep_ceilings(keys)
        return _ceiling_page(window, form)
    form = CeilingForm()
    form.keep_ceilings(keys)
    change, error = _attempt(form, lambda: service.amend_window(
        window, ceilings={key: cents for key, cents in form.ceilings().items()
                          if cents is not None},
        effective_on=form.effective_on.data, reason=form.reason.data, actor=_actor(),
        now=now()))
    if change is None:
        return _ceiling_page(get_window(scheme_code, window_code), form, error), 422
    db.session.commit()
    flash(_("De wijziging van het plafond van %(name)s is voorgelegd: zij geldt pas als een "
            "andere beheerder haar goedkeurt (vier ogen).", name=window.name), "success")
    return redirect(url_for("admin.window", scheme_code=scheme_code, window_code=window_code))


def _ceiling_decision(decision_id: int):
    decision = approvals.get_decision(decision_id, _actor())
    if decision.line is None or decision.line.window is None:
        raise NotFound()
    return decision


def _back_to_window(decision):
    window = decision.line.window
    return redirect(url_for("admin.window", scheme_code=window.scheme.code,
                            window_code=window.code), 303)


@bp.post("/plafondwijzigingen/<int:decision_id>/goedkeuren")
@role_required(Role.ADMIN)
def approve_ceiling(decision_id: int):
    decision = _ceiling_decision(decision_id)
    try:
        approvals.approve(decision_id, _actor(), now())
    except (Conflict, Forbidden, ValidationFailed) as refused:
        db.session.rollback()
        flash(" ".join([refused.message, *(m for ms in refused.fields.values() for m in ms)]),
              "error")
        return _back_to_window(_ceiling_decision(decision_id))
    db.session.commit()
    flash(_("De wijziging van het plafond is goedgekeurd en geldt nu."), "success")
    return _back_to_window(decision)


@bp.post("/plafondwijzigingen/<int:decision_id>/annuleren")
@role_required(Role.ADMIN)
def cancel_ceiling(decision_id: int):
    decision = _ceiling_decision(decision_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for ms in form.errors.values() for m in ms), "error")
        return _back_to_window(decision)
    try:
        approvals.cancel(decision_id, _actor(), now(), form.reason.data)
    except (Conflict, Forbidden, ValidationFailed) as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _back_to_window(_ceiling_decision(decision_id))
    db.session.commit()
    flash(_("De voorgelegde wijziging van het plafond is geannuleerd; het plafond is niet "
            "gewijzigd."), "info")
    return _back_to_window(decision)


# -- users and roles ----------------------------------------------------------------------------

@bp.get("/gebruikers")
@role_required(Role.ADMIN)
def users():
    users = db.session.scalars(
        sa.select(User).options(joinedload(User.organisation))
        .order_by(User.active.desc(), User.name, User.email)).all()
    return render_template("admin/users.html", users=users)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user():
    form = UserForm()
    if request.method == "GET":
        return render_template("admin/user_new.html", form=form, error=None)
    made, error = _attempt(form, lambda: service.create_account(
        email=form.email.data, name=form.name.data, roles=form.chosen_roles(),
        organisation_kvk=form.organisation.data, actor=_actor(), now=now()))
    if made is None:
        return render_template("admin/user_new.html", form=form, error=error), 422
    db.session.commit()
    user, password = made
    return _secret_page(render_template("admin/user_created.html", user=user,
                                        password=password))


def _user_page(user: User, form: RolesForm, error: str | None = None,
               title_form: JobTitleForm | None = None,
               two_factor_form: ResetTwoFactorForm | None = None):
    events = db.session.scalars(
        sa.select(AdminEvent).where(AdminEvent.user_id == user.id)
        .options(joinedload(AdminEvent.actor))
        .order_by(AdminEvent.at.desc(), AdminEvent.id.desc())).all()
    title_form = title_form or JobTitleForm(formdata=None, data={"job_title": user.job_title})
    return render_template("admin/user.html", user=user, form=form, error=error,
                           title_form=title_form, tokens=tokens_of(user), events=events,
                           is_self=user.id == current_user.id,
                           two_factor_form=two_factor_form or ResetTwoFactorForm(formdata=None))


@bp.get("/gebruikers/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id: int):
    user = service.get_user(user_id)
    return _user_page(user, RolesForm(formdata=None, data={"roles": sorted(user.roles)}))


@bp.post("/gebruikers/<int:user_id>/rollen")
@role_required(Role.ADMIN)
def roles(user_id: int):
    user = service.get_user(user_id)
    form = RolesForm()
    changed, error = _attempt(form, lambda: service.set_roles(
        user, form.chosen_roles(), actor=_actor(), now=now()))
    if changed is None:
        return _user_page(service.get_user(user_id), form, error), 422
    db.session.commit()
    flash(_("De rollen van %(name)s zijn gewijzigd.", name=user.name) if changed
          else _("De rollen van %(name)s waren al zo.", name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/gebruikers/<int:user_id>/functie")
@role_required(Role.ADMIN)
def job_title(user_id: int):
    user = service.get_user(user_id)
    form = JobTitleForm()
    changed, error = _attempt(form, lambda: service.set_job_title(
        user, form.job_title.data, actor=_actor(), now=now()))
    if changed is None:
        user = service.get_user(user_id)
        roles_form = RolesForm(formdata=None, data={"roles": sorted(user.roles)})
        return _user_page(user, roles_form, error, title_form=form), 422
    db.session.commit()
    flash(_("De functie van %(name)s is opgeslagen.", name=user.name) if changed
          else _("De functie van %(name)s was al zo.", name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = service.get_user(user_id)
    try:
        service.set_active(user, active, actor=_actor(), now=now())
    except ValidationFailed as refused:
        db.session.rollback()
        form = RolesForm(formdata=None, data={"roles": sorted(user.roles)})
        return _user_page(user, form, refused.message), 422
    db.session.commit()
    flash(_("%(name)s kan weer inloggen.", name=user.name) if active else
          _("%(name)s is gedeactiveerd: inloggen en API-tokens werken niet meer.",
            name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/gebruikers/<int:user_id>/tweestapsverificatie")
@role_required(Role.ADMIN)
def reset_two_factor(user_id: int):
    user = service.get_user(user_id)
    form = ResetTwoFactorForm()
    valid = form.validate_on_submit()
    try:
        two_factor.reset_two_factor(user, reason=form.reason.data, actor=_actor(), now=now())
    except ValidationFailed as refused:
        db.session.rollback()
        if valid or not form.reason.errors:
            form.reason.errors = [*form.reason.errors, *refused.fields.get("reason", [])]
        user = service.get_user(user_id)
        roles_form = RolesForm(formdata=None, data={"roles": sorted(user.roles)})
        return _user_page(user, roles_form, two_factor_form=form), 422
    db.session.commit()
    flash(_("De tweestapsverificatie van %(name)s is uitgezet; %(name)s is overal uitgelogd "
            "en zet die bij het volgende inloggen opnieuw aan.", name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/gebruikers/<int:user_id>/deactiveren")
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/gebruikers/<int:user_id>/activeren")
@role_required(Role.ADMIN)
def activate(user_id: int):
    return _set_active(user_id, True)


# -- API tokens ---------------------------------------------------------------------------------

def _tokens_page(form: TokenForm, error: str | None = None, **extra) -> str:
    return render_template("admin/tokens.html", form=form, error=error,
                           tokens=service.all_tokens(), **extra)


@bp.get("/tokens")
@role_required(Role.ADMIN)
def tokens():
    return _tokens_page(TokenForm(formdata=None, data={"email": request.args.get("email", "")}))


@bp.post("/tokens")
@role_required(Role.ADMIN)
def create_token():
    form = TokenForm()
    issued, error = _attempt(form, lambda: service.issue_token(
        form.email.data, form.label.data, actor=_actor(), now=now()))
    if issued is None:
        return _tokens_page(form, error), 422
    db.session.commit()
    record, token = issued
    return _secret_page(_tokens_page(TokenForm(formdata=None), created=record, secret=token))


@bp.post("/tokens/<int:token_id>/intrekken")
@role_required(Role.ADMIN)
def revoke_token(token_id: int):
    record, was_live = service.withdraw_token(token_id, actor=_actor(), now=now())
    db.session.commit()
    label = record.label or _("zonder omschrijving")
    flash(_("Token %(id)s (%(label)s) van %(email)s is ingetrokken.", id=record.id, label=label,
            email=record.user.email) if was_live else
          _("Token %(id)s was al ingetrokken.", id=record.id), "success")
    back = request.form.get("next", "")
    # Only a path on this site: the form says where it came from, never somewhere else.
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("admin.tokens")
    return redirect(back)


# -- days off for counting terms (Algemene termijnenwet) ----------------------------------------

def _days_off_page(form: DayOffForm, error: str | None = None):
    year = _today().year
    return render_template("admin/days_off.html", form=form, error=error,
                           days_off=days_off_service.all_days_off(),
                           holidays={y: holidays(y) for y in (year, year + 1)})


@bp.route("/feestdagen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def days_off():
    if request.method == "GET":
        return _days_off_page(DayOffForm(formdata=None))
    form = DayOffForm()
    added, error = _attempt(form, lambda: days_off_service.add_day_off(
        form.day.data, form.reason.data, actor=_actor(), now=now()))
    if added is None:
        return _days_off_page(form, error), 422
    db.session.commit()
    flash(_("%(day)s is toegevoegd: een termijn die op die dag eindigt, loopt door tot de "
            "volgende werkdag.", day=page_day(added.day)), "success")
    return redirect(url_for("admin.days_off"))


@bp.post("/feestdagen/<day>/verwijderen")
@role_required(Role.ADMIN)
def remove_day_off(day: str):
    try:
        removed = days_off_service.remove_day_off(date.fromisoformat(day), actor=_actor(),
                                                  now=now())
    except ValueError:
        raise NotFound(_("Deze dag bestaat niet.")) from None
    except ValidationFailed as refused:
        db.session.rollback()
        return _days_off_page(DayOffForm(formdata=None), refused.fields["day"][0]), 422
    db.session.commit()
    flash(_("%(day)s is uit de lijst verwijderd.", day=page_day(removed.day)), "success")
    return redirect(url_for("admin.days_off"))


# -- the log ------------------------------------------------------------------------------------

@bp.get("/logboek")
@role_required(Role.ADMIN)
def log():
    return render_template("admin/log.html",
                           events=service.events_page(request.args.get("page", type=int)))


@bp.app_template_filter("admin_data")
def admin_data(event: AdminEvent) -> list[tuple[str, str]]:
    """What an event changed, as (what, from → to or value) rows in the page's words."""

    def moment(text: str | None) -> str:
        return page_moment(datetime.fromisoformat(text)) if text else ""

    def role_names(codes: list[str]) -> str:
        return ", ".join(translated(ROLE_LABELS[Role(code)]) for code in codes) or "—"

    data = event.data or {}
    rows = []
    for key, label in (("opens_at", _("Open vanaf")), ("closes_at", _("Open tot en met"))):
        value = data.get(key)
        if isinstance(value, list):
            rows.append((label, f"{moment(value[0])} → {moment(value[1])}"))
        elif value:
            rows.append((label, moment(value)))
    for field, cents in (data.get("ceilings") or {}).items():
        category = field.removeprefix("ceiling").removeprefix("_")
        rows.append((_("Plafond %(category)s", category=category) if category
                     else _("Plafond"), page_eur(cents)))
    if "roles" in data:
        value = data["roles"]
        rows.append((_("Rollen"), f"{role_names(value[0])} → {role_names(value[1])}"
                     if value and isinstance(value[0], list) else role_names(value)))
    if data.get("label"):
        rows.append((_("Omschrijving"), data["label"]))
    if data.get("day"):
        rows.append((_("Dag"), page_day(date.fromisoformat(data["day"]))))
        rows.append((_("Koninklijk besluit"), data.get("decree") or "—"))
    organisation_labels = {"contact_name": _("Contactpersoon"), "address": _("Adres"),
                           "postcode": _("Postcode"),
                           "city": _("Plaats"), "iban": _("IBAN")}
    organisation = data.get("organisation")
    if isinstance(organisation, str):  # an account made for the organisation with this KvK
        rows.append((_("Organisatie (KvK)"), organisation))
    elif isinstance(organisation, dict):
        for field, change in organisation.items():
            old, new = change if isinstance(change, list) and len(change) == 2 else ("", change)
            rows.append((organisation_labels.get(field, field), f"{old or '—'} → {new or '—'}"))
    return rows
