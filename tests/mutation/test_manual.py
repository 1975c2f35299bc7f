"""Bookings by hand (grants/budget/manual.py), rule by rule, with hand-computed figures (issue 19;
bench/mutation.py --module grants/budget/manual.py).

Rules (shared/domain.md §6 and the budgets of the introduction): the budgets without an applicant
workflow (bèta teachers, pabo's) need budget lines and commitments, booked by finance; every cent
moved is a ledger entry with who, when and why; a window's line moves only through its
applications' decisions. A refusal changes nothing and names each field that is wrong (house
rules; api.md: 403 when the role forbids it, 404 for what does not exist).

The fixture's budget "Bèta-docenten" has one line without a window, Regel bèta, with a ceiling of
€ 1.000,00.

Equivalent mutants: none known.
"""

from datetime import date

import pytest
import sqlalchemy as sa

from grants.budget.manual import book_by_hand, manual_line
from grants.errors import Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import Bucket, Budget, BudgetLine, EntryKind, LedgerEntry, Ministry, Role
from tests.factories import UserFactory

K = EntryKind


@pytest.fixture
def beta():
    budget = Budget(code="beta-mutatie", name="Bèta-docenten", ministry=Ministry.OCW,
                    ceiling_cents=1_000_00, starts_on=date(2013, 1, 1), ends_on=date(2016, 12, 31),
                    scheme_id=None)
    line = BudgetLine(budget=budget, code="beta", name="Regel bèta", ceiling_cents=1_000_00)
    db.session.add_all([budget, line])
    db.session.flush()
    return line


@pytest.fixture
def finance():
    return UserFactory(role=Role.FINANCE)


def balances(line) -> tuple[int, int, int, int]:
    db.session.refresh(line)
    return (line.reserved_cents, line.committed_cents, line.disbursed_cents,
            line.recovered_cents)


def entries() -> list[tuple]:
    return list(db.session.execute(
        sa.select(LedgerEntry.line_id, LedgerEntry.kind, LedgerEntry.bucket,
                  LedgerEntry.amount_cents, LedgerEntry.actor_id, LedgerEntry.at,
                  LedgerEntry.cause, LedgerEntry.reason, LedgerEntry.application_id)
        .order_by(LedgerEntry.id)))


def refused(action, error=ValidationFailed):
    """The refusal, after checking that nothing was booked."""
    before = entries()
    with pytest.raises(error) as caught:
        action()
    assert entries() == before
    return caught.value


def test_finance_commits_by_hand_and_the_entry_says_who_when_why_and_how_much(
        beta, finance, clock):
    entry = book_by_hand(beta.id, K.COMMIT, 400_00, reason="  Regeling zij-instromers  ",
                         actor=finance, now=clock())
    assert isinstance(entry, LedgerEntry)
    # The reason is kept without the blanks around it; the cause says it was booked by hand.
    assert entries() == [(beta.id, K.COMMIT, None, 400_00, finance.id, clock(), "manual",
                          "Regeling zij-instromers", None)]
    # € 1.000,00 − € 400,00 committed leaves € 600,00.
    assert balances(beta) == (0, 400_00, 0, 0)
    assert beta.remaining_cents == 600_00


def test_a_bucket_given_with_anything_but_a_release_is_ignored(beta, finance, clock):
    book_by_hand(beta.id, K.RESERVE, 300_00, reason="Reservering", actor=finance, now=clock(),
                 bucket=Bucket.RESERVED)
    book_by_hand(beta.id, K.COMMIT, 200_00, reason="Verplichting", actor=finance, now=clock(),
                 bucket=Bucket.COMMITTED)
    assert [(kind, bucket) for _, kind, bucket, *_ in entries()] == [
        (K.RESERVE, None), (K.COMMIT, None)]
    assert balances(beta) == (300_00, 200_00, 0, 0)


