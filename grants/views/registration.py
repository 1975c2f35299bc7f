"""Public pages for getting in: registering an organisation (/registreren), confirming it
through the mailed link by choosing a password, and accepting a colleague's invitation the
same way. The rules live in grants.services.registration; the mail in grants.mail.registration.
"""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import logout_user

from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.forms.registration import RegistrationForm, SetPasswordForm
from grants.mail.registration import send_registration
from grants.services import registration as service

bp = Blueprint("registration", __name__)

FIELDS = ("organisation_name", "kvk", "kind", "region", "address", "postcode", "city", "name",
          "email")


def _private(html: str, status: int = 200):
    # A token in the address and a password form: no cache keeps the page, no Referer leaks it.
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_problem(message: str, problem: service.LinkProblem):
    # Gone (410) for a link that existed, not found (404) for one that never did.
    status = 404 if problem == service.LinkProblem.UNKNOWN else 410
    return _private(render_template("registration/link_problem.html", message=message), status)


@bp.route("/registreren", methods=["GET", "POST"])
def register():
    form = RegistrationForm()
    if request.method == "GET":
        return render_template("registration/register.html", form=form, error=None)
    error = None
    valid = form.validate_on_submit()
    if valid:
        try:
            made = service.request_registration(
                **{name: form[name].data or "" for name in FIELDS},
                client_address=request.remote_addr or "", now=now())
        except service.RegistrationThrottled as throttled:
            db.session.rollback()
            error = ngettext("U heeft te vaak een aanmelding verstuurd. Probeer het over "
                             "%(num)s minuut opnieuw.",
                             "U heeft te vaak een aanmelding verstuurd. Probeer het over "
                             "%(num)s minuten opnieuw.", throttled.minutes)
            response = make_response(render_template("registration/register.html", form=form,
                                                     error=error), 429)
            response.headers["Retry-After"] = str(throttled.seconds)
            return response
        except ValidationFailed as refused:
            db.session.rollback()
            loose = form.add_service_errors(refused.fields)
            error = " ".join([refused.message, *loose])
        else:
            send_registration(made, now())
            db.session.commit()
            # The same page whether or not the address has an account.
            return render_template("registration/sent.html", email=made.registration.email)
    return render_template("registration/register.html", form=form, error=error), 422


def _set_password_page(template: str, form: SetPasswordForm, token: str, error: str | None,
                       status: int = 200, **context):
    return _private(render_template(template, form=form, token=token, error=error, **context),
                    status)


@bp.route("/registreren/bevestigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    registration, problem = service.registration_link(token, now())
    if problem is not None:
        return _link_problem(service.REGISTRATION_LINK_MESSAGES[problem](), problem)
    form = SetPasswordForm()
    page = "registration/confirm.html"
    if request.method == "GET":
        return _set_password_page(page, form, token, None, registration=registration)
    error = None
    if form.validate_on_submit():
        try:
            service.confirm_registration(token, form.new_password.data, now())
        except ValidationFailed as refused:
            db.session.rollback()
            loose = form.add_service_errors(refused.fields)
            error = " ".join([refused.message, *loose])
        else:
            db.session.commit()
            logout_user()  # whoever was logged in on this browser is not the new account
            flash(_("Uw account is gemaakt en %(organisation)s is aangemeld. Log in met uw "
                    "e-mailadres en het wachtwoord dat u net koos.",
                    organisation=registration.organisation_name), "success")
            return redirect(url_for("auth.login"), 303)
    registration, _problem = service.registration_link(token, now())
    return _set_password_page(page, form, token, error, 422, registration=registration)


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def invitation(token: str):
    invitation, problem = service.invitation_link(token, now())
    if problem is not None:
        return _link_problem(service.INVITATION_LINK_MESSAGES[problem](), problem)
    form = SetPasswordForm()
    page = "registration/invitation.html"
    exists = service.account_exists_for(invitation)
    if request.method == "GET":
        return _set_password_page(page, form, token, None, invitation=invitation,
                                  account_exists=exists)
    error = None
    if form.validate_on_submit():
        try:
            service.accept_invitation(token, form.new_password.data, now())
        except ValidationFailed as refused:
            db.session.rollback()
            loose = form.add_service_errors(refused.fields)
            error = " ".join([refused.message, *loose])
        else:
            db.session.commit()
            logout_user()
            flash(_("Uw account bij %(organisation)s is gemaakt. Log in met uw e-mailadres en "
                    "het wachtwoord dat u net koos.",
                    organisation=invitation.organisation.name), "success")
            return redirect(url_for("auth.login"), 303)
    invitation, _problem = service.invitation_link(token, now())
    return _set_password_page(page, form, token, error, 422, invitation=invitation,
                              account_exists=service.account_exists_for(invitation))
