"""The ledger's rules at their edges (grants/budget/ledger.py), each stated with hand-computed
figures so that no small change to them goes unnoticed (issue 19; bench/mutation.py --module
grants/budget/ledger.py).

Rules (shared/domain.md §4 and §6): remaining = ceiling − reserved − committed, and a ceiling
refuses what would exceed it (Awb 4:25); for every application paid ≤ committed; a recovery
takes back at most what was paid (Awb 4:57); every cent moved is a ledger entry with who, when
and why; a refusal changes nothing and says which figure and which field.

The fixture's budget has two lines of its own: Regel A with a ceiling of € 1.000,00 and Regel B
with € 500,00, and two applications of window T2.

Mutants that cannot change behaviour (read by bench/mutation.py). SQLAlchemy takes
synchronize_session=None as it takes False (no synchronising of the session; its own error text
recommends None for that), and post() sets the line's balances from the row its UPDATE returns:

equivalent: grants.budget.ledger.x_post__mutmut_75 — synchronize_session=None is False here

book_deferred inserts a booking's entries on PostgreSQL as arrays unnested into rows, a branch
SQLite (where bench/mutation.py runs the mutants) never takes. 86 and 87 send PostgreSQL down
SQLite's executemany: the same rows, only slower (bench/allocation_bench.py shows it). 88 to 91
break the branch outright: every booking of a run fails on PostgreSQL, where the suite runs too
(three tests of tests/workflows/test_fire_many.py fail on it there):

equivalent: grants.budget.ledger.x_book_deferred__mutmut_86 — PostgreSQL by executemany
equivalent: grants.budget.ledger.x_book_deferred__mutmut_87 — PostgreSQL by executemany
equivalent: grants.budget.ledger.x_book_deferred__mutmut_88 — PostgreSQL branch, not on SQLite
equivalent: grants.budget.ledger.x_book_deferred__mutmut_89 — PostgreSQL branch, not on SQLite
equivalent: grants.budget.ledger.x_book_deferred__mutmut_90 — PostgreSQL branch, not on SQLite
equivalent: grants.budget.ledger.x_book_deferred__mutmut_91 — PostgreSQL branch, not on SQLite
"""

from datetime import date

import pytest
import sqlalchemy as sa

from grants.budget import ledger
from grants.budget.ledger import Balance, CeilingReached, application_balance
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    Bucket,
    Budget,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Ministry,
    Role,
)
from tests.factories import ApplicationFactory, UserFactory
from tests.statements import statements_of

K = EntryKind
RESERVED, COMMITTED = Bucket.RESERVED, Bucket.COMMITTED


@pytest.fixture
def lines():
    budget = Budget(code="mutatie", name="Mutatiebudget", ministry=Ministry.SZW,
                    ceiling_cents=1_500_00, starts_on=date(2014, 1, 1), ends_on=date(2015, 12, 31),
                    scheme_id=None)
    a = BudgetLine(budget=budget, code="a", name="Regel A", ceiling_cents=1_000_00)
    b = BudgetLine(budget=budget, code="b", name="Regel B", ceiling_cents=500_00)
    db.session.add_all([budget, a, b])
    db.session.flush()
    return a, b


@pytest.fixture
def applications(schemes):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    return ApplicationFactory(window=window), ApplicationFactory(window=window)


@pytest.fixture
def book(clock):
    def _book(line, kind, cents, application=None, bucket=None, actor=None, cause="test",
              reason=""):
        return ledger.post(line, kind, cents, actor=actor, now=clock(), cause=cause,
                           application=application, bucket=bucket, reason=reason)
    return _book


def balances(line) -> tuple[int, int, int, int]:
    db.session.refresh(line)
    return (line.reserved_cents, line.committed_cents, line.disbursed_cents,
            line.recovered_cents)


def entry_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))


def refused(action) -> ValidationFailed:
    """The refusal, after checking that nothing was booked."""
    before = entry_count()
    with pytest.raises(ValidationFailed) as caught:
        action()
    assert entry_count() == before
    return caught.value


# -- what an entry is ---------------------------------------------------------------------------

