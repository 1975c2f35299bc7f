from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.forms.auth import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from grants.i18n import N_, translated
from grants.mail.accounts import send_password_reset
from grants.services.accounts import (
    KNOWN_DEVICE_COOKIE,
    RESET_LINK_MESSAGES,
    LoginThrottled,
    ResetLinkProblem,
    authenticate,
    change_password,
    end_sessions,
    known_device_cookie,
    reset_link,
    reset_password,
)

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = N_("Het e-mailadres of het wachtwoord is onjuist.")

# What a user who must first replace an administrator's password may still reach.
BEFORE_NEW_PASSWORD = frozenset({"auth.change_password", "auth.logout", "static",
                                 "language.choose"})


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would help phishing."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("main.home")


def _private(html: str, status: int = 200):
    # Pages with a password form or a reset token in their address: no cache keeps them, and
    # the token does not leave in a Referer header.
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.before_app_request
def new_password_first():
    """An account whose password an administrator chose does nothing before replacing it."""
    if request.endpoint in BEFORE_NEW_PASSWORD or request.blueprint == "api":
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error = None
    status = 200
    retry_after = None
    if form.validate_on_submit():
        known_device = request.cookies.get(KNOWN_DEVICE_COOKIE)
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "",
                                now(), known_device=known_device)
        except LoginThrottled as throttled:
            error = ngettext("Te veel mislukte pogingen om in te loggen. Probeer het over "
                             "%(num)s minuut opnieuw.",
                             "Te veel mislukte pogingen om in te loggen. Probeer het over "
                             "%(num)s minuten opnieuw.", throttled.minutes)
            status = 429
            retry_after = throttled.seconds
        else:
            db.session.commit()
            if user is not None:
                login_user(user)
                if user.must_change_password:
                    response = redirect(url_for("auth.change_password"))
                else:
                    response = redirect(safe_next(request.args.get("next")))
                _remember_device(response, known_device, user)
                return response
            error = translated(GENERIC_FAILURE)
            status = 401
    elif form.is_submitted():
        status = 422
    response = make_response(render_template("auth/login.html", form=form, error=error), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _remember_device(response, known_device: str | None, user) -> None:
    """From now on this browser is a known device of the user: guessing at the account from
    elsewhere does not slow the user down here (see services.accounts.authenticate)."""
    days = current_app.config["LOGIN_KNOWN_DEVICE_DAYS"]
    response.set_cookie(KNOWN_DEVICE_COOKIE, known_device_cookie(known_device, user, now()),
                        max_age=days * 86400, path=url_for("auth.login"), httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Server-side: a copy of this session's cookie (another tab, another device, a thief's)
        # is refused from now on.
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/wachtwoord", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_page():
    form = ChangePasswordForm()
    forced = current_user.must_change_password
    if request.method == "GET":
        return _private(render_template("auth/change_password.html", form=form, error=None,
                                        forced=forced))
    valid = form.validate_on_submit()
    error = None
    if valid:
        try:
            change_password(current_user, current=form.current_password.data,
                            new=form.new_password.data, now=now())
        except ValidationFailed as refused:
            db.session.rollback()
            loose = form.add_service_errors(refused.fields)
            error = " ".join([refused.message, *loose])
        else:
            db.session.commit()
            # Every other session ended with the change; this one goes on with the new token.
            login_user(current_user._get_current_object())
            flash(_("Uw wachtwoord is gewijzigd. U bent op andere apparaten uitgelogd."),
                  "success")
            return redirect(url_for("main.home"))
    return _private(render_template("auth/change_password.html", form=form, error=error,
                                    forced=forced), 422)


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        send_password_reset(form.email.data, now())
        db.session.commit()
        # The same answer whether or not the address has an account.
        return render_template("auth/forgot_password_sent.html")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_page(token: str):
    _row, problem = reset_link(token, now())
    if problem is not None:
        # Gone (410) for a link that existed, not found (404) for one that never did.
        status = 404 if problem == ResetLinkProblem.UNKNOWN else 410
        return _private(render_template("auth/reset_link_problem.html",
                                        message=RESET_LINK_MESSAGES[problem]()), status)
    form = ResetPasswordForm()
    if request.method == "GET":
        return _private(render_template("auth/reset_password.html", form=form, error=None,
                                        token=token))
    error = None
    if form.validate_on_submit():
        try:
            reset_password(token, form.new_password.data, now())
        except ValidationFailed as refused:
            db.session.rollback()
            loose = form.add_service_errors(refused.fields)
            error = " ".join([refused.message, *loose])
        else:
            db.session.commit()
            logout_user()  # whoever was logged in here: the account's sessions have ended
            flash(_("Uw nieuwe wachtwoord is ingesteld. Log ermee in."), "success")
            return redirect(url_for("auth.login"))
    return _private(render_template("auth/reset_password.html", form=form, error=error,
                                    token=token), 422)
