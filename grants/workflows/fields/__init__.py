"""Each scheme's own application fields, stored as the JSON document ``details``.

Every module offers the same interface for the engine: ``parse``, ``check_complete``,
``requested_cents``, ``to_api`` and ``DEFAULT_RULES``.
"""

from grants.workflows.fields import praktijkleren, rif, sectorplan

FIELDS = {"sectorplan": sectorplan, "praktijkleren": praktijkleren, "rif": rif}

__all__ = ["FIELDS", "praktijkleren", "rif", "sectorplan"]