def test_an_entry_records_who_when_why_and_how_much(lines, applications, book, clock):
    a, _ = lines
    application, _ = applications
    finance = UserFactory(role=Role.FINANCE)
    entry = book(a, K.COMMIT, 600_00, application, actor=finance, cause="approve",
                 reason="Besluit van 1 april")
    stored = db.session.get(LedgerEntry, entry.id)
    assert (stored.line_id, stored.application_id, stored.kind, stored.bucket,
            stored.amount_cents) == (a.id, application.id, K.COMMIT, None, 600_00)
    assert (stored.actor_id, stored.at, stored.cause, stored.reason) == (
        finance.id, clock(), "approve", "Besluit van 1 april")
    # The line object the caller holds shows the new balance at once.
    assert (a.committed_cents, a.remaining_cents) == (600_00, 1_000_00 - 600_00)


def test_an_entry_by_hand_belongs_to_no_application_and_no_actor(lines, clock):
    a, _ = lines
    # Without a reason given, the entry's reason is empty (its cause says why).
    entry = ledger.post(a, K.RESERVE, 1, actor=None, now=clock(), cause="manual")
    assert (entry.application_id, entry.actor_id, entry.reason) == (None, None, "")
    assert balances(a) == (1, 0, 0, 0)


def test_a_booking_is_at_least_one_cent(lines, book):
    a, _ = lines
    for cents in (0, -1):
        error = refused(lambda cents=cents: book(a, K.COMMIT, cents))
        assert error.message == "Een boeking is een positief bedrag."
        assert error.fields == {"amount": ["Een boeking is een positief bedrag."]}
    # € 0,01 is the smallest booking there is.
    book(a, K.COMMIT, 1)
    assert balances(a) == (0, 1, 0, 0)


def test_only_a_release_says_which_bucket_it_gives_back(lines, book):
    a, _ = lines
    book(a, K.COMMIT, 100_00)
    for wrong in (lambda: book(a, K.RELEASE, 10_00),
                  lambda: book(a, K.COMMIT, 10_00, bucket=COMMITTED)):
        # A programming error, not a user's: no field, but a message that says what is wrong.
        with pytest.raises(ValueError) as caught:
            wrong()
        assert str(caught.value) == "a release says what it releases; nothing else does"
    assert balances(a) == (0, 100_00, 0, 0)


# -- the ceiling (Awb 4:25) ---------------------------------------------------------------------

def test_the_ceiling_takes_reservations_and_commitments_to_the_last_cent(lines, book):
    a, _ = lines
    book(a, K.RESERVE, 400_00)
    # remaining = 1.000,00 − 400,00 reserved − 0 committed = 600,00: exactly that fits.
    book(a, K.COMMIT, 600_00)
    assert (balances(a), a.remaining_cents) == ((400_00, 600_00, 0, 0), 0)


def test_one_cent_over_the_ceiling_is_refused_with_what_is_left(lines, book):
    a, _ = lines
    book(a, K.RESERVE, 300_00)
    book(a, K.COMMIT, 450_00)
    # remaining = 1.000,00 − 300,00 − 450,00 = 250,00; 250,01 is one cent too much.
    with pytest.raises(CeilingReached) as caught:
        book(a, K.COMMIT, 250_01)
    error = caught.value
    assert error.message == "Subsidieplafond bereikt: €\xa0250,00 resterend."
    assert error.fields == {
        "amount": ["Er is €\xa0250,00 over op Regel A; gevraagd is €\xa0250,01."]}
    assert error.remaining_cents == 250_00
    with pytest.raises(CeilingReached):
        book(a, K.RESERVE, 250_01)
    assert balances(a) == (300_00, 450_00, 0, 0)
    book(a, K.RESERVE, 250_00)
    assert a.remaining_cents == 0


# -- releases ------------------------------------------------------------------------------------

def test_a_reservation_is_released_at_most_in_full(lines, applications, book):
    a, _ = lines
    application, _ = applications
    book(a, K.RESERVE, 300_00, application)
    error = refused(lambda: book(a, K.RELEASE, 300_01, application, bucket=RESERVED))
    assert error.fields == {
        "amount": ["Er is voor deze aanvraag maar €\xa0300,00 gereserveerd."]}
    book(a, K.RELEASE, 300_00, application, bucket=RESERVED)
    assert balances(a) == (0, 0, 0, 0)
    assert application_balance(application.id, a.id) == Balance()


