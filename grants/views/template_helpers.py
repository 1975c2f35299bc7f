"""Filters and the navigation every page shows."""

from dataclasses import dataclass, replace

from flask import Flask, request, url_for
from flask_login import current_user

from grants import i18n
from grants.i18n import N_
from grants.models import ROLE_LABELS, STATE_LABELS, TRIGGER_LABELS, ApplicationState, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[Role] | None = None  # None: every signed-in user
    is_current: bool = False

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def blueprint(self) -> str:
        return self.endpoint.partition(".")[0]


NAVIGATION = [
    NavItem(N_("Start"), "main.home"),
    NavItem(N_("Mijn aanvragen"), "portal.index", frozenset({Role.APPLICANT})),
    NavItem(N_("Werkvoorraad"), "assess.queue", frozenset({Role.ASSESSOR})),
    NavItem(N_("Besluiten"), "assess.approvals", frozenset({Role.APPROVER})),
    NavItem(N_("Commissie"), "assess.committee", frozenset({Role.COMMITTEE})),
    NavItem(N_("Aanvragen"), "applications.index"),
    NavItem(N_("Termijnen"), "applications.deadlines",
            frozenset({Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE, Role.ADMIN})),
    NavItem(N_("Regelingen"), "main.schemes"),
    NavItem(N_("Financiën"), "finance.dashboard", frozenset({Role.FINANCE, Role.ADMIN})),
    NavItem(N_("Verdelingen"), "allocations.index", frozenset({Role.FINANCE})),
    NavItem(N_("Betalingen"), "payments.index", frozenset({Role.FINANCE, Role.APPROVER})),
    NavItem(N_("Monitoring"), "reports.monitoring",
            frozenset({Role.FINANCE, Role.ADMIN, Role.ASSESSOR})),
    NavItem(N_("Actieboek"), "actions.index", frozenset({Role.PROGRAMME, Role.ADMIN})),
    NavItem(N_("Voortgangsrapportage"), "progress.staff_report",
            frozenset({Role.PROGRAMME, Role.FINANCE, Role.ADMIN})),
    NavItem(N_("Beheer"), "admin.index", frozenset({Role.ADMIN})),
]


def navigation_for(user) -> list[NavItem]:
    """The user's menu with one item marked current: the page's own item, or else the first
    item of the page's section (an application's page marks "Aanvragen")."""
    if not user.is_authenticated:
        return []
    items = [item for item in NAVIGATION if item.roles is None or user.has_role(*item.roles)]
    current = next((item for item in items if item.endpoint == request.endpoint), None) or next(
        (item for item in items
         if item.blueprint != "main" and item.blueprint == request.blueprint), None)
    return [replace(item, is_current=item is current) for item in items]


def state_label(state: ApplicationState | str) -> str:
    """An application's status in the page's language."""
    return i18n.translated(STATE_LABELS[ApplicationState(state)])


def register(app: Flask) -> None:
    # Amounts, dates and labels in the page's language; letters, exports and the API keep
    # grants.money and grants.timefmt, always Dutch.
    app.add_template_filter(i18n.page_eur, "eur")
    app.add_template_filter(i18n.page_moment, "moment")
    app.add_template_filter(i18n.page_day, "day")
    app.add_template_filter(i18n.page_permille, "permille")
    app.add_template_filter(i18n.page_share, "share_of")
    app.add_template_filter(i18n.page_number, "number")
    app.add_template_filter(i18n.translated, "translated")
    app.add_template_filter(lambda role: i18n.translated(ROLE_LABELS[Role(role)]), "role_label")
    app.add_template_filter(state_label, "state_label")
    app.add_template_filter(
        lambda trigger: i18n.translated(TRIGGER_LABELS.get(trigger, trigger)), "trigger_label")

    @app.context_processor
    def navigation():
        return {"navigation": navigation_for(current_user)}
