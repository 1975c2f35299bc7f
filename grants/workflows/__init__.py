"""State machines for the applications: a shared engine and one module per scheme.

Importing this package registers every scheme's workflow with the engine.
"""

from grants.workflows import praktijkleren, rif, sectorplan  # noqa: F401
from grants.workflows.engine import REGISTRY, Workflow

__all__ = ["REGISTRY", "workflow_for"]


def workflow_for(scheme_code: str) -> Workflow:
    return REGISTRY[scheme_code]
