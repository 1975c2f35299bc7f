"""Languages: Dutch first, English second (Flask-Babel; msgids are the Dutch text)."""

from flask import request, session

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
SESSION_KEY = "language"


def select_locale() -> str:
    """The language chosen on the site (kept in the session); otherwise Dutch."""
    chosen = session.get(SESSION_KEY) if request else None
    return chosen if chosen in LANGUAGES else DEFAULT
