"""Request boundaries: what input a request may carry at all, whether it writes (for SQLite's
locking) and security headers."""

import json

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from grants.database import begin_writing, end_writing
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.i18n import N_

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The largest id the id columns hold (INTEGER on PostgreSQL): a larger one names no record.
LARGEST_ID = 2**31 - 1


def whole_numbers_up_to(limit: int) -> str:
    """A regular expression for exactly the whole numbers 1 … ``limit``, without leading zeros:
    shorter numbers, then per leading digit of ``limit`` those that stay below it."""
    digits = str(limit)
    options = ["[1-9]" + ("[0-9]" * (length - 1)) for length in range(1, len(digits))]
    for position, digit in enumerate(digits):
        rest = len(digits) - position - 1
        low = "1" if position == 0 else "0"
        if int(digit) > int(low):
            options.append(f"{digits[:position]}[{low}-{int(digit) - 1}]" + "[0-9]" * rest)
    options.append(digits)
    return "|".join(f"(?:{option})" for option in options)


class RecordId(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits from 1 up to the largest id the database holds.
    Anything else matches no route (404), where a huge number once overflowed into a 500. The
    range is in the pattern itself: a number the converter refused after matching made
    Werkzeug answer 405 for a method the route does have (PATCH /applications/0)."""

    regex = whole_numbers_up_to(LARGEST_ID)

    def __init__(self, url_map, fixed_digits=0, min=1, max=LARGEST_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class StrictJSONProvider(DefaultJSONProvider):
    """JSON as RFC 8259 has it: no NaN or Infinity, and a body nested too deeply for the parser
    is malformed (400) instead of a RecursionError (500)."""

    def loads(self, s, **kwargs):
        try:
            return json.loads(s, parse_constant=_not_json, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


UNSTORABLE_TEXT = N_("Dit veld bevat een teken dat niet kan worden opgeslagen (een nulteken of "
                     "een losse surrogaathelft).")
NUMBER_TOO_LARGE = N_("Dit getal valt buiten het bereik van -2147483647 tot en met 2147483647.")


def _storable(text: str) -> bool:
    # Neither database keeps a NUL in text (PostgreSQL refuses it), and a lone surrogate is no
    # character at all: UTF-8 cannot encode it.
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_fields(value, path: str = "") -> dict[str, list[str]]:
    """Each place in a JSON body, form or query string holding what no field can take: text
    the database cannot store, or a whole number beyond the largest any column holds (ids,
    counts and versions are all at most LARGEST_ID; beyond it SQLite overflows and PostgreSQL
    refuses the query)."""
    fields: dict[str, list[str]] = {}
    pending = [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and not _storable(key):
                    fields[where or "body"] = [UNSTORABLE_TEXT]
                    continue
                pending.append((name, inner))
        elif isinstance(item, list):
            pending.extend((f"{where}[{index}]", inner) for index, inner in enumerate(item))
        elif isinstance(item, str):
            if not _storable(item):
                fields[where or "body"] = [UNSTORABLE_TEXT]
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > LARGEST_ID:
            fields[where or "body"] = [NUMBER_TOO_LARGE]
    return dict(sorted(fields.items()))


def _refuse_unstorable_input() -> None:
    # Form and query values are text; only a JSON body also carries numbers.
    fields = {name: [UNSTORABLE_TEXT] for source in (request.args, request.form)
              for name in source
              if not (_storable(name) and all(map(_storable, source.getlist(name))))}
    if request.is_json and request.content_length:
        body = request.get_json(silent=True)
        if body is not None:
            fields.update(unstorable_fields(body))
    if fields:
        raise ValidationFailed(N_("De invoer bevat tekens of getallen die niet kunnen worden "
                                  "opgeslagen."), fields)


def register_converters(app: Flask) -> None:
    """Before any route is added: the rules take their converters when they are made."""
    app.url_map.converters["int"] = RecordId


def register(app: Flask) -> None:
    app.json = StrictJSONProvider(app)
    app.before_request(_refuse_unstorable_input)

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
