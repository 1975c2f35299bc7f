"""A realistic demo data set: organisations in all five regions, one user per role, drafts.

Running it again adds nothing twice. It resets the demo users' passwords to the ones it prints,
so that what it prints is always true, but only in a demo database (a ``settings`` row
DEMO_DATABASE, written by the first load into a database that held nothing but demo data). It
refuses a database that holds other data, unless forced; forced, it gives no account a known
password.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from stdnum import iban

from grants.budget.manual import book_by_hand
from grants.extensions import db
from grants.models import (
    Action,
    ActionKind,
    ActionStatus,
    ActionTheme,
    Application,
    ApplicationState,
    Budget,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    Scheme,
    Setting,
    User,
    UserRole,
    Window,
)
from grants.models.settings import DEMO_DATABASE
from grants.money import euros
from grants.seed import seed_schemes
from grants.services.accounts import create_user, hash_password
from grants.services.action_book import add_evidence, add_step, create_action, mark_step_done
from grants.services.applications import fire_trigger, reference_for
from grants.services.consents import give_consent, missing_consents
from grants.services.two_factor import enrol_with_secret
from grants.timefmt import AMSTERDAM, amsterdam
from grants.workflows import workflow_for

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

# Where decision letters go (KvK -> street, postcode, city); invented, like the organisations.
ADDRESSES = {
    "40001001": ("Oosterhamrikkade 12", "9714 BA", "Groningen"),
    "40001002": ("Postbus 1120", "9701 BC", "Groningen"),
    "40001003": ("Industrieweg 41", "9402 NP", "Assen"),
    "40001004": ("Steenweg 5", "9932 AA", "Delfzijl"),
    "50002001": ("Hengelosestraat 500", "7521 AN", "Enschede"),
    "50002002": ("Postbus 190", "2700 AD", "Zoetermeer"),
    "50002003": ("Haaksbergerstraat 211", "7513 EM", "Enschede"),
    "50002004": ("Gieskesstraat 2", "7546 AB", "Enschede"),
    "60003001": ("Emmasingel 11", "5611 AZ", "Eindhoven"),
    "60003002": ("Postbus 8040", "3503 RA", "Utrecht"),
    "60003003": ("De Run 4312", "5503 LN", "Veldhoven"),
    "60003004": ("Sterrenlaan 10", "5631 KA", "Eindhoven"),
    "70004001": ("Wilhelminakade 909", "3072 AP", "Rotterdam"),
    "70004002": ("Postbus 5501", "3008 AM", "Rotterdam"),
    "70004003": ("Werfstraat 3", "3311 BD", "Dordrecht"),
    "70004004": ("Schiedamseweg 400", "3026 AS", "Rotterdam"),
    "80005001": ("Zekeringstraat 17", "1014 BM", "Amsterdam"),
    "80005002": ("Postbus 8575", "1005 AN", "Amsterdam"),
    "80005003": ("Duivendrechtsekade 80", "1096 AH", "Amsterdam"),
    "80005004": ("Laan van de Helende Meesters 2", "1186 DA", "Amstelveen"),
}

# Whom letters are addressed to ("t.a.v."), per organisation; invented, like the organisations.
CONTACT_NAMES = {
    "40001001": "mevrouw A. de Vries", "40001002": "de heer J. Hoekstra",
    "40001003": "de heer P. Kramer", "40001004": "mevrouw S. Dijkstra",
    "50002001": "de heer R. Nijhuis", "50002002": "mevrouw M. Verhoeven",
    "50002003": "de heer H. ter Horst", "50002004": "mevrouw E. Wolters",
    "60003001": "de heer T. van den Heuvel", "60003002": "mevrouw L. Claessens",
    "60003003": "de heer B. Hendriks", "60003004": "mevrouw N. Peeters",
    "70004001": "de heer D. Vermeulen", "70004002": "mevrouw K. de Graaf",
    "70004003": "de heer W. Bosman", "70004004": "mevrouw Y. Öztürk",
    "80005001": "de heer G. Kuiper", "80005002": "mevrouw I. Koster",
    "80005003": "de heer O. Brouwer", "80005004": "mevrouw R. Schouten",
}
# The functions staff sign letters with (name and function, Awb 3:46-3:47).
JOB_TITLES = {
    "beoordelaar@demo.techniekpact.nl": "senior beleidsmedewerker subsidies",
    "beslisser@demo.techniekpact.nl": "directeur Subsidies",
    "commissie@demo.techniekpact.nl": "voorzitter beoordelingscommissie",
    "financien@demo.techniekpact.nl": "controller",
    "programma@demo.techniekpact.nl": "programmamedewerker Techniekpact",
    "beheer@demo.techniekpact.nl": "functioneel beheerder",
    "beheer2@demo.techniekpact.nl": "functioneel beheerder",
}


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
    # An mbo institution's applicant: only it may apply for the RIF (domain.md §3).
    DemoUser("mbo@demo.techniekpact.nl", "Ingrid Postma", Role.APPLICANT, "mbo-demo-2014",
             "40001004"),
    DemoUser("beoordelaar@demo.techniekpact.nl", "Bram Jansen", Role.ASSESSOR,
             "beoordelaar-demo-2014"),
    DemoUser("beslisser@demo.techniekpact.nl", "Carla Smit", Role.APPROVER,
             "beslisser-demo-2014"),
    DemoUser("commissie@demo.techniekpact.nl", "Dirk Mulder", Role.COMMITTEE,
             "commissie-demo-2014"),
    # A second member: the RIF committee's quorum is two (grants/workflows/fields/rif.py).
    DemoUser("commissie2@demo.techniekpact.nl", "Greet Hoekstra", Role.COMMITTEE,
             "commissie2-demo-2014"),
    DemoUser("financien@demo.techniekpact.nl", "Esther Bakker", Role.FINANCE,
             "financien-demo-2014"),
    # Keeps the action book (actieboek Techniekpact).
    DemoUser("programma@demo.techniekpact.nl", "Hanneke Willems", Role.PROGRAMME,
             "programma-demo-2014"),
    DemoUser("beheer@demo.techniekpact.nl", "Farid el Amrani", Role.ADMIN, "beheer-demo-2014"),
    # A second admin: a ceiling one admin prepares, another approves (four eyes).
    DemoUser("beheer2@demo.techniekpact.nl", "Gijs Visser", Role.ADMIN, "beheer2-demo-2014"),
]

# The authenticator secret of every demo staff account, only in a demo database (like the
# printed passwords, public by design): staff must use two-factor authentication, and whoever
# tries the demo puts this in an authenticator app (or computes the code with pyotp).
DEMO_TOTP_SECRET = "TECHNIEKPACTDEMOTECHNIEKPACTDEMO"  # noqa: S105  (a demo's, printed)

SECTOR_PLAN_TITLES = [
    "Sectorplan {sector}: instroom van jongeren in technische beroepen",
    "Sectorplan {sector}: behoud van oudere vakkrachten",
    "Sectorplan {sector}: van werk naar werk in de regio",
    "Sectorplan {sector}: scholing voor de energietransitie",
]
SECTORS = {"Noord": "metaal", "Oost-Nederland": "maakindustrie", "Zuidoost": "hightech",
           "Zuidwestvleugel": "procesindustrie", "Noordvleugel": "bouw en infra"}


def _iban(account: int) -> str:
    bare = f"NL00INGB{account:010d}"
    return f"NL{iban.calc_check_digits(bare)}INGB{account:010d}"


# Plans and projects end within their budget's period (domain.md §1, §3).
SECTOR_PLANS_END = date(2015, 12, 31)
RIF_PROJECTS_END = date(2017, 12, 31)


def _sector_plan(lead: Organisation, employers: Organisation, employees: Organisation,
                 requested: int, starts_on: date) -> dict:
    first = requested * 3 // 5
    partners = [{"organisation": lead.id, "role": "other" if lead is not employers
                 else "employers"}]
    if lead is not employers:
        partners.append({"organisation": employers.id, "role": "employers"})
    partners.append({"organisation": employees.id, "role": "employees"})
    return {
        "lead_organisation": lead.id, "partners": partners,
        "sector": SECTORS[lead.region.value], "region": lead.region.value,
        "measures": [
            {"title": "Leerwerkplekken en begeleiding voor jongeren", "theme": "youth",
             "eligible_cost": 2 * first, "requested_subsidy": first},
            {"title": "Omscholing van zittend personeel", "theme": "training",
             "eligible_cost": 2 * (requested - first), "requested_subsidy": requested - first},
        ],
        "starts_on": starts_on.isoformat(),
        "ends_on": min(starts_on.replace(year=starts_on.year + 2) - timedelta(days=1),
                       SECTOR_PLANS_END).isoformat(),
    }


STUDENTS = ["Sanne de Vries", "Daan Bakker", "Fleur Visser", "Milan Smit", "Noa Meijer",
            "Sem de Boer", "Lotte Mulder", "Finn de Groot", "Eva Bos", "Lucas Vos", "Julia Peters"]


def _placements(organisation: Organisation, count: int, study_year: int) -> dict:
    return {
        "employer_id": organisation.kvk[2:],
        "iban": _iban(int(organisation.kvk)),
        "places": [{
            "student_name": STUDENTS[n % len(STUDENTS)], "category": "mbo",
            # Each employer's students are others: a student counts once a year (domain.md §2).
            "date_of_birth": f"{1990 + int(organisation.kvk[0])}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "programme_code": "25180", "school": "ROC in de regio",
            "starts_on": f"{study_year}-09-01", "ends_on": f"{study_year + 1}-06-30",
            "weeks": 40 if n % 3 else 30,
        } for n in range(count)],
    }


def _rif(organisation: Organisation, requested: int, starts_on: date) -> dict:
    employer, province = f"Techniekbedrijven {organisation.region.value}", "Provincie"
    return {
        "institution": organisation.id,
        "partners": [{"name": employer, "kind": "employer"},
                     {"name": province, "kind": "regional_government"}],
        "region": organisation.region.value, "requested_subsidy": requested,
        "total_cost": requested * 16 // 5,
        "contributions": [{"partner": employer, "kind": "cash", "amount": requested * 3 // 2},
                          {"partner": province, "kind": "in_kind",
                           "amount": requested * 7 // 10}],
        "starts_on": starts_on.isoformat(), "ends_on": RIF_PROJECTS_END.isoformat(),
        # Named as an institution would name its files.
        "documents": [{"kind": kind, "name": f"{name} {organisation.name}.pdf"} for kind, name in
                      (("regional_vision", "Regionale visie"), ("action_plan", "Actieplan"),
                       ("budget", "Meerjarenbegroting"),
                       ("cooperation_agreement", "Samenwerkingsovereenkomst"))],
    }


def _drafts(organisations: dict[str, Organisation], windows: dict[tuple[str, str], Window]):
    """(window, organisation, title, details) for each demo application."""
    by_kind: dict[OrganisationKind, list[Organisation]] = {}
    for organisation in organisations.values():
        by_kind.setdefault(organisation.kind, []).append(organisation)
    employees = by_kind[K.EMPLOYEES_ORGANISATION]

    for index, organisation in enumerate(by_kind[K.EMPLOYERS_ORGANISATION]):
        for number, (window_code, starts_on) in enumerate(
                (("T2", date(2014, 7, 1)), ("T3", date(2015, 4, 1)))):
            title = SECTOR_PLAN_TITLES[(index + number) % len(SECTOR_PLAN_TITLES)]
            requested = euros(2_500_000 + 750_000 * index + 1_250_000 * number)
            yield (windows["sectorplan", window_code], organisation,
                   title.format(sector=SECTORS[organisation.region.value]),
                   _sector_plan(organisation, organisation, employees[index % len(employees)],
                                requested, starts_on))
    for index, organisation in enumerate(by_kind[K.OM_FUND] + by_kind[K.KNOWLEDGE_CENTRE]):
        employers = by_kind[K.EMPLOYERS_ORGANISATION][index]
        yield (windows["sectorplan", "T2"], organisation,
               f"Sectorplan via {organisation.name}: opleiden voor de vakmanschapsroute",
               _sector_plan(organisation, employers, employees[index % len(employees)],
                            euros(1_800_000), date(2014, 7, 1)))
    for index, organisation in enumerate(by_kind[K.EMPLOYER]):
        for window_code in ("2013-2014", "2014-2015"):
            places = 3 + index * 2
            yield (windows["praktijkleren", window_code], organisation,
                   f"Praktijkleren {window_code.replace('-', '/')}: {places} leerlingen",
                   _placements(organisation, places, int(window_code[:4])))
    for index, organisation in enumerate(by_kind[K.MBO_INSTITUTION]):
        for window_code, starts_on in (("2014", date(2014, 9, 1)), ("2015-1", date(2015, 8, 1))):
            yield (windows["rif", window_code], organisation,
                   f"Regionaal investeringsfonds: praktijkcentrum {organisation.region.value}",
                   _rif(organisation, euros(400_000 + 150_000 * index), starts_on))


def _applicant_for(organisation: Organisation) -> User:
    """The organisation's demo contact; a printed demo user where there is one."""
    user = db.session.scalars(sa.select(User).where(
        User.organisation_id == organisation.id).order_by(User.id)).first()
    if user is None:
        user = create_user(email=f"contact-{organisation.kvk}@demo.techniekpact.nl",
                           name=f"Contactpersoon {organisation.name}"[:200],
                           roles={Role.APPLICANT},
                           password=_nobodys_password(f"contact-{organisation.kvk}@demo.techniekpact.nl"),
                           organisation=organisation)
    return user


