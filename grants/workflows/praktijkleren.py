"""Praktijkleren (Subsidieregeling praktijkleren): domain.md §2 and §5.

No grant step: once the places are checked the application is validated, and the allocation run
after the window settles it directly (directe vaststelling), which is the decision.
"""

from grants.models import Recommendation, Role
from grants.workflows import common
from grants.workflows.engine import Firing, Workflow, register, transition
from grants.workflows.fields import praktijkleren as fields

S = common.S
R = Role

DECIDED = (S.UNPROCESSED, S.SETTLED, S.PAID, S.CLOSED)


def places_checked(f: Firing) -> None:
    f.audit_data["recommendation"] = Recommendation.POSITIVE.value


WORKFLOW = register(Workflow(
    scheme="praktijkleren",
    states=(S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.UNPROCESSED, S.IN_ASSESSMENT, S.VALIDATED,
            S.WITHDRAWN, S.SETTLED, S.PAID, S.CLOSED),
    transitions=(
        *common.intake_transitions(),
        transition("record_assessment", S.IN_ASSESSMENT, S.VALIDATED, R.ASSESSOR,
                   guards=[common.fields_complete, places_checked],
                   effects=[common.store_assessment]),
        transition("withdraw", (S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT,
                                S.VALIDATED), S.WITHDRAWN, R.APPLICANT),
        transition("settle", S.VALIDATED, S.SETTLED, R.FINANCE,
                   guards=[common.grant_amount], effects=[common.granted, common.decided]),
        transition("pay", S.SETTLED, S.PAID, R.FINANCE),
        transition("close", S.PAID, S.CLOSED, R.FINANCE),
        *common.objection_transitions(DECIDED),
    ),
    fields=fields,
    default_rules=fields.DEFAULT_RULES,
))
