"""The people, organisations and valid applications the workflow tests act with."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from grants.extensions import db
from grants.models import Application, OrganisationKind, Role
from grants.services.tokens import create_token
from tests.factories import OrganisationFactory, UserFactory, consent_all

K = OrganisationKind
# A moment after each RIF window used in the tests has closed, for its allocation run.
RIF_RUN_AFTER = {"2014": datetime(2014, 6, 10, 9, tzinfo=UTC),
                 "2015-1": datetime(2015, 2, 10, 9, tzinfo=UTC)}
PRAKTIJKLEREN_RUN_AFTER = {"2013-2014": datetime(2014, 11, 20, 9, tzinfo=UTC)}
# Granting less than requested needs the reason the letter gives (Awb 3:46).
PARTLY = {"reason": "Niet alle kosten komen in aanmerking."}
EMPLOYER_IBAN = "NL91ABNA0417164300"  # the employer's confirmed IBAN
SENDING_TRIGGERS = ("submit", "provide_information")


@dataclass
class Api:
    """The JSON API as one user sees it."""

    client: object
    token: str
    user: object

    def call(self, method: str, path: str, body: dict | None = None):
        return self.client.open(f"/api/v1{path}", method=method, json=body,
                                headers={"Authorization": f"Bearer {self.token}"})

    def create(self, body: dict):
        return self.call("POST", "/applications", body)

    def fire(self, application_id: int, trigger: str, body: dict | None = None):
        """Fires ``trigger``. A sector plan gets its partners' consent first, before it is sent
        (submit, provide_information), as they would give it from their own accounts; tests of
        the consent itself fire with ``call``."""
        if trigger in SENDING_TRIGGERS:
            consent_all(db.session.get(Application, application_id))
        return self.call("POST", f"/applications/{application_id}/triggers/{trigger}",
                         body or {})

    def get(self, application_id: int):
        return self.call("GET", f"/applications/{application_id}")

    def history(self, application_id: int) -> list[dict]:
        return self.call("GET", f"/applications/{application_id}/history").get_json()["items"]


@dataclass
class World:
    employers: object
    employees: object
    institution: object
    employer: object
    apis: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.apis[name]
        except KeyError:
            raise AttributeError(name) from None

    def sectorplan(self, **changes) -> dict:
        return {
            "scheme": "sectorplan", "window": "T2", "title": "Sectorplan metaal",
            "lead_organisation": self.employers.id,
            "partners": [{"organisation": self.employers.id, "role": "employers"},
                         {"organisation": self.employees.id, "role": "employees"}],
            "sector": "Metaal en techniek", "region": "Noord",
            "measures": [
                {"title": "Leerwerkplekken voor jongeren", "theme": "youth",
                 "eligible_cost": "1000000.00", "requested_subsidy": "500000.00"},
                {"title": "Van werk naar werk", "theme": "work_to_work",
                 "eligible_cost": "333.33", "requested_subsidy": "166.66"},
            ],
            "starts_on": "2014-07-01", "ends_on": "2015-12-31",
            **changes,
        }

    def rif(self, **changes) -> dict:
        return {
            "scheme": "rif", "window": "2014", "title": "Praktijkcentrum techniek",
            "institution": self.institution.id,
            "partners": [{"name": "Techniekbedrijf Noord BV", "kind": "employer"},
                         {"name": "Provincie Groningen", "kind": "regional_government"}],
            "region": "Noord", "requested_subsidy": "500000.00", "total_cost": "1600000.00",
            "contributions": [
                {"partner": "Techniekbedrijf Noord BV", "kind": "cash", "amount": "600000.00"},
                {"partner": "Provincie Groningen", "kind": "in_kind", "amount": "400000.00"},
            ],
            "starts_on": "2014-08-01", "ends_on": "2017-12-31",
            "documents": [{"kind": kind, "name": f"{kind}.pdf"} for kind in
                          ("regional_vision", "action_plan", "budget", "cooperation_agreement")],
            **changes,
        }

    def rank_rif(self, clock, window: str = "2014") -> dict:
        """RIF grants come from the committee's ranking only (Awb 4:26): finance's allocation
        run once the window has closed (the 2014 window: 12 May – 7 June 2014)."""
        clock.moment = RIF_RUN_AFTER[window]
        return self.allocate("rif", window)

    def settle_praktijkleren(self, clock, window: str = "2013-2014") -> dict:
        """Praktijkleren is settled by the window's one final run only (Awb 4:26), after
        15 September 17:00 once every application is decided."""
        clock.moment = PRAKTIJKLEREN_RUN_AFTER[window]
        return self.allocate("praktijkleren", window)

    def allocate(self, scheme: str, window: str, **options) -> dict:
        """Finance's allocation run, prepared by finance and approved by the approver (four
        eyes): the run as approved, in effect."""
        return commit_and_approve_run(None, scheme, window, self.finance, self.approver, None,
                                      **options)

    def decide_prepared(self, application_id: int, trigger: str, body: dict | None = None,
                        preparer: "Api | None" = None, approver: "Api | None" = None) -> dict:
        """A settlement (prepared by the assessor) or recovery (by finance), approved by the
        approver (four eyes): the application afterwards."""
        preparer = preparer or (self.assessor if trigger == "settle" else self.finance)
        approver = approver or self.approver
        prepared = preparer.fire(application_id, trigger, body or {})
        assert prepared.status_code == 202, prepared.get_json()
        assert prepared.get_json()["status"] == "prepared", prepared.get_json()
        approved = approver.call("POST", f"/approvals/{prepared.get_json()['id']}/approve")
        assert approved.status_code == 200, approved.get_json()
        return approver.get(application_id).get_json()

    def praktijkleren(self, **changes) -> dict:
        return {
            "scheme": "praktijkleren", "window": "2013-2014", "title": "Praktijkleren 2013/14",
            "employer_id": "100234", "iban": EMPLOYER_IBAN,
            "places": [
                {"student_name": "Sanne de Vries", "category": "mbo", "programme_code": "25180",
                 "school": "ROC Noorderpoort", "starts_on": "2013-09-01",
                 "ends_on": "2014-06-30", "weeks": 40},
                {"student_name": "Ahmed Yilmaz", "category": "hbo", "programme_code": "34820",
                 "school": "Hanzehogeschool", "starts_on": "2013-09-02",
                 "ends_on": "2014-01-31", "weeks": 21},
            ],
            **changes,
        }


PEOPLE = {
    # name: (role, whose applicant)
    "applicant": (Role.APPLICANT, "employers"),
    "rif_applicant": (Role.APPLICANT, "institution"),
    "employer_applicant": (Role.APPLICANT, "employer"),
    "outsider": (Role.APPLICANT, None),
    "assessor": (Role.ASSESSOR, None),
    "assessor2": (Role.ASSESSOR, None),
    "approver": (Role.APPROVER, None),
    "approver2": (Role.APPROVER, None),
    "committee": (Role.COMMITTEE, None),
    "committee2": (Role.COMMITTEE, None),
    "committee3": (Role.COMMITTEE, None),
    "finance": (Role.FINANCE, None),
    "admin": (Role.ADMIN, None),
}


@pytest.fixture
def world(client, clock, schemes):
    organisations = {
        "employers": OrganisationFactory(kind=K.EMPLOYERS_ORGANISATION, name="Metaalwerkgevers"),
        "employees": OrganisationFactory(kind=K.EMPLOYEES_ORGANISATION, name="Metaalbond"),
        "institution": OrganisationFactory(kind=K.MBO_INSTITUTION, name="ROC Noord"),
        # Its confirmed IBAN is the one its praktijkleren applications name (World.praktijkleren):
        # the only account they may be filed with (grants.services.payee).
        "employer": OrganisationFactory(kind=K.EMPLOYER, name="Installatiebedrijf Noord",
                                        iban=EMPLOYER_IBAN),
    }
    world = World(**organisations)
    for name, (role, organisation) in PEOPLE.items():
        kwargs = {"role": role, "name": name}
        if role == Role.APPLICANT:
            kwargs["organisation"] = (organisations[organisation] if organisation
                                      else OrganisationFactory(name="Buitenstaander"))
        user = UserFactory(**kwargs)
        world.apis[name] = Api(client, create_token(user, clock())[1], user)
    return world


def commit_and_approve_run(client_or_service, scheme: str, window: str, preparer, approver,
                           clock, *, seed: str | None = None):
    """An allocation run that takes effect: ``preparer`` (finance) commits it, which stores it
    as prepared, and ``approver`` (a different user with the approver role) approves it.

    ``preparer`` and ``approver`` are either ``Api`` objects (through the JSON API; the first
    argument and ``clock`` are then unused and may be None) or ``User`` objects (through the
    services, in the test's transaction: pass the clock). Set the clock after the window's
    close first. Returns the approved run as JSON (API) or the approved ``RunOutcome``.
    """
    if isinstance(preparer, Api):
        body = {"scheme": scheme, "window": window, "dry_run": False}
        if seed is not None:
            body["lottery_seed"] = seed
        prepared = preparer.call("POST", "/allocations", body)
        assert prepared.status_code == 201, prepared.get_json()
        assert prepared.get_json()["status"] == "prepared", prepared.get_json()
        approved = approver.call("POST", f"/allocations/{prepared.get_json()['id']}/approve")
        assert approved.status_code == 200, approved.get_json()
        assert approved.get_json()["status"] == "committed", approved.get_json()
        return approved.get_json()
    from grants.allocation.approval import approve_run
    from grants.allocation.runs import run_allocation

    prepared = run_allocation(scheme, window, preparer, clock(), dry_run=False, seed=seed)
    return approve_run(prepared.run.id, approver, clock())