def _nobodys_password(email: str) -> str:
    """A password no one is told, that the password rules accept: a random one may happen to
    hold the address's part before the @ ("mbo" in "…afsmboadv…" once broke the demo)."""
    local = email.split("@", 1)[0].lower()
    while True:
        password = secrets.token_urlsafe(24)
        if local not in password.lower():
            return password


def _staff(email: str, name: str, role: Role) -> User:
    user = db.session.scalars(sa.select(User).where(User.email == email)).one_or_none()
    return user or create_user(email=email, name=name, roles={role},
                               password=_nobodys_password(email))


HISTORY_BEGINS = amsterdam(2014, 4, 1)

# What happened to the demo applications, at moments inside their windows (Amsterdam time):
# (reference, [(trigger, role, day, data)]). Fired through the engine like any real request.
HISTORY = [
    ("SP-T2-00001", [("submit", "applicant", (2014, 4, 10), {}),
                     ("request_information", "assessor", (2014, 4, 22),
                      {"reason": "De begroting per maatregel ontbreekt."}),
                     ("provide_information", "applicant", (2014, 4, 29), {}),
                     ("start_assessment", "assessor", (2014, 6, 2), {}),
                     ("record_assessment", "assessor", (2014, 6, 20),
                      {"recommendation": "positive", "reasoning": "Sterke regionale aanpak."}),
                     ("approve", "approver", (2014, 7, 4), {}),
                     ("pay_advance", "finance", (2014, 7, 15), {"amount": "1000000.00"})]),
    ("SP-T2-00002", [("submit", "applicant", (2014, 4, 14), {}),
                     ("start_assessment", "assessor", (2014, 6, 2), {}),
                     ("record_assessment", "assessor", (2014, 6, 25),
                      {"recommendation": "positive", "reasoning": "Goed onderbouwd."}),
                     ("approve", "approver", (2014, 7, 11), {})]),
    ("SP-T2-00003", [("submit", "applicant", (2014, 5, 2), {}),
                     ("start_assessment", "assessor", (2014, 6, 3), {}),
                     ("record_assessment", "assessor", (2014, 7, 1),
                      {"recommendation": "positive", "reasoning": "Past binnen de regeling."})]),
    ("SP-T2-00004", [("submit", "applicant", (2014, 5, 20), {}),
                     ("start_assessment", "assessor", (2014, 6, 4), {})]),
    ("SP-T2-00005", [("submit", "applicant", (2014, 5, 28), {}),
                     ("request_information", "assessor", (2014, 6, 10),
                      {"reason": "De samenwerkingsovereenkomst is niet ondertekend."})]),
    ("SP-T2-00006", [("submit", "applicant", (2014, 5, 30), {}),
                     ("start_assessment", "assessor", (2014, 6, 5), {}),
                     ("record_assessment", "assessor", (2014, 6, 30),
                      {"recommendation": "negative", "reasoning": "Maatregelen te algemeen."}),
                     ("reject", "approver", (2014, 7, 14),
                      {"reason": "De maatregelen zijn niet concreet genoeg."})]),
    ("SP-T2-00007", [("submit", "applicant", (2014, 5, 31), {})]),
    ("PL-2013-2014-00001", [("submit", "applicant", (2014, 6, 10), {}),
                            ("start_assessment", "assessor", (2014, 9, 20), {}),
                            ("record_assessment", "assessor", (2014, 9, 25), {})]),
    ("PL-2013-2014-00002", [("submit", "applicant", (2014, 7, 1), {})]),
    ("RIF-2014-00001", [("submit", "applicant", (2014, 5, 20), {}),
                        ("start_assessment", "assessor", (2014, 6, 10), {}),
                        ("record_assessment", "committee", (2014, 6, 20),
                         {"scores": {"fit": 8, "coordination": 7, "durability": 7,
                                     "innovation": 8}}),
                        ("record_assessment", "committee2", (2014, 6, 21),
                         {"scores": {"fit": 7, "coordination": 7, "durability": 6,
                                     "innovation": 8}})]),
    ("RIF-2014-00002", [("submit", "applicant", (2014, 6, 2), {}),
                        ("start_assessment", "assessor", (2014, 6, 10), {}),
                        ("record_assessment", "committee", (2014, 6, 22),
                         {"scores": {"fit": 6, "coordination": 6, "durability": 5,
                                     "innovation": 7}})]),
]
# RIF grants come from the committee's ranking only (Awb 4:26), by the window's allocation run
# once every application is scored. In the demo the committee is still scoring RIF-2014-00002,
# so RIF-2014-00001 waits, assessed, for the ranking.