def test_a_release_may_not_leave_less_committed_than_paid(lines, applications, book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 600_00, application)
    book(a, K.DISBURSE, 400_00, application)
    # committed − paid = 600,00 − 400,00 = 200,00 may be released, not 200,01.
    error = refused(lambda: book(a, K.RELEASE, 200_01, application, bucket=COMMITTED))
    assert error.fields == {"amount": [
        "Er kan niet meer worden vrijgegeven dan er na betaling verplicht blijft (€\xa0200,00)."]}
    book(a, K.RELEASE, 200_00, application, bucket=COMMITTED)
    assert balances(a) == (0, 400_00, 400_00, 0)
    assert application_balance(application.id, a.id) == Balance(committed=400_00,
                                                                disbursed=400_00)


def test_a_release_of_a_commitment_counts_what_was_recovered(lines, applications, book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 600_00, application)
    book(a, K.DISBURSE, 400_00, application)
    book(a, K.RECOVER, 150_00, application)
    # paid = 400,00 − 150,00 = 250,00, so 600,00 − 250,00 = 350,00 may be released.
    refused(lambda: book(a, K.RELEASE, 350_01, application, bucket=COMMITTED))
    book(a, K.RELEASE, 350_00, application, bucket=COMMITTED)
    assert balances(a) == (0, 250_00, 400_00, 150_00)


def test_by_hand_the_line_itself_refuses_a_release_below_what_it_paid(lines, book):
    a, _ = lines
    book(a, K.RESERVE, 100_00)
    book(a, K.COMMIT, 500_00)
    book(a, K.DISBURSE, 300_00)
    book(a, K.RECOVER, 50_00)
    # The line: committed 500,00 − paid (300,00 − 50,00) = 250,00 may be released.
    error = refused(lambda: book(a, K.RELEASE, 250_01, bucket=COMMITTED))
    assert error.fields == {"amount": ["De regel Regel A laat deze boeking niet toe."]}
    refused(lambda: book(a, K.RELEASE, 100_01, bucket=RESERVED))
    assert balances(a) == (100_00, 500_00, 300_00, 50_00)
    book(a, K.RELEASE, 250_00, bucket=COMMITTED)
    book(a, K.RELEASE, 100_00, bucket=RESERVED)
    assert balances(a) == (0, 250_00, 300_00, 50_00)


# -- payments and recoveries ---------------------------------------------------------------------

def test_no_more_is_paid_than_is_committed(lines, applications, book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 600_00, application)
    book(a, K.DISBURSE, 250_00, application)
    # 600,00 committed − 250,00 paid = 350,00 may still be paid.
    error = refused(lambda: book(a, K.DISBURSE, 350_01, application))
    assert error.fields == {
        "amount": ["Er kan nog €\xa0350,00 worden betaald; gevraagd is €\xa0350,01."]}
    book(a, K.DISBURSE, 350_00, application)
    assert balances(a) == (0, 600_00, 600_00, 0)


def test_a_recovered_payment_may_be_paid_again(lines, applications, book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 600_00, application)
    book(a, K.DISBURSE, 600_00, application)
    book(a, K.RECOVER, 100_00, application)
    # paid = 600,00 − 100,00 = 500,00 of 600,00 committed: 100,00 may be paid again.
    book(a, K.DISBURSE, 100_00, application)
    refused(lambda: book(a, K.DISBURSE, 1, application))
    assert balances(a) == (0, 600_00, 700_00, 100_00)


def test_recovering_exactly_what_was_paid(lines, applications, book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 600_00, application)
    book(a, K.DISBURSE, 250_00, application)
    error = refused(lambda: book(a, K.RECOVER, 250_01, application))
    assert error.fields == {
        "amount": ["Er is €\xa0250,00 betaald; meer kan niet worden teruggevorderd."]}
    book(a, K.RECOVER, 250_00, application)
    held = application_balance(application.id, a.id)
    assert held == Balance(committed=600_00, disbursed=250_00, recovered=250_00)
    assert held.paid == 0
    error = refused(lambda: book(a, K.RECOVER, 1, application))
    assert error.fields == {
        "amount": ["Er is €\xa00,00 betaald; meer kan niet worden teruggevorderd."]}


