"""Domain errors: services raise these, and each door (web pages, API) shows them its own way."""

from grants.i18n import N_


class GrantsError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(GrantsError):
    """Well-formed input that breaks a rule; ``fields`` names each field and what is wrong."""

    status = 422
    code = "validation_failed"


class NotFound(GrantsError):
    """Absent or not the caller's: the two are never told apart."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = N_("Niet gevonden.")):
        super().__init__(message)


class Forbidden(GrantsError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = N_("U heeft hiervoor niet de juiste rol.")):
        super().__init__(message)


class Conflict(GrantsError):
    status = 409
    code = "conflict"
