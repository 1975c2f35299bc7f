"""All tables, imported here so that metadata (and Alembic) sees every one of them."""

from grants.models.admin import ADMIN_ACTION_LABELS, AdminAction, AdminEvent
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
from grants.models.attachments import Attachment
from grants.models.budgets import Bucket, Budget, BudgetLine, EntryKind, LedgerEntry
from grants.models.decisions import (
    DECISION_KIND_LABELS,
    JOB_STATUS_LABELS,
    Decision,
    DecisionKind,
    Job,
    JobKind,
    JobStatus,
)
from grants.models.mail import (
    MAIL_KIND_LABELS,
    MAIL_STATUS_LABELS,
    MailKind,
    MailStatus,
    OutgoingMail,
)
from grants.models.organisations import (
    ORGANISATION_KIND_LABELS,
    Organisation,
    OrganisationKind,
    Region,
)
from grants.models.payments import PaymentLine, PaymentRun
from grants.models.reports import (
    OPEN_REPORT_STATUSES,
    REPORT_STATUS_LABELS,
    GrantReport,
    ReportKind,
    ReportStatus,
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
    "ADMIN_ACTION_LABELS",
    "AdminAction",
    "AdminEvent",
    "AllocationResult",
    "AllocationRun",
    "DECISION_KIND_LABELS",
    "JOB_STATUS_LABELS",
    "MINISTRY_NAMES",
    "OPEN_REPORT_STATUSES",
    "ORGANISATION_KIND_LABELS",
    "REPORT_STATUS_LABELS",
    "ROLE_LABELS",
    "STAFF_ROLES",
    "STATE_LABELS",
    "ApiToken",
    "Application",
    "ApplicationState",
    "Assessment",
    "Attachment",
    "AuditEvent",
    "Bucket",
    "Budget",
    "BudgetLine",
    "CeilingAmendment",
    "Decision",
    "DecisionKind",
    "EntryKind",
    "GrantReport",
    "Job",
    "JobKind",
    "JobStatus",
    "LedgerEntry",
    "LoginFailure",
    "MAIL_KIND_LABELS",
    "MAIL_STATUS_LABELS",
    "MailKind",
    "MailStatus",
    "Ministry",
    "Objection",
    "ObjectionOutcome",
    "Organisation",
    "OrganisationKind",
    "OutgoingMail",
    "PaymentLine",
    "PaymentRun",
    "PlaceCategory",
    "Recommendation",
    "Region",
    "ReportKind",
    "ReportStatus",
    "Role",
    "RuleVersion",
    "Scheme",
    "User",
    "UserRole",
    "Window",
]
