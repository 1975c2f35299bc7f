"""The schemes, windows, ceilings and budgets of the Techniekpact, as in shared/domain.md.

Figures marked as assumptions (``ASSUMED``) are house defaults where the public record is
silent; they are data like the rest and an admin can amend them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    CATEGORY_NAMES,
    Budget,
    BudgetLine,
    Ministry,
    PlaceCategory,
    Scheme,
    Window,
)
from grants.money import euros
from grants.services.schemes import amend_ceiling
from grants.timefmt import AMSTERDAM, amsterdam
from grants.workflows.fields import FIELDS
from grants.workflows.rules import COMMON_RULES

ASSUMED = "Aanname: niet gevonden in de openbare bronnen."
RIF_2017 = ("Regeling vaststelling subsidieplafond Regeling regionaal investeringsfonds mbo 2017 "
            "(BWBR0039089): aanvraagperiode van 1 januari tot 1 februari € 19,3 mln, van 1 juni "
            "tot 1 juli € 9,4 mln.")
RIF_ASSUMED = ("Aanname: data als in 2017 (BWBR0039089); bedrag: een deel van de € 47,3 mln die "
               "2014 en 2017 overlaten van de € 100 mln (Staatscourant 2014, 11234). Niet "
               "gevonden in de openbare bronnen.")


@dataclass(frozen=True)
class WindowSeed:
    code: str
    name: str
    opens_at: datetime
    closes_at: datetime
    ceiling_cents: int | None = None
    categories: dict[PlaceCategory, int] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class AmendmentSeed:
    """A ceiling amendment the record sets: recorded once its day has come, not before."""

    budget: str
    line: str
    new_ceiling_cents: int
    effective_on: date
    reason: str


@dataclass(frozen=True)
class SchemeSeed:
    code: str
    name: str
    ministry: Ministry
    legal_basis: str
    decision_term_weeks: int
    reference_prefix: str
    windows: list[WindowSeed]


# What the letters name besides the regulation (Awb 3:46-3:47): the act the regulation rests on,
# its article per ground of a decision, and whom to ask. The statutory bases are as the
# regulations' preambles state them (Stcrt 2013, 31130; Stcrt 2014, 11234) and as domain.md
# gives them. Of the articles, the sector plans' 1.4 (windows and ceilings, BWBR0034947), the
# praktijkleren definitions (art. 1(c), 1(d)), and RIF art. 4(3) (ceilings, BWBR0039089) and
# art. 19 (the committee) are in the record; the others are the house's reading of the
# regulations, kept here as data for the legal department to confirm or correct (as are the
# contact details: the executing agencies' public switchboards).
LETTER_DATA = {
    "sectorplan": {
        "statutory_basis": "de Kaderwet SZW-subsidies",
        "articles": {"application": "artikel 1.5", "grant": "artikel 1.2",
                     "eligibility": "artikel 1.3", "ceiling": "artikel 1.4",
                     "settlement": "artikel 1.11", "amendment": "artikel 1.11",
                     "decision_term": "artikel 1.6"},
        "contact": {"name": "Agentschap SZW, team Sectorplannen", "phone": "070 333 44 44",
                    "email": "sectorplannen@minszw.nl"},
    },
    "praktijkleren": {
        "statutory_basis": ("artikel 2.7 van de Wet educatie en beroepsonderwijs en de "
                            "artikelen 4 en 10 van de Wet overige OCW-subsidies"),
        "articles": {"application": "artikel 5", "settlement": "artikel 4",
                     "eligibility": "artikel 3", "ceiling": "artikel 4",
                     "decision_term": "artikel 6"},
        "contact": {"name": "Rijksdienst voor Ondernemend Nederland, team Praktijkleren",
                    "phone": "088 042 42 42", "email": "praktijkleren@rvo.nl"},
    },
    "rif": {
        "statutory_basis": ("de Wet overige OCW-subsidies en artikel 2.2.3, tweede lid, van de "
                            "Wet educatie en beroepsonderwijs"),
        "articles": {"application": "artikel 8", "grant": "artikel 5",
                     "eligibility": "artikel 9", "ceiling": "artikel 4, derde lid",
                     "committee": "artikel 19", "ranking": "artikel 20", "settlement": "artikel 25",
                     "amendment": "artikel 23", "decision_term": "artikel 21"},
        "contact": {"name": "DUS-I, team Regionaal investeringsfonds mbo",
                    "phone": "070 340 79 11", "email": "rif@dus-i.nl"},
    },
}


def _day_window(code, name, first: date, last: date, ceiling_cents, source) -> WindowSeed:
    """A window that runs from the start of its first day to the end of its last (Amsterdam).

    A regulation's "van 1 januari tot 1 februari" excludes 1 February: its last day is 31 January.
    """
    return WindowSeed(code, name, amsterdam(first.year, first.month, first.day),
                      amsterdam(last.year, last.month, last.day, 23, 59, 59),
                      ceiling_cents=ceiling_cents, source=source)


# Per study year as seen in the record; later years are assumed to have the same ceilings.
PRAKTIJKLEREN_CEILINGS = {
    PlaceCategory.VMBO: euros(1_400_000),
    PlaceCategory.MBO: euros(188_900_000),
    PlaceCategory.HBO: euros(8_000_000),
    PlaceCategory.PROMOVENDUS: euros(6_700_000),
}


def _praktijkleren_year(first_year: int, source: str) -> WindowSeed:
    # Applications come in after the study year: 2 June until 15 September 17:00.
    return WindowSeed(
        f"{first_year}-{first_year + 1}", f"Studiejaar {first_year}/{first_year + 1}",
        amsterdam(first_year + 1, 6, 2), amsterdam(first_year + 1, 9, 15, 17),
        categories=PRAKTIJKLEREN_CEILINGS, source=source,
    )


SCHEMES = [
    SchemeSeed(
        code="sectorplan",
        name="Cofinanciering sectorplannen",
        ministry=Ministry.SZW,
        legal_basis="Regeling cofinanciering sectorplannen, Staatscourant 2013, 22962",
        decision_term_weeks=13,
        reference_prefix="SP",
        windows=[
            _day_window("T1", "Eerste aanvraagtijdvak", date(2013, 10, 1), date(2013, 12, 31),
                        euros(185_000_000), ASSUMED),
            _day_window("T2", "Tweede aanvraagtijdvak", date(2014, 4, 1), date(2014, 5, 31),
                        euros(200_000_000),
                        "BWBR0034947, art. 2: € 200 mln bij de opening, € 205 mln vanaf "
                        "14 januari 2015."),
            _day_window("T3", "Derde aanvraagtijdvak", date(2015, 1, 15), date(2015, 9, 15),
                        euros(200_000_000), ASSUMED),
        ],
    ),
    SchemeSeed(
        code="praktijkleren",
        name="Subsidieregeling praktijkleren",
        ministry=Ministry.OCW,
        legal_basis="Subsidieregeling praktijkleren, Staatscourant 2013, 31130",
        decision_term_weeks=13,
        reference_prefix="PL",
        windows=[
            _praktijkleren_year(2013, "Plafonds per categorie zoals in de openbare bronnen."),
            _praktijkleren_year(2014, ASSUMED),
        ],
    ),
    SchemeSeed(
        code="rif",
        name="Regionaal investeringsfonds mbo",
        ministry=Ministry.OCW,
        legal_basis="Regeling regionaal investeringsfonds mbo 2014–2017, Staatscourant 2014, 11234",
        decision_term_weeks=13,
        reference_prefix="RIF",
        windows=[
            _day_window("2014", "Aanvraagtijdvak 2014", date(2014, 5, 12), date(2014, 6, 7),
                        euros(24_000_000), "Staatscourant 2014, 11234"),
            # From 2015 two periods a year, "van 1 januari tot 1 februari" and "van 1 juni tot
            # 1 juli" (the first of the next month excluded). 2015 and 2016 share the € 47,3 mln
            # that 2014 and 2017 leave of the € 100 mln; their split is not in the record.
            _day_window("2015-1", "2015, eerste periode", date(2015, 1, 1), date(2015, 1, 31),
                        euros(12_000_000), RIF_ASSUMED),
            _day_window("2015-2", "2015, tweede periode", date(2015, 6, 1), date(2015, 6, 30),
                        euros(11_650_000), RIF_ASSUMED),
            _day_window("2016-1", "2016, eerste periode", date(2016, 1, 1), date(2016, 1, 31),
                        euros(12_000_000), RIF_ASSUMED),
            _day_window("2016-2", "2016, tweede periode", date(2016, 6, 1), date(2016, 6, 30),
                        euros(11_650_000), RIF_ASSUMED),
            _day_window("2017-1", "2017, eerste periode", date(2017, 1, 1), date(2017, 1, 31),
                        euros(19_300_000), RIF_2017),
            _day_window("2017-2", "2017, tweede periode", date(2017, 6, 1), date(2017, 6, 30),
                        euros(9_400_000), RIF_2017),
        ],
    ),
]

# The amending regulation in force from 14 January 2015 raises T2 from € 200 mln to
# € 205 mln [BWBR0034947, art. 2]; the € 5 mln comes out of the line that holds what the
# windows leave of the € 600 mln, lowered first so that the lines never exceed the budget.
T2_AMENDED = ("Wijziging van de Regeling cofinanciering sectorplannen (BWBR0034947, art. 2), in "
              "werking vanaf 14 januari 2015: het plafond van het tweede aanvraagtijdvak gaat "
              "van € 200 mln naar € 205 mln.")
AMENDMENTS = [
    AmendmentSeed("sectorplannen", "uitvoering-reserve", euros(10_000_000), date(2015, 1, 14),
                  T2_AMENDED + " De € 5 mln komt uit deze regel."),
    AmendmentSeed("sectorplannen", "T2", euros(205_000_000), date(2015, 1, 14), T2_AMENDED),
]


@dataclass(frozen=True)
class BudgetSeed:
    code: str
    name: str
    ministry: Ministry
    ceiling_cents: int
    starts_on: date
    ends_on: date
    scheme: str | None
    source: str


BUDGETS = [
    BudgetSeed("sectorplannen", "Cofinanciering sectorplannen 2014–2015", Ministry.SZW,
               euros(600_000_000), date(2013, 10, 1), date(2015, 12, 31), "sectorplan",
               "Nationaal Techniekpact 2020"),
    BudgetSeed("praktijkleren", "Praktijkleren, studiejaren 2013/14 en 2014/15", Ministry.OCW,
               2 * sum(PRAKTIJKLEREN_CEILINGS.values()), date(2014, 1, 1), date(2015, 12, 31),
               "praktijkleren", "Som van de categorieplafonds per studiejaar."),
    BudgetSeed("rif", "Regionaal investeringsfonds mbo 2014–2017", Ministry.OCW,
               euros(100_000_000), date(2014, 1, 1), date(2017, 12, 31), "rif",
               "Staatscourant 2014, 11234"),
    BudgetSeed("beta-docenten", "Bèta- en techniekdocenten voortgezet onderwijs", Ministry.OCW,
               euros(100_000_000), date(2013, 1, 1), date(2016, 12, 31), None,
               "Nationaal Techniekpact 2020"),
    BudgetSeed("pabo", "Techniek in de pabo's", Ministry.OCW, euros(8_000_000),
               date(2013, 1, 1), date(2017, 12, 31), None, "Nationaal Techniekpact 2020"),
]


# Every euro of a budget sits in a line (domain.md §1): what its windows leave goes to a line
# of its own, without a window, that finance books on by hand. For the budgets without an
# applicant workflow that is the whole budget; for the sector plans the € 600 mln less the
# windows' € 585 mln (€ 590 mln once T2 is amended).
REST_LINES = {
    "sectorplannen": ("uitvoering-reserve", "Uitvoeringskosten en reserve sectorplannen"),
    "beta-docenten": ("beta-docenten",
                      "Bèta- en techniekdocenten voortgezet onderwijs, 2013–2016"),
    "pabo": ("pabo", "Techniek in de pabo's, 2013–2017"),
}


def _upsert_scheme(seed: SchemeSeed) -> Scheme:
    scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == seed.code)).one_or_none()
    if scheme is None:
        scheme = Scheme(code=seed.code, name=seed.name, ministry=seed.ministry,
                        legal_basis=seed.legal_basis, decision_term_weeks=seed.decision_term_weeks,
                        reference_prefix=seed.reference_prefix,
                        rules={**COMMON_RULES, **FIELDS[seed.code].DEFAULT_RULES})
        db.session.add(scheme)
    letter = LETTER_DATA.get(seed.code, {})
    # Filled where empty only: an admin's correction survives a second run.
    scheme.statutory_basis = scheme.statutory_basis or letter.get("statutory_basis", "")
    scheme.articles = scheme.articles or dict(letter.get("articles", {}))
    scheme.contact = scheme.contact or dict(letter.get("contact", {}))
    existing = {window.code for window in scheme.windows}
    for window_seed in seed.windows:
        if window_seed.code not in existing:
            scheme.windows.append(Window(
                code=window_seed.code, name=window_seed.name, opens_at=window_seed.opens_at,
                closes_at=window_seed.closes_at, source=window_seed.source))
    return scheme


def _upsert_budget(seed: BudgetSeed, scheme_ids: dict[str, int]) -> Budget:
    budget = db.session.scalars(sa.select(Budget).where(Budget.code == seed.code)).one_or_none()
    if budget is None:
        budget = Budget(code=seed.code, name=seed.name, ministry=seed.ministry,
                        ceiling_cents=seed.ceiling_cents, starts_on=seed.starts_on,
                        ends_on=seed.ends_on, scheme_id=scheme_ids.get(seed.scheme),
                        source=seed.source)
        db.session.add(budget)
    return budget


def _window_lines(budget: Budget, window: Window, seed: WindowSeed) -> list[BudgetLine]:
    if seed.categories:
        return [BudgetLine(budget=budget, window=window, category=category,
                           code=f"{window.code}-{category.value}",
                           name=f"{window.name}, {CATEGORY_NAMES[category]}", ceiling_cents=cents)
                for category, cents in seed.categories.items()]
    return [BudgetLine(budget=budget, window=window, code=window.code, name=window.name,
                       ceiling_cents=seed.ceiling_cents)]


def seed_schemes(now: datetime) -> list[Scheme]:
    """Add the schemes, windows, budgets, lines and amendments that are missing.

    Existing rows are left as they are, so an admin's later amendments survive a second run.
    """
    schemes = [_upsert_scheme(seed) for seed in SCHEMES]
    db.session.flush()
    scheme_ids = {scheme.code: scheme.id for scheme in schemes}
    budgets = {seed.code: _upsert_budget(seed, scheme_ids) for seed in BUDGETS}
    db.session.flush()

    for scheme, scheme_seed in zip(schemes, SCHEMES, strict=True):
        budget = next(b for b in budgets.values() if b.scheme_id == scheme.id)
        windows = {window.code: window for window in scheme.windows}
        for window_seed in scheme_seed.windows:
            window = windows[window_seed.code]
            if not window.lines:
                db.session.add_all(_window_lines(budget, window, window_seed))
    db.session.flush()
    for code, (line_code, name) in REST_LINES.items():
        budget = budgets[code]
        if not any(line.code == line_code for line in budget.lines):
            rest = budget.ceiling_cents - sum(line.ceiling_cents for line in budget.lines)
            db.session.add(BudgetLine(budget=budget, code=line_code, name=name,
                                      ceiling_cents=max(rest, 0)))
    db.session.flush()
    _record_amendments(budgets, now)
    return schemes


def _record_amendments(budgets: dict[str, Budget], now: datetime) -> None:
    """The record's amendments whose day has come; a later run records the others.

    A line's ceiling is the one in force now, so an amendment that takes effect on a later day
    may not count yet: until then decisions are taken under the old ceiling.
    """
    today = now.astimezone(AMSTERDAM).date()
    for seed in AMENDMENTS:
        if seed.effective_on > today:
            continue
        line = next(line for line in budgets[seed.budget].lines if line.code == seed.line)
        # Recorded before (also by an older seed, with other words): not again.
        if any(a.reason == seed.reason or a.new_ceiling_cents == seed.new_ceiling_cents
               for a in line.amendments):
            continue
        if line.ceiling_cents != seed.new_ceiling_cents:
            amend_ceiling(line, seed.new_ceiling_cents, reason=seed.reason,
                          effective_on=seed.effective_on, now=now, user=None)
    db.session.flush()