def test_by_hand_the_line_refuses_recovering_more_than_it_paid_out(lines, book):
    a, _ = lines
    book(a, K.COMMIT, 500_00)
    book(a, K.DISBURSE, 300_00)
    refused(lambda: book(a, K.DISBURSE, 200_01))
    refused(lambda: book(a, K.RECOVER, 300_01))
    book(a, K.RECOVER, 300_00)
    assert balances(a) == (0, 500_00, 300_00, 300_00)


# -- money on two lines, two applications ---------------------------------------------------------

def test_money_on_two_budget_lines_is_held_per_line(lines, applications, book):
    a, b = lines
    application, other = applications
    book(a, K.RESERVE, 100_00, application)
    book(a, K.COMMIT, 600_00, application)
    book(b, K.COMMIT, 300_00, application)
    book(a, K.DISBURSE, 600_00, application)
    book(a, K.COMMIT, 50_00, other)

    assert application_balance(application.id, a.id) == Balance(100_00, 600_00, 600_00, 0)
    assert application_balance(application.id, b.id) == Balance(0, 300_00, 0, 0)
    # Over both lines: 600,00 + 300,00 committed, 600,00 paid.
    assert application_balance(application.id) == Balance(100_00, 900_00, 600_00, 0)

    # Nothing was paid on line B, whatever was paid on line A: nothing to recover there, and
    # all of B's 300,00 may still be paid.
    error = refused(lambda: book(b, K.RECOVER, 1, application))
    assert error.fields == {
        "amount": ["Er is €\xa00,00 betaald; meer kan niet worden teruggevorderd."]}
    book(b, K.DISBURSE, 300_00, application)
    assert balances(b) == (0, 300_00, 300_00, 0)


def test_another_applications_commitment_is_not_this_ones_to_pay_or_release(
        lines, applications, book):
    a, _ = lines
    application, other = applications
    book(a, K.COMMIT, 600_00, application)
    book(a, K.DISBURSE, 600_00, application)
    book(a, K.COMMIT, 50_00, other)
    # The line has 650,00 committed and 600,00 paid, so it could take 50,00 more; but this
    # application holds 600,00 committed and 600,00 paid: not a cent more for it either way.
    error = refused(lambda: book(a, K.DISBURSE, 1, application))
    assert error.fields == {
        "amount": ["Er kan nog €\xa00,00 worden betaald; gevraagd is €\xa00,01."]}
    error = refused(lambda: book(a, K.RELEASE, 1, application, bucket=COMMITTED))
    assert error.fields == {"amount": [
        "Er kan niet meer worden vrijgegeven dan er na betaling verplicht blijft (€\xa00,00)."]}
    # And what the other holds is its own: 50,00 to pay, nothing reserved to release.
    error = refused(lambda: book(a, K.RELEASE, 1, other, bucket=RESERVED))
    assert error.fields == {"amount": ["Er is voor deze aanvraag maar €\xa00,00 gereserveerd."]}
    book(a, K.DISBURSE, 50_00, other)
    assert balances(a) == (0, 650_00, 650_00, 0)


def test_an_applications_balance_nets_its_releases(lines, applications, book):
    a, _ = lines
    application, other = applications
    book(a, K.RESERVE, 300_00, application)
    book(a, K.RELEASE, 100_00, application, bucket=RESERVED)
    book(a, K.COMMIT, 500_00, application)
    book(a, K.RELEASE, 120_00, application, bucket=COMMITTED)
    book(a, K.DISBURSE, 200_00, application)
    book(a, K.RECOVER, 30_00, application)
    book(a, K.COMMIT, 70_00, other)
    # reserved 300,00 − 100,00; committed 500,00 − 120,00; the other's 70,00 is not counted.
    held = application_balance(application.id, a.id)
    assert held == Balance(reserved=200_00, committed=380_00, disbursed=200_00,
                           recovered=30_00)
    assert held.paid == 170_00
    assert application_balance(other.id) == Balance(committed=70_00)