# Bookings by hand on the budgets without an applicant workflow: (budget, day, kind, euros, why).
BOOKINGS = [
    ("beta-docenten", (2013, 9, 2), EntryKind.COMMIT, 30_000_000, "Subsidie zij-instroom 2013"),
    ("beta-docenten", (2013, 11, 1), EntryKind.DISBURSE, 12_000_000, "Eerste tranche"),
    ("beta-docenten", (2014, 9, 1), EntryKind.COMMIT, 25_000_000, "Subsidie zij-instroom 2014"),
    ("beta-docenten", (2015, 3, 2), EntryKind.DISBURSE, 20_000_000, "Tweede tranche"),
    ("pabo", (2014, 1, 6), EntryKind.COMMIT, 2_500_000, "Techniekmodules pabo's, ronde 1"),
]


def _play_history(applications: dict[str, Application], finance: User, now: datetime) -> None:
    """The history up to the demo's moment: what happens later has not happened yet."""
    staff = {
        "assessor": _user("beoordelaar@demo.techniekpact.nl"),
        "approver": _user("beslisser@demo.techniekpact.nl"),
        "committee": _user("commissie@demo.techniekpact.nl"),
        "committee2": _staff("commissie2@demo.techniekpact.nl", "Greet Hoekstra",
                             Role.COMMITTEE),
        "finance": finance,
    }
    for reference, steps in HISTORY:
        application = applications.get(reference)
        if application is None or application.state != ApplicationState.DRAFT:
            continue  # played on an earlier run, or changed by hand since
        for trigger, who, day, data in steps:
            if amsterdam(*day, 10) > now:
                break
            actor = (_applicant_for(application.organisation) if who == "applicant"
                     else staff[who])
            if trigger in ("submit", "provide_information"):
                # The plan's partners consented from their own accounts that morning.
                for status in missing_consents(application):
                    give_consent(application.id,
                                 _applicant_for(db.session.get(Organisation,
                                                               status.organisation_id)),
                                 amsterdam(*day, 9))
            fire_trigger(application.id, trigger, actor, data, amsterdam(*day, 10))


