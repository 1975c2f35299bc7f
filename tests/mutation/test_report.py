"""The figures finance asks for (grants/budget/report.py), rule by rule, with hand-computed
figures (issue 19; bench/mutation.py --module grants/budget/report.py).

Rules (shared/domain.md §6, api.md GET /budgets): remaining = ceiling − reserved − committed;
per budget and per line: code, name, ceiling, reserved, committed, disbursed (paid out, net of
what was recovered, Awb 4:57) and remaining; a budget's figures are the sums of its lines', and
what its lines leave undivided is shown beside them. The share used is (reserved + committed)
of the ceiling in tenths of a percent, rounded down (so that "100,0%" means full), written
Dutch style with a decimal comma; a budget without a ceiling has used nothing. The report reads
the database a fixed number of times, however many budgets there are.

Mutants that cannot change behaviour where bench/mutation.py runs them (on SQLite). Without its
ORDER BY the report still lists the budgets by id there: SQLite reads a table whose INTEGER
PRIMARY KEY is its rowid in rowid order. On PostgreSQL, which reads a rewritten row after the
others, test_the_report_lists_every_budget_in_the_order_it_was_made_with_its_lines kills it:

equivalent: grants.budget.report.x_reported_budgets__mutmut_7 — order_by(None): SQLite scans by id
"""

from datetime import date

import pytest
import sqlalchemy as sa

from grants.budget.report import (
    BudgetFigures,
    Figures,
    LineFigures,
    budget_figures,
    budget_report,
    line_figures,
    reported_budgets,
)
from grants.extensions import db
from grants.models import Budget, BudgetLine, Ministry, PlaceCategory, Scheme, Window
from tests.statements import statements_of


def figures(ceiling, reserved=0, committed=0) -> Figures:
    return Figures(code="a", name="Regel A", ceiling=ceiling, reserved=reserved,
                   committed=committed, disbursed=0, recovered=0)


# -- pure figures -------------------------------------------------------------------------------

@pytest.mark.no_db
def test_remaining_is_the_ceiling_less_what_is_reserved_and_committed():
    # € 1.000,00 − € 123,45 − € 200,00 = € 676,55
    assert figures(1_000_00, 123_45, 200_00).remaining == 676_55
    assert figures(1_000_00).remaining == 1_000_00
    assert figures(1_000_00, 0, 1_000_00).remaining == 0


@pytest.mark.no_db
def test_the_share_used_is_in_tenths_of_a_percent_rounded_down():
    # (123,45 + 200,00) / 1.000,00 = 32,345% → 323‰ → "32,3%"
    used = figures(1_000_00, 123_45, 200_00)
    assert used.used_permille == 323
    assert used.used_percent_text == "32,3%"
    # Reserved alone and committed alone count the same.
    assert figures(1_000_00, 250_00).used_permille == 250
    assert figures(1_000_00, 0, 250_00).used_permille == 250
    # € 999,99 of € 1.000,00 is 99,999%: not yet full, so 99,9%, never 100,0%.
    almost = figures(1_000_00, 0, 999_99)
    assert (almost.used_permille, almost.used_percent_text) == (999, "99,9%")
    full = figures(1_000_00, 400_00, 600_00)
    assert (full.used_permille, full.used_percent_text) == (1000, "100,0%")
    # 7 cents of € 1.000,00 is 0,007%: 0‰.
    assert figures(1_000_00, 7).used_percent_text == "0,0%"
    # 1 cent of 3 cents is 33,33…%: 333‰.
    assert figures(3, 1).used_percent_text == "33,3%"
    assert figures(8, 7).used_percent_text == "87,5%"


@pytest.mark.no_db
def test_a_budget_without_a_ceiling_has_used_nothing():
    empty = figures(0)
    assert (empty.used_permille, empty.used_percent_text) == (0, "0,0%")


def transient_line(**values) -> BudgetLine:
    row = dict(id=11, code="T2", name="Tweede tijdvak", ceiling_cents=1_000_00,
               reserved_cents=100_00, committed_cents=600_00, disbursed_cents=500_00,
               recovered_cents=120_00, window=None, category=None)
    row.update(values)
    return BudgetLine(**row)


@pytest.mark.no_db
def test_a_lines_figures_show_payments_net_of_recoveries():
    shown = line_figures(transient_line(window=Window(code="T2"), category=PlaceCategory.MBO))
    assert shown == LineFigures(
        code="T2", name="Tweede tijdvak", ceiling=1_000_00, reserved=100_00, committed=600_00,
        # € 500,00 paid − € 120,00 recovered
        disbursed=380_00, recovered=120_00, id=11, window="T2", category="mbo")
    # € 1.000,00 − € 100,00 − € 600,00
    assert shown.remaining == 300_00


@pytest.mark.no_db
def test_a_line_without_window_or_category_says_so():
    shown = line_figures(transient_line())
    assert (shown.window, shown.category) == (None, None)


