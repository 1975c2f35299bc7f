"""All tables, imported here so that metadata (and Alembic) sees every one of them."""

from grants.models.allocations import AllocationResult, AllocationRun
from grants.models.applications import (
    STATE_LABELS,
    Application,
    ApplicationState,
    Assessment,
    AuditEvent,
    Objection,
    ObjectionOutcome,
    Recommendation,
)
from grants.models.budgets import Bucket, Budget, BudgetLine, EntryKind, LedgerEntry
from grants.models.organisations import (
    ORGANISATION_KIND_LABELS,
    Organisation,
    OrganisationKind,
    Region,
)
from grants.models.schemes import (
    MINISTRY_NAMES,
    CeilingAmendment,
    Ministry,
    PlaceCategory,
    RuleVersion,
    Scheme,
    Window,
)
from grants.models.users import (
    ROLE_LABELS,
    STAFF_ROLES,
    ApiToken,
    LoginFailure,
    Role,
    User,
    UserRole,
)

__all__ = [
    "AllocationResult",
    "AllocationRun",
    "MINISTRY_NAMES",
    "ORGANISATION_KIND_LABELS",
    "ROLE_LABELS",
    "STAFF_ROLES",
    "STATE_LABELS",
    "ApiToken",
    "Application",
    "ApplicationState",
    "Assessment",
    "AuditEvent",
    "Bucket",
    "Budget",
    "BudgetLine",
    "CeilingAmendment",
    "EntryKind",
    "LedgerEntry",
    "LoginFailure",
    "Ministry",
    "Objection",
    "ObjectionOutcome",
    "Organisation",
    "OrganisationKind",
    "PlaceCategory",
    "Recommendation",
    "Region",
    "Role",
    "RuleVersion",
    "Scheme",
    "User",
    "UserRole",
    "Window",
]