def test_the_balances_of_many_applications_are_read_at_once_each_its_own(
        lines, applications, book):
    """A payment run's preview reads the balance of thousands of applications (issue 16)."""
    a, b = lines
    application, other = applications
    untouched = ApplicationFactory(window=application.window)
    book(a, K.RESERVE, 300_00, application)
    book(a, K.RELEASE, 100_00, application, bucket=RESERVED)
    book(a, K.COMMIT, 500_00, application)
    book(b, K.COMMIT, 40_00, application)
    book(a, K.RELEASE, 120_00, application, bucket=COMMITTED)
    book(a, K.DISBURSE, 200_00, application)
    book(a, K.RECOVER, 30_00, application)
    book(a, K.COMMIT, 70_00, other)
    book(a, K.DISBURSE, 20_00, other)
    book(b, K.RESERVE, 10_00, other)
    book(b, K.RELEASE, 10_00, other, bucket=RESERVED)  # reserved and released: nothing held
    asked = [application.id, other.id, untouched.id]
    with ledger.deferred():
        book(a, K.DISBURSE, 5_00, other)  # gathered, not yet booked: it counts all the same
        found = ledger.application_balances(
            sa.select(Application.id).where(Application.id.in_(asked)))
    # Over both lines: reserved 300,00 − 100,00; committed 500,00 + 40,00 − 120,00. One
    # without entries is left out.
    assert found == {application.id: Balance(200_00, 420_00, 200_00, 30_00),
                     other.id: Balance(0, 70_00, 25_00, 0)}
    assert found[application.id] == application_balance(application.id)
    assert ledger.application_balances(
        sa.select(Application.id).where(Application.id == other.id)) == {
        other.id: Balance(committed=70_00, disbursed=25_00)}


# -- booking together (an allocation run's commitments) -----------------------------------------

def line_row(line) -> tuple[int, int]:
    """The line as stored, read past the session."""
    return tuple(db.session.connection().execute(sa.select(
        BudgetLine.reserved_cents, BudgetLine.committed_cents).where(
        BudgetLine.id == line.id)).one())


def loaded(*records) -> None:
    """Load what a commit expired, before a block: a load is a query, which books what the
    block gathered so far (correct, but not what these tests look at)."""
    for record in records:
        db.session.refresh(record)


def stored_entries() -> list[tuple]:
    return [tuple(row) for row in db.session.connection().execute(sa.select(
        LedgerEntry.line_id, LedgerEntry.application_id, LedgerEntry.kind, LedgerEntry.bucket,
        LedgerEntry.amount_cents, LedgerEntry.actor_id, LedgerEntry.at, LedgerEntry.cause,
        LedgerEntry.reason).order_by(LedgerEntry.id))]


def test_booked_together_per_line_when_the_block_ends(lines, applications, book, clock):
    a, b = lines
    first, second = applications
    finance = UserFactory(role=Role.FINANCE)
    loaded(first, second, finance, a, b)
    with ledger.deferred():
        assert book(a, K.COMMIT, 300_00, first, actor=finance, cause="settle",
                    reason="Verdeling 7") is None
        book(b, K.RESERVE, 200_00, second, cause="approve")
        book(a, K.COMMIT, 450_00, second, actor=finance, cause="settle")
        # Gathered, not yet booked: neither line nor ledger has changed.
        assert (line_row(a), line_row(b), stored_entries()) == ((0, 0), (0, 0), [])
    # Regel A: 300,00 + 450,00 = 750,00 committed; Regel B: 200,00 reserved. The entries as
    # asked, in that order, with who, when and why.
    assert (line_row(a), line_row(b)) == ((0, 750_00), (200_00, 0))
    assert stored_entries() == [
        (a.id, first.id, K.COMMIT, None, 300_00, finance.id, clock(), "settle", "Verdeling 7"),
        (b.id, second.id, K.RESERVE, None, 200_00, None, clock(), "approve", ""),
        (a.id, second.id, K.COMMIT, None, 450_00, finance.id, clock(), "settle", ""),
    ]
    # The line objects the caller holds show the new balances without a read of their own.
    assert (a.committed_cents, a.remaining_cents, b.reserved_cents) == (750_00, 250_00, 200_00)


