"""The grant lifecycle that sector plans and RIF share: grant (verlening), then follow-up to
settlement (vaststelling), with reports and objections (domain.md §5).

It sits above the shared guards (common), the reports and the objections, which it composes;
none of those know it.
"""

from collections.abc import Callable

from grants.models import Application, User
from grants.workflows import objections
from grants.workflows.approvals import approved_by_a_second_person
from grants.workflows.common import (
    GRANT_BEFORE_DECISION,
    GRANT_DECIDED,
    GRANT_STATES,
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
    something_to_pay,
)
from grants.workflows.engine import Step, Transition, transition
from grants.workflows.order import in_order_of_completeness
from grants.workflows.postponement import postponement
from grants.workflows.reports import final_report_accepted, report_transitions, schedule_reports


def grant_lifecycle(record_assessment: list[Transition], *,
                    order: Step = in_order_of_completeness,
                    granted_by_hand: Callable[[Application, User], bool] = not_an_assessor,
                    ) -> tuple[Transition, ...]:
    """The schemes differ in how an application is assessed (``record_assessment``) and in the
    way of dividing that a grant must keep to (``order``, Awb 4:26; ``granted_by_hand`` says
    whether an approver is offered the grant at all)."""
    return (
        *intake_transitions(),
        *record_assessment,
        transition("approve", S.ASSESSED, S.APPROVED, R.APPROVER,
                   guards=[four_eyes, grant_amount, order],
                   effects=[granted, commit_grant, decided, schedule_reports],
                   available=granted_by_hand),
        transition("reject", S.ASSESSED, S.REJECTED, R.APPROVER,
                   guards=[four_eyes, reason_required],
                   effects=[refused, release_reservations, decided], available=not_an_assessor),
        transition("withdraw", GRANT_BEFORE_DECISION, S.WITHDRAWN, R.APPLICANT,
                   effects=[release_reservations]),
        transition("pay_advance", (S.APPROVED, S.MONITORED), S.MONITORED, R.FINANCE,
                   guards=[required_amount], effects=[disburse_advance]),
        *report_transitions(),
        transition("settle", S.SETTLEMENT_REQUESTED, S.SETTLED, R.ASSESSOR,
                   guards=[settlement_amount, approved_by_a_second_person],
                   effects=[settle_grant, final_report_accepted, decided]),
        transition("pay", S.SETTLED, None, R.FINANCE, guards=[something_to_pay],
                   effects=[pay_balance]),
        transition("recover", S.SETTLED, None, R.FINANCE,
                   guards=[required_amount, approved_by_a_second_person],
                   effects=[recover_amount]),
        transition("close", S.SETTLED, S.CLOSED, R.FINANCE),
        postponement(GRANT_STATES),
        *objections.transitions(GRANT_DECIDED),
    )
