"""Filters and the navigation every page shows."""

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user

from grants.models import ROLE_LABELS, STATE_LABELS, ApplicationState, Role
from grants.money import format_eur
from grants.timefmt import format_day, format_moment
from grants.workflows.labels import TRIGGER_LABELS


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[Role] | None = None  # None: every signed-in user

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def is_current(self) -> bool:
        # A page inside a section (an application's page) marks its section's menu item.
        blueprint = self.endpoint.partition(".")[0]
        return request.endpoint == self.endpoint or (
            blueprint != "main" and request.blueprint == blueprint)


NAVIGATION = [
    NavItem("Start", "main.home"),
    NavItem("Aanvragen", "applications.index"),
    NavItem("Termijnen", "applications.deadlines",
            frozenset({Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE, Role.ADMIN})),
    NavItem("Regelingen", "main.schemes"),
    NavItem("Budgetten", "finance.budgets", frozenset({Role.FINANCE, Role.ADMIN})),
    NavItem("Verdelingen", "allocations.index", frozenset({Role.FINANCE})),
    NavItem("Gebruikers", "admin.users", frozenset({Role.ADMIN})),
]


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAVIGATION if item.roles is None or user.has_role(*item.roles)]


def register(app: Flask) -> None:
    app.add_template_filter(format_eur, "eur")
    app.add_template_filter(format_moment, "moment")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(lambda role: ROLE_LABELS[Role(role)], "role_label")
    app.add_template_filter(lambda state: STATE_LABELS[ApplicationState(state)], "state_label")
    app.add_template_filter(lambda trigger: TRIGGER_LABELS.get(trigger, trigger), "trigger_label")

    @app.context_processor
    def navigation():
        return {"navigation": navigation_for(current_user)}
