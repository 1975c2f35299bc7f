import hashlib
import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.forms.auth import (
    ChangePasswordForm,
    DisableTwoFactorForm,
    EnrolTwoFactorForm,
    ForgotPasswordForm,
    LoginCodeForm,
    LoginForm,
    RecoveryCodesForm,
    ResetPasswordForm,
)
from grants.i18n import N_, translated
from grants.mail.accounts import send_password_reset
from grants.models import User
from grants.services import two_factor
from grants.services.accounts import (
    KNOWN_DEVICE_COOKIE,
    RESET_LINK_MESSAGES,
    LoginThrottled,
    ResetLinkProblem,
    authenticate,
    change_password,
    end_sessions,
    known_device_cookie,
    known_device_key,
    reset_link,
    reset_password,
)
from grants.services.two_factor import CodeResult, code_message

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = N_("Het e-mailadres of het wachtwoord is onjuist.")

# What a user who must first replace an administrator's password may still reach.
BEFORE_NEW_PASSWORD = frozenset({"auth.change_password", "auth.logout", "static",
                                 "language.choose"})
# What a staff member without two-factor authentication may reach: only enrolling in it.
BEFORE_TWO_FACTOR = frozenset({"auth.two_factor", "auth.logout", "static", "language.choose"})
# The session's note that the password was right and the code is still to come.
PENDING_LOGIN = "two_factor_login"


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


@bp.before_app_request
def two_factor_first():
    """Staff must have two-factor authentication: one without does nothing before enrolling.
    API tokens are a door of their own and are not held up."""
    if request.endpoint in BEFORE_TWO_FACTOR or request.blueprint == "api":
        return None
    # A password an administrator chose is replaced first (new_password_first), then this.
    if current_user.is_authenticated and current_user.is_staff \
            and not current_user.two_factor_enabled and not current_user.must_change_password:
        return redirect(url_for("auth.two_factor"))
    return None


def _throttled_message(throttled: LoginThrottled) -> str:
    return ngettext("Te veel mislukte pogingen om in te loggen. Probeer het over "
                    "%(num)s minuut opnieuw.",
                    "Te veel mislukte pogingen om in te loggen. Probeer het over "
                    "%(num)s minuten opnieuw.", throttled.minutes)


def _logged_in(user, known_device: str | None, next_path: str | None):
    """Log ``user`` in on this browser and send them where they go first."""
    login_user(user)
    if user.must_change_password:
        response = redirect(url_for("auth.change_password"))
    elif user.is_staff and not user.two_factor_enabled:
        response = redirect(url_for("auth.two_factor"))
    else:
        response = redirect(safe_next(next_path))
    _remember_device(response, known_device, user)
    return response


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
            error = _throttled_message(throttled)
            status = 429
            retry_after = throttled.seconds
        else:
            db.session.commit()
            if user is not None and user.two_factor_enabled:
                # Not logged in yet: the session only notes who gave the right password, for
                # the code step to finish. A new password (its new session token) voids it.
                session[PENDING_LOGIN] = {"u": user.id, "t": _token_mark(user),
                                          "at": int(now().timestamp()),
                                          "next": request.args.get("next")}
                return redirect(url_for("auth.login_code"))
            if user is not None:
                return _logged_in(user, known_device, request.args.get("next"))
            error = translated(GENERIC_FAILURE)
            status = 401
    elif form.is_submitted():
        status = 422
    response = make_response(render_template("auth/login.html", form=form, error=error), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _token_mark(user) -> str:
    # The session cookie is signed, not encrypted: it carries a digest of the session token,
    # not the token that Flask-Login's user id holds once the user is logged in.
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:32]


def _pending_login():
    """(user, note) of a login whose password was right a moment ago, or (None, None)."""
    note = session.get(PENDING_LOGIN)
    if not isinstance(note, dict) or not isinstance(note.get("u"), int):
        return None, None
    age = now().timestamp() - note.get("at", 0)
    if not 0 <= age <= two_factor.SECOND_STEP_VALID.total_seconds():
        return None, None
    user = db.session.get(User, note["u"])
    if user is None or not user.active or not user.two_factor_enabled \
            or not hmac.compare_digest(_token_mark(user), str(note.get("t"))):
        return None, None
    return user, note


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of logging in, for a user with two-factor authentication."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user, note = _pending_login()
    if user is None:
        session.pop(PENDING_LOGIN, None)
        flash(_("Log opnieuw in: na het wachtwoord is de code binnen 5 minuten nodig."), "info")
        return redirect(url_for("auth.login"))
    form = LoginCodeForm()
    error = None
    status = 200
    retry_after = None
    if form.validate_on_submit():
        known_device = request.cookies.get(KNOWN_DEVICE_COOKIE)
        try:
            result = two_factor.check_code(
                user, form.code.data, now(), address=request.remote_addr or "",
                device_key=known_device_key(known_device, user, now()))
        except LoginThrottled as throttled:
            error = _throttled_message(throttled)
            status = 429
            retry_after = throttled.seconds
        else:
            db.session.commit()  # a spent code or recovery code, or the failure's count
            if result.ok:
                session.pop(PENDING_LOGIN, None)
                if result == CodeResult.RECOVERY:
                    flash(ngettext("U bent ingelogd met een herstelcode. U heeft er nog "
                                   "%(num)s over.",
                                   "U bent ingelogd met een herstelcode. U heeft er nog "
                                   "%(num)s over.", two_factor.unused_recovery_codes(user)),
                          "info")
                return _logged_in(user, known_device, note.get("next"))
            form.code.errors.append(code_message(result))
            status = 422
    elif form.is_submitted():
        status = 422
    response = _private(render_template("auth/login_code.html", form=form, error=error),
                        status)
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


