"""Request boundaries: whether a request writes (for SQLite's locking) and security headers."""

from flask import Flask, g, request
from werkzeug.routing import IntegerConverter

from grants.database import begin_writing, end_writing
from grants.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The largest id the id columns hold (INTEGER on PostgreSQL): a larger one names no record.
LARGEST_ID = 2**31 - 1


class RecordId(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits from 1 up to the largest id the database holds.
    Anything else matches no route (404), where a huge number once overflowed into a 500."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=LARGEST_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app: Flask) -> None:
    """Before any route is added: the rules take their converters when they are made."""
    app.url_map.converters["int"] = RecordId


def register(app: Flask) -> None:
    @app.before_request
    def declare_writes():
        if request.method not in SAFE_METHODS:
            g.writing_token = begin_writing()

    @app.teardown_request
    def end_writes(error):
        if error is not None:
            db.session.rollback()
        token = g.pop("writing_token", None)
        if token is not None:
            end_writing(token)

    @app.after_request
    def security_headers(response):
        # Everything is served from this origin: no CDN, no inline script.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