def test_what_is_gathered_counts_for_every_read_in_the_block(lines, applications, book):
    a, _ = lines
    application, _ = applications
    with ledger.deferred():
        book(a, K.COMMIT, 300_00, application)
        # A balance read books first: the application holds what was gathered.
        assert application_balance(application.id, a.id) == Balance(committed=300_00)
        book(a, K.COMMIT, 100_00, application)
        # So does any query of the session.
        assert db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents))) == 400_00
        book(a, K.COMMIT, 50_00, application)
        # A release is checked against what the application holds: all 450,00 gathered so far.
        book(a, K.RELEASE, 450_00, application, bucket=COMMITTED)
    assert line_row(a) == (0, 0)
    assert [row[4] for row in stored_entries()] == [300_00, 100_00, 50_00, 450_00]


def test_a_flush_in_the_block_books_what_was_gathered(lines, applications, book):
    a, _ = lines
    application, _ = applications
    with ledger.deferred():
        book(a, K.COMMIT, 120_00, application)
        application.title = "Gewijzigd"
        db.session.flush()
        assert line_row(a) == (0, 120_00)
    assert len(stored_entries()) == 1


def test_a_line_that_cannot_take_the_total_refuses_it_all(lines, applications, book):
    a, b = lines
    first, second = applications
    loaded(first, second, a, b)
    # A: 1.000,00 ceiling, 600,00 + 400,00 = 1.000,00 fits to the cent and is booked first (the
    # lower id); B: 500,00 ceiling, 300,00 + 200,01 = 500,01 does not.
    with pytest.raises(CeilingReached) as caught, ledger.deferred():
        book(a, K.COMMIT, 600_00, first)
        book(b, K.COMMIT, 300_00, first)
        book(a, K.COMMIT, 400_00, second)
        book(b, K.COMMIT, 200_01, second)
    assert caught.value.fields == {
        "amount": ["Er is €\xa0500,00 over op Regel B; gevraagd is €\xa0500,01."]}
    assert caught.value.remaining_cents == 500_00
    # Nothing booked, on either line: A's total was taken back.
    assert (line_row(a), line_row(b), stored_entries()) == ((0, 0), (0, 0), [])
    assert (a.committed_cents, b.committed_cents) == (0, 0)


def test_reservations_and_commitments_share_the_ceiling_when_booked_together(lines, book):
    a, _ = lines
    book(a, K.RESERVE, 100_00)
    # 100,00 reserved + 500,00 reserved + 400,00 committed = 1.000,00: to the cent.
    with ledger.deferred():
        book(a, K.RESERVE, 500_00)
        book(a, K.COMMIT, 400_00)
    assert line_row(a) == (600_00, 400_00)
    with pytest.raises(CeilingReached), ledger.deferred():
        book(a, K.COMMIT, 1)
    assert line_row(a) == (600_00, 400_00)


def test_a_block_within_a_block_books_with_the_outer_one(lines, book):
    a, _ = lines
    with ledger.deferred():
        with ledger.deferred():
            book(a, K.COMMIT, 10_00)
        assert line_row(a) == (0, 0)
    assert line_row(a) == (0, 10_00)
    # Outside any block a booking is made at once, as ever.
    book(a, K.COMMIT, 5_00)
    assert line_row(a) == (0, 15_00)


def test_a_failed_block_books_nothing_it_gathered(lines, book):
    a, _ = lines
    with pytest.raises(RuntimeError), ledger.deferred():
        book(a, K.COMMIT, 10_00)
        raise RuntimeError("a firing failed")
    assert ledger.DEFERRED not in db.session.info
    assert (line_row(a), stored_entries()) == ((0, 0), [])


def test_a_refused_block_takes_back_the_reservations_it_booked_first(lines, book):
    a, b = lines
    loaded(a, b)
    # A takes its 700,00 reserved first (the lower id); B's 500,01 committed cannot fit.
    with pytest.raises(CeilingReached), ledger.deferred():
        book(a, K.RESERVE, 700_00)
        book(b, K.COMMIT, 500_01)
    assert (line_row(a), line_row(b), stored_entries()) == ((0, 0), (0, 0), [])
    assert (a.reserved_cents, a.remaining_cents) == (0, 1_000_00)


