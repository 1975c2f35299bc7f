"""The language switch in every page's header: Dutch or English, for anyone, signed in or not."""

from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, session, url_for

from grants.errors import ValidationFailed
from grants.i18n import LANGUAGE_NAMES, LANGUAGES, N_, SESSION_KEY, current_language
from grants.views.auth import safe_next

bp = Blueprint("language", __name__)


@bp.post("/taal")
def choose():
    """Keeps the chosen language in the session and goes back to the page it was chosen on."""
    language = request.form.get("language")
    if language not in LANGUAGES:
        raise ValidationFailed(N_("Kies Nederlands of English."))
    session[SESSION_KEY] = language
    # 303: the page the switch was on is fetched anew with GET, in the new language.
    return redirect(safe_next(request.form.get("next")), 303)


def return_path() -> str:
    """Where the switch leads back to: this page, or for a page that answers a form (a POST
    that can not be repeated by GET) the page the form was on."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.home")


@bp.app_context_processor
def language_switch():
    return {"page_language": current_language(), "language_names": LANGUAGE_NAMES,
            "language_return_path": return_path}
