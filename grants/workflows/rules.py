"""Versioned rules: what an application is judged by is frozen when it is submitted.

A snapshot holds the scheme's rule parameters, its decision term, the window's dates and
ceilings and the period of the budget that pays the window. Snapshots are stored once per
distinct content (by digest), so thousands of applications submitted under the same rules share
one version, and any later amendment of the scheme or the window simply produces a new one for
the applications that come after.
"""

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import Application, RuleVersion, Window
from grants.timefmt import to_api

# Rules every scheme has (Awb terms); assumed house defaults, overridable per scheme as data.
COMMON_RULES = {
    # The decision term counts from the window's close (all applications are decided together)
    # or from the receipt of each application ("receipt").
    "decision_term_from": "window_close",
    "repair_term_days": 14,
    "objection_term_weeks": 6,
    "objection_decision_weeks": 6,
}


def snapshot(window: Window, default_rules: dict) -> dict:
    scheme = window.scheme
    rules = {**COMMON_RULES, **default_rules, **(scheme.rules or {})}
    if window.lines:
        # A plan or project runs within the period of the budget that pays it (domain.md §1,
        # §3). The period is data on the budget, not a rule an admin sets per scheme.
        budget = window.lines[0].budget
        rules["budget_starts_on"] = budget.starts_on.isoformat()
        rules["budget_ends_on"] = budget.ends_on.isoformat()
    return {
        "scheme": scheme.code,
        "decision_term_weeks": scheme.decision_term_weeks,
        "rules": rules,
        "window": {
            "code": window.code,
            "opens_at": to_api(window.opens_at),
            "closes_at": to_api(window.closes_at),
            "ceiling_cents": window.ceiling_cents,
            "categories": {line.category.value: line.ceiling_cents for line in window.categories},
        },
    }


def current_rules(application: Application, default_rules: dict) -> dict:
    """The frozen rules once submitted; before that, the rules as they stand now."""
    if application.rules_version is not None:
        return application.rules_version.rules
    return snapshot(application.window, default_rules)


def freeze(application: Application, default_rules: dict, now: datetime) -> RuleVersion:
    rules = snapshot(application.window, default_rules)
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()
    version = _by_digest(digest)
    if version is None:
        try:
            with db.session.begin_nested():
                version = RuleVersion(scheme_id=application.scheme_id,
                                      window_id=application.window_id, digest=digest,
                                      rules=rules, created_at=now)
                db.session.add(version)
        except IntegrityError:
            # Another submission stored the same rules a moment ago: share its version.
            version = _by_digest(digest)
    application.rules_version = version
    return version


def _by_digest(digest: str) -> RuleVersion | None:
    return db.session.scalars(
        sa.select(RuleVersion).where(RuleVersion.digest == digest)).one_or_none()