def test_a_release_gives_back_the_bucket_it_names(beta, finance, clock):
    book_by_hand(beta.id, K.RESERVE, 300_00, reason="r", actor=finance, now=clock())
    book_by_hand(beta.id, K.COMMIT, 500_00, reason="c", actor=finance, now=clock())
    book_by_hand(beta.id, K.RELEASE, 100_00, reason="Minder instromers", actor=finance,
                 now=clock(), bucket=Bucket.COMMITTED)
    book_by_hand(beta.id, K.RELEASE, 50_00, reason="Vervallen", actor=finance, now=clock(),
                 bucket=Bucket.RESERVED)
    assert [(kind, bucket, cents) for _, kind, bucket, cents, *_ in entries()[2:]] == [
        (K.RELEASE, Bucket.COMMITTED, 100_00), (K.RELEASE, Bucket.RESERVED, 50_00)]
    # reserved 300 − 50 = 250, committed 500 − 100 = 400.
    assert balances(beta) == (250_00, 400_00, 0, 0)


def test_a_release_without_its_bucket_is_refused_naming_the_bucket(beta, finance, clock):
    book_by_hand(beta.id, K.COMMIT, 500_00, reason="c", actor=finance, now=clock())
    error = refused(lambda: book_by_hand(beta.id, K.RELEASE, 100_00, reason="Minder",
                                         actor=finance, now=clock()))
    assert error.message == "Er is niets geboekt."
    assert error.fields == {
        "bucket": ["Zeg of een reservering of een verplichting vrijvalt."]}
    assert balances(beta) == (0, 500_00, 0, 0)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_booking_by_hand_needs_a_reason(beta, finance, clock, reason):
    error = refused(lambda: book_by_hand(beta.id, K.COMMIT, 1_00, reason=reason,
                                         actor=finance, now=clock()))
    assert error.message == "Er is niets geboekt."
    assert error.fields == {"reason": ["Geef de reden van de boeking."]}
    assert balances(beta) == (0, 0, 0, 0)


def test_a_windows_line_moves_only_through_its_applications(schemes, finance, clock):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    line = window.line_for(None)
    error = refused(lambda: book_by_hand(line.id, K.COMMIT, 1_00, reason="Met de hand",
                                         actor=finance, now=clock()))
    assert error.message == "Er is niets geboekt."
    assert error.fields == {
        "line": [f"{line.name} wordt geboekt via de aanvragen, niet met de hand."]}


def test_every_fault_is_named_at_once(schemes, finance, clock):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    line = window.line_for(None)
    error = refused(lambda: book_by_hand(line.id, K.RELEASE, 1_00, reason=" ", actor=finance,
                                         now=clock()))
    assert error.fields == {
        "line": [f"{line.name} wordt geboekt via de aanvragen, niet met de hand."],
        "reason": ["Geef de reden van de boeking."],
        "bucket": ["Zeg of een reservering of een verplichting vrijvalt."]}


def test_only_finance_books_by_hand(beta, clock):
    for role in (Role.ADMIN, Role.APPROVER, Role.ASSESSOR, Role.APPLICANT):
        refused(lambda role=role: book_by_hand(
            beta.id, K.COMMIT, 1_00, reason="x", actor=UserFactory(role=role), now=clock()),
            Forbidden)
    assert balances(beta) == (0, 0, 0, 0)


def test_a_line_that_does_not_exist_is_not_found(beta, finance, clock):
    assert manual_line(beta.id) is beta
    missing = beta.id + 1000
    error = refused(lambda: book_by_hand(missing, K.COMMIT, 1_00, reason="x", actor=finance,
                                         now=clock()), NotFound)
    assert error.message == "Deze budgetregel bestaat niet."
    with pytest.raises(NotFound):
        manual_line(missing)


def test_the_ledger_still_guards_the_ceiling_of_a_line_booked_by_hand(beta, finance, clock):
    book_by_hand(beta.id, K.COMMIT, 1_000_00, reason="Alles", actor=finance, now=clock())
    # The ceiling of € 1.000,00 is reached: one cent more is refused.
    error = refused(lambda: book_by_hand(beta.id, K.RESERVE, 1, reason="Eén cent",
                                         actor=finance, now=clock()))
    assert error.fields == {"amount": [
        "Er is €\u00a00,00 over op Regel bèta; gevraagd is €\u00a00,01."]}
    assert balances(beta) == (0, 1_000_00, 0, 0)