def _book(finance: User, now: datetime) -> None:
    if db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.cause == "manual")):
        return
    lines = {line.budget.code: line for line in db.session.scalars(
        sa.select(BudgetLine).join(Budget).where(Budget.scheme_id.is_(None)))}
    for budget, day, kind, amount, reason in BOOKINGS:
        if amsterdam(*day, 9) > now:
            continue
        book_by_hand(lines[budget].id, kind, euros(amount), reason=reason, actor=finance,
                     now=amsterdam(*day, 9))


# Examples for the action book, marked as such (staff enter the programme's real actions):
# (title, theme, region, parties, status, scheme codes, budget codes,
#  [(step, due in days from the demo's day, done in days from it or None)], [(evidence, url)]).
# The steps lie around the demo's day, so one is overdue whenever the demo is loaded.
EXAMPLE_ACTIONS = [
    ("Sectorplannen: scholing en instroom in de technische sectoren", ActionTheme.WERKEN, None,
     ["Ministerie van SZW", "Sociale partners in de technische sectoren"],
     ActionStatus.ON_SCHEDULE, ["sectorplan"], ["sectorplannen"],
     [("Eerste tijdvak voor sectorplannen opengesteld", -120, -125),
      ("Tussenevaluatie van de sectorplannen gepubliceerd", 90, None)],
     [("Techniekpact (Rijksoverheid)",
       "https://www.rijksoverheid.nl/onderwerpen/techniek/techniekpact")]),
    ("Praktijkleren: meer werkleerplaatsen in mbo en hbo", ActionTheme.LEREN, None,
     ["Ministerie van OCW", "Samenwerkingsorganisatie Beroepsonderwijs Bedrijfsleven"],
     ActionStatus.DELAYED, ["praktijkleren"], ["praktijkleren"],
     [("Aanvragen studiejaar 2013/14 afgehandeld", -60, -50),
      ("Bereik van praktijkleren bij het mkb onderzocht", -14, None)],
     [("Subsidieregeling praktijkleren", "https://wetten.overheid.nl/")]),
    ("Meer bèta- en techniekdocenten voor de klas", ActionTheme.LEREN, None,
     ["Ministerie van OCW", "Scholen voor voortgezet onderwijs"],
     ActionStatus.NOT_STARTED, [], ["beta-docenten"],
     [("Werving van de eerste zij-instromers gestart", 45, None)], []),
    ("Techniek op de basisschool via de pabo", ActionTheme.KIEZEN, None,
     ["Ministerie van OCW", "Pabo's"], ActionStatus.ON_SCHEDULE, [], ["pabo"],
     [("Handreiking techniekonderwijs verspreid onder de pabo's", -30, -35),
      ("Elke pabo biedt een module techniek aan", 200, None)],
     [("Techniekpact", "https://www.techniekpact.nl/")]),
    ("Regionaal techniekpact Noord", ActionTheme.REGIONAAL, Region.NOORD,
     ["Provincies Groningen, Fryslân en Drenthe", "Werkgevers en onderwijs in Noord"],
     ActionStatus.ON_SCHEDULE, ["rif"], ["rif"],
     [("Regionaal techniekpact Noord ondertekend", -90, -92),
      ("Eerste RIF-projecten in Noord gestart", 60, None)],
     [("Techniekpact in de regio", "https://www.techniekpact.nl/")]),
]


