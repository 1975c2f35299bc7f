"""What each role can do next, with the numbers that tell them where to start."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from grants.access import scope_to_user
from grants.extensions import db
from grants.models import Application, ApplicationState, Budget, Role, User

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
    count_label: str = "aanvragen"


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
        organisation = user.organisation.name if user.organisation else "uw organisatie"
        steps.append(NextStep(
            Role.APPLICANT, "Uw aanvragen",
            f"De aanvragen van {organisation}: concepten om af te maken en ingediende aanvragen "
            "om te volgen.", "applications.index", "Naar uw aanvragen", count=_count(user)))
        steps.append(NextStep(
            Role.APPLICANT, "Concepten",
            "Aanvragen die u nog niet heeft ingediend.", "applications.index",
            "Bekijk uw concepten", {"state": S.DRAFT.value}, _count(user, state=S.DRAFT)))
        steps.append(NextStep(
            Role.APPLICANT, "Regelingen en tijdvakken",
            "Voor welke regelingen u kunt aanvragen, wanneer, en hoeveel geld er is.",
            "main.schemes", "Bekijk de regelingen"))
    if user.has_role(Role.ASSESSOR):
        steps.append(NextStep(
            Role.ASSESSOR, "Ingediend, nog te beoordelen",
            "Ingediende aanvragen die op een beoordeling wachten.", "applications.index",
            "Naar de ingediende aanvragen", {"state": S.SUBMITTED.value},
            _count(user, state=S.SUBMITTED)))
        steps.append(NextStep(
            Role.ASSESSOR, "In beoordeling", "Aanvragen waarvan de beoordeling loopt.",
            "applications.index", "Naar de aanvragen in beoordeling",
            {"state": S.IN_ASSESSMENT.value}, _count(user, state=S.IN_ASSESSMENT)))
    if user.has_role(Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE):
        from grants.clock import now
        from grants.services.deadlines import upcoming_deadlines
        from grants.timefmt import AMSTERDAM

        deadlines = upcoming_deadlines(now().astimezone(AMSTERDAM).date())
        overdue = sum(1 for deadline in deadlines if deadline.overdue)
        steps.append(NextStep(
            Role.ASSESSOR if user.has_role(Role.ASSESSOR) else next(iter(user.roles)),
            "Termijnen", f"Verlopen of binnen 7 dagen: beslistermijnen, hersteltermijnen en "
            f"bezwaren. Daarvan verlopen: {overdue}.", "applications.deadlines",
            "Naar de termijnen", count=len(deadlines), count_label="termijnen"))
    if user.has_role(Role.APPROVER):
        steps.append(NextStep(
            Role.APPROVER, "Wacht op uw besluit",
            "Beoordeelde aanvragen: verlenen of afwijzen. U beslist niet over een aanvraag "
            "die u zelf heeft beoordeeld.", "applications.index",
            "Naar de beoordeelde aanvragen", {"state": S.ASSESSED.value},
            _count(user, state=S.ASSESSED)))
    if user.has_role(Role.COMMITTEE):
        steps.append(NextStep(
            Role.COMMITTEE, "RIF-aanvragen voor de commissie",
            "Aanvragen voor het Regionaal investeringsfonds mbo die de commissie scoort.",
            "applications.index", "Naar de RIF-aanvragen in beoordeling",
            {"scheme": "rif", "state": S.IN_ASSESSMENT.value},
            _count(user, scheme="rif", state=S.IN_ASSESSMENT)))
    if user.has_role(Role.FINANCE, Role.ADMIN):
        steps.append(NextStep(
            Role.FINANCE if user.has_role(Role.FINANCE) else Role.ADMIN, "Budgetten",
            "Elk Techniekpact-budget met zijn plafond en de tijdvakken eronder.",
            "finance.budgets", "Naar de budgetten",
            count=db.session.scalar(sa.select(sa.func.count(Budget.id))),
            count_label="budgetten"))
    if user.has_role(Role.ADMIN):
        steps.append(NextStep(
            Role.ADMIN, "Gebruikers en rollen", "Wie toegang heeft, met welke rol.",
            "admin.users", "Naar de gebruikers",
            count=db.session.scalar(sa.select(sa.func.count(User.id))),
            count_label="gebruikers"))
        steps.append(NextStep(
            Role.ADMIN, "Regelingen en plafonds",
            "Tijdvakken en subsidieplafonds, met de geschiedenis van elke wijziging.",
            "main.schemes", "Naar de regelingen"))
    return steps
