"""A realistic demo data set: organisations in all five regions, one user per role, drafts.

Running it again adds nothing twice. It resets the demo users' passwords to the ones it prints,
so that what it prints is always true.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    Scheme,
    User,
    UserRole,
    Window,
)
from grants.money import euros
from grants.seed import seed_schemes
from grants.services.accounts import create_user, hash_password
from grants.services.applications import reference_for

K = OrganisationKind
ORGANISATIONS = [
    # (KvK, name, kind, region)
    ("40001001", "Metaal & Techniek Werkgevers Noord", K.EMPLOYERS_ORGANISATION, Region.NOORD),
    ("40001002", "Vakbond Techniek Noord", K.EMPLOYEES_ORGANISATION, Region.NOORD),
    ("40001003", "Installatiebedrijf Dijkstra B.V.", K.EMPLOYER, Region.NOORD),
    ("40001004", "ROC Eemsdelta Techniek", K.MBO_INSTITUTION, Region.NOORD),
    ("50002001", "Werkgeversvereniging Maakindustrie Oost", K.EMPLOYERS_ORGANISATION,
     Region.OOST_NEDERLAND),
    ("50002002", "O&O-fonds Metalektro", K.OM_FUND, Region.OOST_NEDERLAND),
    ("50002003", "Machinefabriek Ter Horst B.V.", K.EMPLOYER, Region.OOST_NEDERLAND),
    ("50002004", "ROC Twente Techniek", K.MBO_INSTITUTION, Region.OOST_NEDERLAND),
    ("60003001", "Brainport Techniekwerkgevers", K.EMPLOYERS_ORGANISATION, Region.ZUIDOOST),
    ("60003002", "Kenniscentrum Techniek en Ambacht", K.KNOWLEDGE_CENTRE, Region.ZUIDOOST),
    ("60003003", "Precisietechniek Van Gils B.V.", K.EMPLOYER, Region.ZUIDOOST),
    ("60003004", "Summa-Techniek College", K.MBO_INSTITUTION, Region.ZUIDOOST),
    ("70004001", "Procesindustrie Werkgevers Rijnmond", K.EMPLOYERS_ORGANISATION,
     Region.ZUIDWESTVLEUGEL),
    ("70004002", "Havenbond Werknemers", K.EMPLOYEES_ORGANISATION, Region.ZUIDWESTVLEUGEL),
    ("70004003", "Scheepswerf De Klerk B.V.", K.EMPLOYER, Region.ZUIDWESTVLEUGEL),
    ("70004004", "ROC Maritiem en Proces", K.MBO_INSTITUTION, Region.ZUIDWESTVLEUGEL),
    ("80005001", "Werkgevers Bouw en Infra Noordvleugel", K.EMPLOYERS_ORGANISATION,
     Region.NOORDVLEUGEL),
    ("80005002", "Bouwbond Noordvleugel", K.EMPLOYEES_ORGANISATION, Region.NOORDVLEUGEL),
    ("80005003", "Elektrotechniek Amstel B.V.", K.EMPLOYER, Region.NOORDVLEUGEL),
    ("80005004", "ROC Amstelland Techniek", K.MBO_INSTITUTION, Region.NOORDVLEUGEL),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    password: str
    organisation_kvk: str | None = None


DEMO_USERS = [
    DemoUser("aanvrager@demo.techniekpact.nl", "Anouk de Vries", Role.APPLICANT,
             "aanvrager-demo-2014", "40001001"),
    DemoUser("werkgever@demo.techniekpact.nl", "Henk ter Horst", Role.APPLICANT,
             "werkgever-demo-2014", "50002003"),
    DemoUser("beoordelaar@demo.techniekpact.nl", "Bram Jansen", Role.ASSESSOR,
             "beoordelaar-demo-2014"),
    DemoUser("beslisser@demo.techniekpact.nl", "Carla Smit", Role.APPROVER,
             "beslisser-demo-2014"),
    DemoUser("commissie@demo.techniekpact.nl", "Dirk Mulder", Role.COMMITTEE,
             "commissie-demo-2014"),
    DemoUser("financien@demo.techniekpact.nl", "Esther Bakker", Role.FINANCE,
             "financien-demo-2014"),
    DemoUser("beheer@demo.techniekpact.nl", "Farid el Amrani", Role.ADMIN, "beheer-demo-2014"),
]

SECTOR_PLAN_TITLES = [
    "Sectorplan {sector}: instroom van jongeren in technische beroepen",
    "Sectorplan {sector}: behoud van oudere vakkrachten",
    "Sectorplan {sector}: van werk naar werk in de regio",
    "Sectorplan {sector}: scholing voor de energietransitie",
]
SECTORS = {"Noord": "metaal", "Oost-Nederland": "maakindustrie", "Zuidoost": "hightech",
           "Zuidwestvleugel": "procesindustrie", "Noordvleugel": "bouw en infra"}


def _drafts(organisations: dict[str, Organisation], windows: dict[tuple[str, str], Window]):
    """(window, organisation, title, requested cents) for each demo draft."""
    by_kind: dict[OrganisationKind, list[Organisation]] = {}
    for organisation in organisations.values():
        by_kind.setdefault(organisation.kind, []).append(organisation)

    for index, organisation in enumerate(by_kind[K.EMPLOYERS_ORGANISATION]):
        sector = SECTORS[organisation.region.value]
        for number, window_code in enumerate(("T2", "T3")):
            title = SECTOR_PLAN_TITLES[(index + number) % len(SECTOR_PLAN_TITLES)]
            yield (windows["sectorplan", window_code], organisation, title.format(sector=sector),
                   euros(2_500_000 + 750_000 * index + 1_250_000 * number))
    for organisation in by_kind[K.OM_FUND] + by_kind[K.KNOWLEDGE_CENTRE]:
        yield (windows["sectorplan", "T2"], organisation,
               f"Sectorplan via {organisation.name}: opleiden voor de vakmanschapsroute",
               euros(1_800_000))
    for index, organisation in enumerate(by_kind[K.EMPLOYER]):
        for window_code in ("2013-2014", "2014-2015"):
            places = 3 + index * 2
            yield (windows["praktijkleren", window_code], organisation,
                   f"Praktijkleren {window_code.replace('-', '/')}: {places} leerlingen",
                   euros(2_700) * places)
    for index, organisation in enumerate(by_kind[K.MBO_INSTITUTION]):
        for window_code in ("2014", "2015-1"):
            yield (windows["rif", window_code], organisation,
                   f"Regionaal investeringsfonds: praktijkcentrum {organisation.region.value}",
                   euros(400_000 + 150_000 * index))


def load_demo(now: datetime) -> list[DemoUser]:
    seed_schemes(now)

    existing = {o.kvk: o for o in db.session.scalars(sa.select(Organisation))}
    for kvk, name, kind, region in ORGANISATIONS:
        if kvk not in existing:
            existing[kvk] = Organisation(kvk=kvk, name=name, kind=kind, region=region)
            db.session.add(existing[kvk])
    db.session.flush()

    for demo in DEMO_USERS:
        user = db.session.scalars(sa.select(User).where(User.email == demo.email)).one_or_none()
        if user is None:
            create_user(email=demo.email, name=demo.name, roles={demo.role},
                        password=demo.password,
                        organisation=existing.get(demo.organisation_kvk))
        else:
            user.password_hash = hash_password(demo.password)
            user.active = True
            if demo.role not in user.roles:
                user.role_rows.append(UserRole(role=demo.role))

    windows = {(w.scheme.code, w.code): w
               for w in db.session.scalars(sa.select(Window).join(Scheme))}
    taken = set(db.session.scalars(sa.select(Application.reference)))
    sequence: dict[int, int] = {}
    for window, organisation, title, requested_cents in _drafts(existing, windows):
        sequence[window.id] = sequence.get(window.id, 0) + 1
        reference = reference_for(window, sequence[window.id])
        if reference in taken:
            continue
        db.session.add(Application(
            reference=reference, scheme=window.scheme, window=window, organisation=organisation,
            region=organisation.region, title=title, requested_cents=requested_cents,
            created_at=now,
        ))
    db.session.flush()
    return DEMO_USERS