def _example_actions(keeper: User, now: datetime) -> None:
    today = now.astimezone(AMSTERDAM).date()
    known = set(db.session.scalars(sa.select(Action.title).where(Action.is_example)))
    schemes = {s.code: s.id for s in db.session.scalars(sa.select(Scheme))}
    budgets = {b.code: b.id for b in db.session.scalars(sa.select(Budget))}
    for (title, theme, region, parties, status, scheme_codes, budget_codes, steps,
         evidence) in EXAMPLE_ACTIONS:
        if title in known:
            continue
        action = create_action(
            keeper, now, title=title, theme=theme, region=region, parties=parties,
            kind=ActionKind.REGIONAL if region else ActionKind.NATIONAL, description="",
            status=status, schemes=[schemes[code] for code in scheme_codes],
            budgets=[budgets[code] for code in budget_codes], is_example=True)
        for step_title, due, done in steps:
            step = add_step(action, keeper, now, title=step_title,
                            due_on=today + timedelta(days=due))
            if done is not None:
                mark_step_done(step, keeper, now, done_on=today + timedelta(days=done))
        for evidence_title, url in evidence:
            add_evidence(action, keeper, now, title=evidence_title, url=url)


def _not_before_now(now: datetime) -> None:
    """The demo's organisations and accounts exist from the demo's moment at the latest (the
    database stamps them with the machine's clock, which may be years after the demo's)."""
    kvks = [kvk for kvk, _name, _kind, _region in ORGANISATIONS]
    for model, demo_only in ((Organisation, Organisation.kvk.in_(kvks)),
                             (User, User.email.endswith(DEMO_DOMAIN))):
        db.session.execute(sa.update(model).where(demo_only, model.created_at > now)
                           .values(created_at=now))