# -- two-factor authentication: enrolling, recovery codes, switching off -----------------------

def _me():
    return current_user._get_current_object()


def _enrol_page(form: EnrolTwoFactorForm, error: str | None = None, status: int = 200):
    user = _me()
    uri = two_factor.provisioning_uri(user)
    return _private(render_template(
        "auth/two_factor_enrol.html", form=form, error=error, forced=user.is_staff,
        # segno's SVG draws the modules only; the address it encodes is not in it as text.
        qr=Markup(two_factor.qr_svg(uri)),  # noqa: S704
        secret=two_factor.grouped(user.totp_secret),
        issuer=two_factor.ISSUER), status)


def _status_page(disable_form: DisableTwoFactorForm | None = None,
                 renew_form: RecoveryCodesForm | None = None, error: str | None = None,
                 status: int = 200):
    user = _me()
    return _private(render_template(
        "auth/two_factor.html", error=error, can_disable=not user.is_staff,
        disable_form=disable_form or DisableTwoFactorForm(formdata=None),
        renew_form=renew_form or RecoveryCodesForm(formdata=None),
        enabled_at=user.totp_enabled_at,
        recovery_codes_left=two_factor.unused_recovery_codes(user)), status)


def _codes_page(codes: list[str], first: bool):
    return _private(render_template("auth/recovery_codes.html", codes=codes, first=first))


@bp.route("/account/tweestapsverificatie", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_page():
    user = _me()
    if user.two_factor_enabled:
        if request.method == "POST":
            return redirect(url_for("auth.two_factor"))
        return _status_page()
    form = EnrolTwoFactorForm()
    if request.method == "GET":
        two_factor.start_enrolment(user)
        db.session.commit()
        return _enrol_page(form)
    if not user.totp_secret:  # reset by an administrator since the page was shown
        return redirect(url_for("auth.two_factor"))
    if not form.validate_on_submit():
        return _enrol_page(form, status=422)
    try:
        codes = two_factor.confirm_enrolment(user, form.code.data, now(),
                                             address=request.remote_addr or "")
    except LoginThrottled as throttled:
        db.session.rollback()
        response = _enrol_page(form, _throttled_message(throttled), 429)
        response.headers["Retry-After"] = str(throttled.seconds)
        return response
    except ValidationFailed as refused:
        db.session.commit()  # only the wrong code's count changed
        form.code.errors = [*form.code.errors, *refused.fields.get("code", [])]
        return _enrol_page(form, None if refused.fields else refused.message, 422)
    db.session.commit()
    # Every other session ended; this one goes on with the new session token.
    login_user(user)
    return _codes_page(codes, first=True)


def _with_code(form, field, action):
    """Run ``action`` (a service call checking the code in ``field``) for the status page's
    forms: (result of the action, or None and the response to give)."""
    if not form.validate_on_submit():
        return None, _status_page(**{_form_key(form): form}, status=422)
    try:
        result = action(field.data)
    except LoginThrottled as throttled:
        db.session.rollback()
        response = _status_page(**{_form_key(form): form}, error=_throttled_message(throttled),
                                status=429)
        response.headers["Retry-After"] = str(throttled.seconds)
        return None, response
    except ValidationFailed as refused:
        db.session.rollback()
        return None, _status_page(**{_form_key(form): form}, error=refused.message, status=422)
    code_result = result[0] if isinstance(result, tuple) else result
    db.session.commit()  # the spent code, or the wrong code's count
    if not code_result.ok:
        field.errors = [*field.errors, code_message(code_result)]
        return None, _status_page(**{_form_key(form): form}, status=422)
    return result, None


def _form_key(form) -> str:
    return "disable_form" if isinstance(form, DisableTwoFactorForm) else "renew_form"


@bp.post("/account/tweestapsverificatie/uitzetten")
@login_required
def two_factor_disable():
    user = _me()
    form = DisableTwoFactorForm()
    _result, refused = _with_code(form, form.disable_code, lambda code: two_factor.disable(
        user, code, now(), address=request.remote_addr or ""))
    if refused is not None:
        return refused
    login_user(user)  # the other sessions ended; this one goes on
    flash(_("Tweestapsverificatie staat uit. U bent op andere apparaten uitgelogd."), "success")
    return redirect(url_for("auth.two_factor"))


@bp.post("/account/tweestapsverificatie/herstelcodes")
@login_required
def two_factor_recovery_codes():
    user = _me()
    form = RecoveryCodesForm()
    result, refused = _with_code(form, form.renew_code,
                                 lambda code: two_factor.regenerate_recovery_codes(
                                     user, code, now(), address=request.remote_addr or ""))
    if refused is not None:
        return refused
    return _codes_page(result[1], first=False)