@pytest.mark.no_db
def test_a_budgets_figures_are_the_sums_of_its_lines():
    a = transient_line(id=1, code="a", reserved_cents=100_00, committed_cents=600_00,
                       disbursed_cents=500_00, recovered_cents=120_00, ceiling_cents=1_000_00)
    b = transient_line(id=2, code="b", reserved_cents=30_00, committed_cents=200_00,
                       disbursed_cents=50_00, recovered_cents=5_00, ceiling_cents=300_00)
    budget = Budget(id=5, code="rif", name="RIF", ministry=Ministry.OCW,
                    ceiling_cents=1_500_00, scheme=Scheme(code="rif"), lines=[a, b])
    shown = budget_figures(budget)
    assert shown == BudgetFigures(
        code="rif", name="RIF", ceiling=1_500_00,
        reserved=130_00, committed=800_00,
        # (500 − 120) + (50 − 5)
        disbursed=425_00, recovered=125_00,
        id=5, ministry="OCW", scheme="rif", lines=(line_figures(a), line_figures(b)))
    # € 1.500,00 − € 130,00 − € 800,00
    assert shown.remaining == 570_00
    # € 1.500,00 − (€ 1.000,00 + € 300,00) not divided over lines
    assert shown.unallocated == 200_00
    # (130 + 800) / 1.500 = 62%
    assert shown.used_percent_text == "62,0%"


@pytest.mark.no_db
def test_a_budget_without_scheme_or_lines_is_all_unallocated():
    budget = Budget(id=6, code="pabo", name="Pabo's", ministry=Ministry.SZW,
                    ceiling_cents=8_000_000_00, scheme=None, lines=[])
    shown = budget_figures(budget)
    assert (shown.scheme, shown.ministry, shown.lines) == (None, "SZW", ())
    assert (shown.reserved, shown.committed, shown.disbursed, shown.recovered) == (0, 0, 0, 0)
    assert (shown.unallocated, shown.remaining) == (8_000_000_00, 8_000_000_00)


# -- the report from the database ---------------------------------------------------------------

def test_the_report_lists_every_budget_in_the_order_it_was_made_with_its_lines():
    made = []
    for code, ceiling in (("zeta", 300_00), ("alfa", 200_00)):
        budget = Budget(code=f"rapport-{code}", name=code, ministry=Ministry.OCW,
                        ceiling_cents=ceiling, starts_on=date(2014, 1, 1),
                        ends_on=date(2015, 12, 31), scheme_id=None)
        db.session.add(budget)
        db.session.flush()
        # Lines made in the opposite order of their codes: they keep the order they were made.
        db.session.add_all([
            BudgetLine(budget=budget, code="z", name="Z", ceiling_cents=100_00,
                       committed_cents=40_00, disbursed_cents=10_00),
            BudgetLine(budget=budget, code="a", name="A", ceiling_cents=50_00,
                       reserved_cents=5_00)])
        db.session.flush()
        made.append(budget)
    # A row rewritten after it was made: PostgreSQL then scans it after the others, so only the
    # report's own ordering keeps the budgets in the order they were made.
    made[0].name = "zeta, herzien"
    db.session.flush()
    report = budget_report()
    mine = [shown for shown in report if shown.code.startswith("rapport-")]
    assert [shown.code for shown in mine] == ["rapport-zeta", "rapport-alfa"]
    assert [shown.id for shown in report] == sorted(shown.id for shown in report)
    assert [shown.id for shown in mine] == [budget.id for budget in made]
    zeta = mine[0]
    assert [line.code for line in zeta.lines] == ["z", "a"]
    assert (zeta.ceiling, zeta.reserved, zeta.committed, zeta.disbursed) == (
        300_00, 5_00, 40_00, 10_00)
    # € 300,00 − € 5,00 − € 40,00; € 300,00 − (€ 100,00 + € 50,00)
    assert (zeta.remaining, zeta.unallocated) == (255_00, 150_00)
    assert mine[1].ceiling == 200_00


def test_a_report_of_budgets_already_read_shows_those_and_reads_nothing_again(schemes):
    """The dashboard reads the budgets once, for its figures and its charts."""
    loaded = reported_budgets()
    assert [budget.id for budget in loaded] == sorted(budget.id for budget in loaded)
    assert len(loaded) > 1
    statements, report = statements_of(lambda: budget_report(loaded[1:]))
    assert statements == []
    assert report == [budget_figures(budget) for budget in loaded[1:]]
    assert budget_report() == [budget_figures(budget) for budget in loaded]


def test_the_report_reads_the_database_a_fixed_number_of_times_however_many_budgets(schemes):
    """The page, the API and the CLI show every budget with every line at once: one query per
    budget or per line would grow with the programme (a query for the budgets, one for all their
    lines, one for the lines' windows and one for the budgets' schemes)."""
    def statements_of_a_report() -> tuple[int, list]:
        db.session.expire_all()
        statements, report = statements_of(budget_report)
        return len(statements), report

    before, report = statements_of_a_report()
    # The seeded budgets name their schemes, and their lines their windows.
    assert any(budget.scheme for budget in report)
    assert any(line.window for budget in report for line in budget.lines)
    scheme = next(budget for budget in db.session.scalars(sa.select(Budget))
                  if budget.scheme_id is not None).scheme
    window = scheme.windows[0]
    for number in range(3):
        budget = Budget(code=f"extra-{number}", name=f"Extra {number}", ministry=Ministry.OCW,
                        ceiling_cents=100_00, starts_on=date(2014, 1, 1),
                        ends_on=date(2015, 12, 31), scheme=scheme)
        db.session.add_all([budget, BudgetLine(budget=budget, code="l", name="L",
                                               ceiling_cents=100_00, window=window)])
    db.session.flush()
    after, report = statements_of_a_report()
    assert {f"extra-{number}" for number in range(3)} <= {shown.code for shown in report}
    assert after == before == 4
