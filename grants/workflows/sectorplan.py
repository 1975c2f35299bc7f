"""Sectorplannen (Regeling cofinanciering sectorplannen): domain.md §1 and §5."""

from grants.errors import ValidationFailed
from grants.models import Recommendation, Role
from grants.workflows import common
from grants.workflows.engine import Firing, Workflow, register, transition
from grants.workflows.fields import sectorplan as fields
from grants.workflows.grant import grant_lifecycle

S = common.S


def valid_assessment(f: Firing) -> None:
    recommendation = f.data.get("recommendation")
    errors = {}
    if recommendation not in {r.value for r in Recommendation}:
        errors["recommendation"] = ["Kies positive (positief) of negative (negatief)."]
    if not str(f.data.get("reasoning") or "").strip():
        errors["reasoning"] = ["Onderbouw het advies."]
    # Scores per criterion back the advice; API clients from before the criteria may omit them.
    if f.data.get("scores") is not None:
        try:
            f.audit_data["scores"] = common.criterion_scores(f)
        except ValidationFailed as refused:
            errors.update(refused.fields)
    if errors:
        raise ValidationFailed("De beoordeling is niet volledig.", errors)
    f.audit_data["recommendation"] = recommendation


WORKFLOW = register(Workflow(
    scheme="sectorplan",
    states=common.GRANT_STATES,
    transitions=grant_lifecycle([
        transition("record_assessment", S.IN_ASSESSMENT, S.ASSESSED, Role.ASSESSOR,
                   guards=[valid_assessment],
                   effects=[common.store_assessment, common.reserve_when_assessed_positively]),
    ]),
    fields=fields,
    default_rules=fields.DEFAULT_RULES,
))