def _user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


DEMO_DOMAIN = "@demo.techniekpact.nl"


class NotADemoDatabase(Exception):
    """The database holds more than demo data: loading the demo needs to be forced."""


def _holds_other_data() -> bool:
    """Whether anyone or anything but the demo's own users and organisations is in it."""
    other_user = db.session.scalar(sa.select(User.id).where(
        sa.not_(User.email.like(f"%{DEMO_DOMAIN}"))).limit(1))
    other_organisation = db.session.scalar(sa.select(Organisation.id).where(
        Organisation.kvk.not_in([kvk for kvk, *_rest in ORGANISATIONS])).limit(1))
    return other_user is not None or other_organisation is not None


def claim_demo_database(now: datetime, force: bool = False) -> bool:
    """Whether this is a demo database, where demo accounts may have known passwords.

    A database that holds nothing but demo data (an empty one too, or one loaded before the
    marker existed) becomes one. Any other raises NotADemoDatabase, or with ``force`` answers
    False: the demo data is then loaded without any known password.
    """
    if db.session.get(Setting, DEMO_DATABASE) is not None:
        return True
    if not _holds_other_data():
        db.session.add(Setting(key=DEMO_DATABASE, value=f"flask grants demo, {now.isoformat()}",
                               updated_at=now))
        db.session.flush()
        return True
    if not force:
        raise NotADemoDatabase
    return False


