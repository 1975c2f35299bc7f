"""The grant lifecycle that sector plans and RIF share: grant (verlening), then follow-up to
settlement (vaststelling), with reports and objections (domain.md §5).

It sits above the shared guards (common), the reports and the objections, which it composes;
none of those know it.
"""

from grants.workflows import objections
from grants.workflows.common import (
    GRANT_BEFORE_DECISION,
    GRANT_DECIDED,
    R,
    S,
    commit_grant,
    decided,
    disburse_advance,
    four_eyes,
    grant_amount,
    granted,
    intake_transitions,
    not_an_assessor,
    pay_balance,
    reason_required,
    recover_amount,
    refused,
    release_reservations,
    required_amount,
    settle_grant,
    settlement_amount,
)
from grants.workflows.engine import Transition, transition
from grants.workflows.reports import final_report_accepted, report_transitions, schedule_reports


def grant_lifecycle(record_assessment: list[Transition]) -> tuple[Transition, ...]:
    """The schemes differ only in how an application is assessed (``record_assessment``)."""
    return (
        *intake_transitions(),
        *record_assessment,
        transition("approve", S.ASSESSED, S.APPROVED, R.APPROVER,
                   guards=[four_eyes, grant_amount],
                   effects=[granted, commit_grant, decided, schedule_reports],
                   available=not_an_assessor),
        transition("reject", S.ASSESSED, S.REJECTED, R.APPROVER,
                   guards=[four_eyes, reason_required],
                   effects=[refused, release_reservations, decided], available=not_an_assessor),
        transition("withdraw", GRANT_BEFORE_DECISION, S.WITHDRAWN, R.APPLICANT,
                   effects=[release_reservations]),
        transition("pay_advance", (S.APPROVED, S.MONITORED), S.MONITORED, R.FINANCE,
                   guards=[required_amount], effects=[disburse_advance]),
        *report_transitions(),
        transition("settle", S.SETTLEMENT_REQUESTED, S.SETTLED, R.ASSESSOR,
                   guards=[settlement_amount],
                   effects=[settle_grant, final_report_accepted, decided]),
        transition("pay", S.SETTLED, None, R.FINANCE, effects=[pay_balance]),
        transition("recover", S.SETTLED, None, R.FINANCE, guards=[required_amount],
                   effects=[recover_amount]),
        transition("close", S.SETTLED, S.CLOSED, R.FINANCE),
        *objections.transitions(GRANT_DECIDED),
    )
