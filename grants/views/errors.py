"""Errors as a page for people and as the API's error shape for programs."""

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from grants.errors import GrantsError
from grants.extensions import db
from grants.i18n import N_, translated

# Dutch, as the API answers; a page shows them in its reader's language (error_response).
MESSAGES = {
    400: N_("Het verzoek kon niet worden verwerkt."),
    401: N_("U bent niet ingelogd."),
    403: N_("U heeft geen toegang tot deze pagina."),
    404: N_("Deze pagina bestaat niet, of u heeft er geen toegang toe."),
    405: N_("Deze handeling is hier niet mogelijk."),
    409: N_("De gegevens zijn intussen gewijzigd."),
    413: N_("Het verzoek is te groot."),
    415: N_("Dit soort inhoud wordt hier niet aangenomen."),
    422: N_("De invoer is niet in orde."),
    429: N_("Te veel verzoeken. Probeer het later opnieuw."),
    500: N_("Er ging iets mis aan onze kant. Probeer het later opnieuw."),
    503: N_("Het is op dit moment erg druk. Probeer het over enkele seconden opnieuw."),
}
API_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
             415: "unsupported_media_type", 422: "validation_failed",
             429: "too_many_requests", 500: "server_error", 503: "service_unavailable"}
# How long a client waits before it tries again after a 503 (Retry-After, in seconds).
RETRY_AFTER_BUSY = 5
# The database could not get its lock in time: SQLite's busy timeout ran out, or PostgreSQL
# gave up on a lock (lock_timeout), broke a deadlock or could not serialise. Nothing was
# written; trying again a moment later works.
_BUSY_SQLITE = ("database is locked", "database is busy", "database table is locked")
_BUSY_POSTGRESQL = {"55P03", "40P01", "40001"}


def database_busy(error: OperationalError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in _BUSY_POSTGRESQL:
        return True
    return any(text in str(error.orig) for text in _BUSY_SQLITE)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    # Nothing of a refused request stays behind, whatever it had flushed before it was refused.
    db.session.rollback()
    if _wants_json():
        body = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    else:
        # A message in the catalog is shown translated; the services' own messages (built
        # with names and numbers) are not in it and stay Dutch.
        body = render_template(
            "errors/error.html", status=status, message=translated(message),
            fields={name: [translated(text) for text in texts]
                    for name, texts in (fields or {}).items()})
    return make_response(body, status)


def register(app: Flask) -> None:
    @app.errorhandler(GrantsError)
    def domain_error(error: GrantsError):
        return error_response(error.status, error.code, error.message, error.fields)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(_error: StaleDataError):
        return error_response(409, "conflict", N_("De aanvraag is intussen gewijzigd; laad haar "
                                                  "opnieuw en probeer het nog eens."))

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return error_response(
            400, "csrf_failed",
            N_("Het formulier is verlopen of niet van deze site afkomstig. "
               "Laad de pagina opnieuw en probeer het nog eens."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        response = error_response(status, API_CODES.get(status, "error"),
                                  MESSAGES.get(status, error.description))
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def busy(error: OperationalError):
        if not database_busy(error):
            raise error
        response = error_response(503, "service_unavailable", MESSAGES[503])
        response.headers["Retry-After"] = str(RETRY_AFTER_BUSY)
        return response

    if app.testing or app.debug:
        return  # let the test or the debugger see the exception itself

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        return error_response(500, "server_error", MESSAGES[500])