def load_demo(now: datetime, force: bool = False) -> list[DemoUser]:
    """Load the demo; the demo users whose printed password works (none outside a demo
    database, see claim_demo_database)."""
    known_passwords = claim_demo_database(now, force)
    # The history is played at its own moments; the record's amendments of later days (T2's
    # € 205 mln from 14 January 2015) are recorded after it, so that its decisions meet the
    # ceilings of their day.
    seed_schemes(min(now, HISTORY_BEGINS))

    existing = {o.kvk: o for o in db.session.scalars(sa.select(Organisation))}
    for kvk, name, kind, region in ORGANISATIONS:
        if kvk not in existing:
            existing[kvk] = Organisation(kvk=kvk, name=name, kind=kind, region=region)
            db.session.add(existing[kvk])
        if not existing[kvk].address and kvk in ADDRESSES:
            organisation = existing[kvk]
            organisation.address, organisation.postcode, organisation.city = ADDRESSES[kvk]
        if not existing[kvk].contact_name and kvk in CONTACT_NAMES:
            existing[kvk].contact_name = CONTACT_NAMES[kvk]
        if not existing[kvk].iban:
            # Invented like the organisations, with a correct check: advances can be paid.
            existing[kvk].iban = _iban(int(kvk))
    db.session.flush()

    for demo in DEMO_USERS:
        user = db.session.scalars(sa.select(User).where(User.email == demo.email)).one_or_none()
        if user is None:
            user = create_user(email=demo.email, name=demo.name, roles={demo.role},
                               password=_nobodys_password(demo.email),
                               organisation=existing.get(demo.organisation_kvk))
        # Outside a demo database nobody may log in with a password printed in the code. Inside
        # one the printed passwords are public by design, so the rules for chosen passwords
        # (which refuse one that contains the e-mail address) are not theirs.
        if known_passwords:
            user.password_hash = hash_password(demo.password)
            user.must_change_password = False
            user.active = True
            if demo.role not in user.roles:
                user.role_rows.append(UserRole(role=demo.role))
            if demo.role != Role.APPLICANT:
                enrol_with_secret(user, DEMO_TOTP_SECRET, now)
                user.totp_last_step = None  # so that the printed secret works at once
        # else: perhaps someone's real account by now; its password and roles stay as they are
    db.session.flush()
    for email, title in JOB_TITLES.items():
        user = _user(email)
        user.job_title = user.job_title or title

    windows = {(w.scheme.code, w.code): w
               for w in db.session.scalars(sa.select(Window).join(Scheme))}
    taken = set(db.session.scalars(sa.select(Application.reference)))
    sequence: dict[int, int] = {}
    fields = {code: workflow_for(code).fields for code in ("sectorplan", "praktijkleren", "rif")}
    for window, organisation, title, details in _drafts(existing, windows):
        sequence[window.id] = sequence.get(window.id, 0) + 1
        reference = reference_for(window, sequence[window.id])
        if reference in taken:
            continue
        # A draft for a window that opens later is one prepared ahead, made at the demo's moment.
        created_at = min(window.opens_at + timedelta(days=sequence[window.id]), now)
        module = fields[window.scheme.code]
        parsed, errors = module.parse(module.to_api(details))
        assert not errors, (reference, errors)
        db.session.add(Application(
            reference=reference, scheme=window.scheme, window=window, organisation=organisation,
            region=organisation.region, title=title, details=parsed,
            requested_cents=module.requested_cents(parsed), created_at=created_at,
        ))
    db.session.flush()

    finance = _user("financien@demo.techniekpact.nl")
    applications = {a.reference: a for a in db.session.scalars(sa.select(Application))}
    _play_history(applications, finance, now)
    _book(finance, now)
    seed_schemes(now)
    _example_actions(_user("programma@demo.techniekpact.nl"), now)
    _not_before_now(now)
    db.session.flush()
    return DEMO_USERS if known_passwords else []