def test_the_line_held_shows_all_four_balances_after_booking_together(lines, applications,
                                                                      book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 300_00, application)
    book(a, K.DISBURSE, 200_00, application)
    book(a, K.RECOVER, 50_00, application)
    loaded(a, application)
    with ledger.deferred():
        book(a, K.COMMIT, 100_00, application)
    # Without a read of its own: 300,00 + 100,00 committed, 200,00 paid, 50,00 recovered.
    assert (a.reserved_cents, a.committed_cents, a.disbursed_cents, a.recovered_cents) == (
        0, 400_00, 200_00, 50_00)


# -- a payment run's payments: gathered, and the balances read once --------------------------

def paid_row(line) -> tuple[int, int]:
    """The line's paid and recovered balances as stored, read past the session."""
    return tuple(db.session.connection().execute(sa.select(
        BudgetLine.disbursed_cents, BudgetLine.recovered_cents).where(
        BudgetLine.id == line.id)).one())


def test_payments_are_gathered_and_booked_per_line_by_their_total(lines, applications, book,
                                                                  clock):
    a, b = lines
    first, second = applications
    book(a, K.COMMIT, 300_00, first)
    book(a, K.COMMIT, 200_00, second)
    book(b, K.COMMIT, 100_00, first)
    loaded(first, second, a, b)
    # Their balances known (as a payment run knows them), no check reads the ledger, which
    # would book what was gathered first.
    with ledger.balances_known(sa.select(Application.id)), ledger.deferred():
        assert book(a, K.DISBURSE, 120_00, first, cause="pay", reason="Betaalrun 1") is None
        book(b, K.DISBURSE, 100_00, first, cause="pay")
        book(a, K.DISBURSE, 200_00, second, cause="pay")
        assert (paid_row(a), paid_row(b)) == ((0, 0), (0, 0))
    # Regel A: 120,00 + 200,00 = 320,00 paid; Regel B: 100,00, all it committed.
    assert (paid_row(a), paid_row(b)) == ((320_00, 0), (100_00, 0))
    assert [row for row in stored_entries() if row[2] == K.DISBURSE] == [
        (a.id, first.id, K.DISBURSE, None, 120_00, None, clock(), "pay", "Betaalrun 1"),
        (b.id, first.id, K.DISBURSE, None, 100_00, None, clock(), "pay", ""),
        (a.id, second.id, K.DISBURSE, None, 200_00, None, clock(), "pay", "")]
    assert (a.disbursed_cents, b.disbursed_cents) == (320_00, 100_00)


def test_a_gathered_payment_is_checked_against_what_the_application_holds(lines, applications,
                                                                          book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 300_00, application)
    with ledger.deferred():
        book(a, K.DISBURSE, 200_00, application)
        # 300,00 committed, 200,00 of it gathered: 100,00 is left to pay, not a cent more.
        error = refused(lambda: book(a, K.DISBURSE, 100_01, application))
        assert error.fields == {"amount": [
            "Er kan nog €\xa0100,00 worden betaald; gevraagd is €\xa0100,01."]}
        book(a, K.DISBURSE, 100_00, application)
    assert paid_row(a) == (300_00, 0)


def test_a_line_that_cannot_pay_the_total_refuses_it_all_naming_the_line(lines, book):
    a, b = lines
    # By hand (no application to check): A commits 50,00, B 100,00.
    book(a, K.COMMIT, 50_00)
    book(b, K.COMMIT, 100_00)
    loaded(a, b)
    # A pays its 50,00 first (the lower id); B's 60,00 + 40,01 = 100,01 is a cent too much.
    with pytest.raises(ValidationFailed) as caught, ledger.deferred():
        book(a, K.DISBURSE, 50_00)
        book(b, K.DISBURSE, 60_00)
        book(b, K.DISBURSE, 40_01)
    assert not isinstance(caught.value, CeilingReached)
    assert caught.value.fields == {"amount": ["De regel Regel B laat deze boeking niet toe."]}
    assert (paid_row(a), paid_row(b)) == ((0, 0), (0, 0))
    assert (a.disbursed_cents, b.disbursed_cents) == (0, 0)
    assert [row[2] for row in stored_entries()] == [K.COMMIT, K.COMMIT]


