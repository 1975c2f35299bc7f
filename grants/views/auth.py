from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from grants.clock import now
from grants.extensions import db
from grants.forms.auth import LoginForm
from grants.i18n import N_, translated
from grants.services.accounts import LoginThrottled, authenticate

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = N_("Het e-mailadres of het wachtwoord is onjuist.")


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would help phishing."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "",
                                now())
        except LoginThrottled as throttled:
            error = _("Te veel mislukte pogingen om in te loggen. Probeer het over "
                      "%(minutes)s minuten opnieuw.", minutes=throttled.minutes)
            status = 429
        else:
            db.session.commit()
            if user is not None:
                login_user(user)
                return redirect(safe_next(request.args.get("next")))
            error = translated(GENERIC_FAILURE)
            status = 401
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))
