"""What each role can do next, with the numbers that tell them where to start (for the start
page, so in the page's language)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from grants.access import scope_to_user
from grants.extensions import db
from grants.models import Action, Application, ApplicationState, Budget, Role, User

S = ApplicationState


@dataclass(frozen=True)
class NextStep:
    role: Role
    title: str
    description: str
    endpoint: str
    link_text: str
    params: dict[str, str] = field(default_factory=dict)
    count: int | None = None
    count_label: str = ""


def _count(user: User, **filters) -> int:
    stmt = sa.select(sa.func.count(Application.id)).select_from(Application)
    if "scheme" in filters:
        stmt = stmt.where(Application.scheme.has(code=filters["scheme"]))
    if "state" in filters:
        stmt = stmt.where(Application.state == filters["state"])
    return db.session.scalar(scope_to_user(stmt, Application, user))


def next_steps(user: User) -> list[NextStep]:
    steps: list[NextStep] = []
    if user.has_role(Role.APPLICANT):
        organisation = user.organisation.name if user.organisation else _("uw organisatie")
        steps.append(NextStep(
            Role.APPLICANT, _("Uw aanvragen"),
            _("De aanvragen van %(organisation)s: concepten om af te maken en ingediende "
              "aanvragen om te volgen.", organisation=organisation),
            "portal.index", _("Naar uw aanvragen"), count=_count(user),
            count_label=_("aanvragen")))
        steps.append(NextStep(
            Role.APPLICANT, _("Concepten"),
            _("Aanvragen die u nog niet heeft ingediend."), "portal.index",
            _("Bekijk uw concepten"), count=_count(user, state=S.DRAFT),
            count_label=_("aanvragen")))
        steps.append(NextStep(
            Role.APPLICANT, _("Regelingen en tijdvakken"),
            _("Voor welke regelingen u kunt aanvragen, wanneer, en hoeveel geld er is."),
            "main.schemes", _("Bekijk de regelingen")))
    if user.has_role(Role.ASSESSOR):
        steps.append(NextStep(
            Role.ASSESSOR, _("Ingediend, nog te beoordelen"),
            _("Ingediende aanvragen die op een beoordeling wachten."), "assess.queue",
            _("Naar de ingediende aanvragen"), {"state": S.SUBMITTED.value},
            _count(user, state=S.SUBMITTED), _("aanvragen")))
        steps.append(NextStep(
            Role.ASSESSOR, _("In beoordeling"), _("Aanvragen waarvan de beoordeling loopt."),
            "assess.queue", _("Naar de aanvragen in beoordeling"),
            {"state": S.IN_ASSESSMENT.value}, _count(user, state=S.IN_ASSESSMENT),
            _("aanvragen")))
    if user.has_role(Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE):
        from grants.clock import now
        from grants.services.deadlines import deadline_counts
        from grants.timefmt import AMSTERDAM

        # The terms the deadlines page lists to this user, counted by the database.
        count, overdue = deadline_counts(user, now().astimezone(AMSTERDAM).date())
        steps.append(NextStep(
            Role.ASSESSOR if user.has_role(Role.ASSESSOR) else next(iter(user.roles)),
            _("Termijnen"), _("Verlopen of binnen 7 dagen: beslistermijnen, hersteltermijnen en "
                              "bezwaren. Daarvan verlopen: %(overdue)s.", overdue=overdue),
            "applications.deadlines", _("Naar de termijnen"), count=count,
            count_label=_("termijnen")))
    if user.has_role(Role.APPROVER):
        steps.append(NextStep(
            Role.APPROVER, _("Wacht op uw besluit"),
            _("Beoordeelde aanvragen: verlenen of afwijzen. U beslist niet over een aanvraag "
              "die u zelf heeft beoordeeld."), "assess.approvals",
            _("Naar de beoordeelde aanvragen"), {},
            _count(user, state=S.ASSESSED), _("aanvragen")))
    if user.has_role(Role.COMMITTEE):
        steps.append(NextStep(
            Role.COMMITTEE, _("RIF-aanvragen voor de commissie"),
            _("Aanvragen voor het Regionaal investeringsfonds mbo die de commissie scoort."),
            "assess.committee", _("Naar de RIF-aanvragen in beoordeling"), {},
            _count(user, scheme="rif", state=S.IN_ASSESSMENT), _("aanvragen")))
    if user.has_role(Role.FINANCE, Role.ADMIN):
        steps.append(NextStep(
            Role.FINANCE if user.has_role(Role.FINANCE) else Role.ADMIN, _("Budgetten"),
            _("Elk Techniekpact-budget met zijn plafond en de tijdvakken eronder."),
            "finance.budgets", _("Naar de budgetten"),
            count=db.session.scalar(sa.select(sa.func.count(Budget.id))),
            count_label=_("budgetten")))
    if user.has_role(Role.PROGRAMME):
        steps.append(NextStep(
            Role.PROGRAMME, _("Actieboek Techniekpact"),
            _("De acties van het werkprogramma bijhouden: stappen, bewijsstukken, financiering."),
            "actions.index", _("Naar het actieboek"),
            count=db.session.scalar(sa.select(sa.func.count(Action.id))),
            count_label=_("acties")))
    if user.has_role(Role.ADMIN):
        steps.append(NextStep(
            Role.ADMIN, _("Gebruikers en rollen"), _("Wie toegang heeft, met welke rol."),
            "admin.users", _("Naar de gebruikers"),
            count=db.session.scalar(sa.select(sa.func.count(User.id))),
            count_label=_("gebruikers")))
        steps.append(NextStep(
            Role.ADMIN, _("Regelingen en plafonds"),
            _("Tijdvakken en subsidieplafonds, met de geschiedenis van elke wijziging."),
            "main.schemes", _("Naar de regelingen")))
    return steps