def test_known_balances_are_read_once_and_follow_every_booking_of_the_session(
        lines, applications, book):
    a, b = lines
    first, second = applications
    book(a, K.COMMIT, 300_00, first)
    book(b, K.COMMIT, 100_00, first)
    book(a, K.DISBURSE, 50_00, first)
    book(a, K.COMMIT, 40_00, second)
    loaded(first, second, a, b)
    with ledger.balances_known(sa.select(Application.id).where(Application.id == first.id)):
        answers = []
        assert statements_of(lambda: answers.extend([
            application_balance(first.id, a.id), application_balance(first.id, b.id),
            application_balance(first.id)]))[0] == []
        assert answers == [Balance(committed=300_00, disbursed=50_00),
                           Balance(committed=100_00),
                           Balance(committed=400_00, disbursed=50_00)]
        book(a, K.RELEASE, 20_00, first, bucket=COMMITTED)
        book(a, K.RECOVER, 10_00, first)
        with ledger.deferred():
            book(a, K.DISBURSE, 30_00, first)
            book(b, K.RESERVE, 25_00, first)
            book(b, K.COMMIT, 5_00, first)
            # Gathered, not booked, and known all the same: 280,00 committed on A, 50,00 +
            # 30,00 paid, 10,00 recovered; B 25,00 reserved and 105,00 committed.
            assert paid_row(a) == (50_00, 10_00)
            assert application_balance(first.id, a.id) == Balance(
                committed=280_00, disbursed=80_00, recovered=10_00)
            assert application_balance(first.id, b.id) == Balance(reserved=25_00,
                                                                  committed=105_00)
            assert paid_row(a) == (50_00, 10_00)
            # An application the block did not read comes from the ledger (booking first).
            assert application_balance(second.id) == Balance(committed=40_00)
            assert paid_row(a) == (80_00, 10_00)
        with ledger.balances_known(sa.select(Application.id).where(Application.id == second.id)):
            # Within a block, another keeps the outer one's applications.
            assert application_balance(first.id, b.id) == Balance(reserved=25_00,
                                                                  committed=105_00)
    assert ledger.KNOWN not in db.session.info
    # The ledger itself agrees with what was known.
    assert application_balance(first.id, a.id) == Balance(committed=280_00, disbursed=80_00,
                                                          recovered=10_00)
    assert application_balance(first.id, b.id) == Balance(reserved=25_00, committed=105_00)


def test_an_application_without_entries_is_known_to_hold_nothing(lines, applications, book):
    a, _ = lines
    first, second = applications
    book(a, K.COMMIT, 70_00, second)
    loaded(first, second, a)
    with ledger.balances_known(sa.select(Application.id)):
        assert statements_of(lambda: application_balance(first.id))[0] == []
        assert application_balance(first.id) == Balance()
        assert application_balance(second.id, a.id) == Balance(committed=70_00)
        # Paying it more than it holds is refused all the same.
        error = refused(lambda: book(a, K.DISBURSE, 1, first))
        assert error.message == "Er kan nog €\xa00,00 worden betaald; gevraagd is €\xa00,01."
        # Its first booking is known at once: 30,00 committed on A, then 12,50 of it paid.
        book(a, K.COMMIT, 30_00, first)
        book(a, K.DISBURSE, 12_50, first)
        assert application_balance(first.id, a.id) == Balance(committed=30_00,
                                                               disbursed=12_50)
        assert application_balance(first.id) == Balance(committed=30_00, disbursed=12_50)


def test_a_failed_block_forgets_what_it_knew(lines, applications, book):
    a, _ = lines
    application, _ = applications
    book(a, K.COMMIT, 10_00, application)
    with pytest.raises(RuntimeError), ledger.balances_known(sa.select(Application.id)):
        raise RuntimeError("a payment failed")
    assert ledger.KNOWN not in db.session.info
