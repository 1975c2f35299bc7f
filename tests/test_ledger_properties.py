"""Random sequences of ledger operations keep the budget identities (shared/domain.md §6).

A hypothesis state machine books reservations, commitments, releases, payments and recoveries
(through ``grants.budget.ledger.post``) and amends ceilings (``amend_ceiling``) on two small
budget lines, for three applications and for manual bookings, with random small amounts: zero,
negative, exactly at the limit, one cent either side of it, and anything in between. Each
operation either succeeds or is refused with a ``GrantsError``; a simple model in pure Python
says which, and a refusal must change nothing. After every step the invariants are checked
against the rows themselves: remaining = ceiling − reserved − committed ≥ 0, every balance on
a line is the sum of its ledger entries, and for every application paid ≤ committed.

Every example works inside a savepoint of the test's own transaction and rolls it back at the
end, so examples start alike and leave nothing behind.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from grants.budget import ledger
from grants.budget.ledger import CeilingReached
from grants.errors import GrantsError
from grants.extensions import db
from grants.models import (
    Application,
    Bucket,
    Budget,
    BudgetLine,
    CeilingAmendment,
    EntryKind,
    LedgerEntry,
    Ministry,
)
from grants.money import format_eur
from grants.services.schemes import amend_ceiling
from tests.factories import ApplicationFactory

K = EntryKind
BUDGET_CEILING = 2_000_00
LINE_CEILINGS = (1_000_00, 500_00)
APPLICATIONS = 3
NOW = datetime(2014, 4, 1, 8, tzinfo=UTC)

BALANCES = ("reserved", "committed", "disbursed", "recovered")


# -- the model --------------------------------------------------------------------------------

@dataclass
class Held:
    """Balances of one holder (a line, or an application on a line), as the model sees them."""

    reserved: int = 0
    committed: int = 0
    disbursed: int = 0
    recovered: int = 0

    @property
    def paid(self) -> int:
        return self.disbursed - self.recovered

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.reserved, self.committed, self.disbursed, self.recovered)


@dataclass
class ModelLine:
    ceiling: int
    balance: Held = field(default_factory=Held)
    # Per application index; None is what was booked by hand.
    holders: dict[int | None, Held] = field(default_factory=dict)
    amendments: int = 0

    @property
    def remaining(self) -> int:
        return self.ceiling - self.balance.reserved - self.balance.committed

    def holder(self, who: int | None) -> Held:
        return self.holders.setdefault(who, Held())


def room(line: ModelLine, who: int | None, kind: EntryKind, bucket: Bucket | None) -> int:
    """The largest amount the operation may book without breaking an identity."""
    total, held = line.balance, line.holder(who)
    if kind in (K.RESERVE, K.COMMIT):
        return line.remaining
    if kind == K.RELEASE and bucket == Bucket.RESERVED:
        limits = [total.reserved, held.reserved]
    elif kind in (K.RELEASE, K.DISBURSE):  # what is committed and not yet paid
        limits = [total.committed - total.paid, held.committed - held.paid]
    else:  # recover: at most what was paid
        limits = [total.paid, held.paid]
    # A manual booking answers to the line only: no application holds it.
    return limits[0] if who is None else min(limits)


def book(line: ModelLine, who: int | None, kind: EntryKind, bucket: Bucket | None,
         amount: int) -> None:
    for held in (line.balance, line.holder(who)):
        if kind == K.RESERVE:
            held.reserved += amount
        elif kind == K.COMMIT:
            held.committed += amount
        elif kind == K.RELEASE and bucket == Bucket.RESERVED:
            held.reserved -= amount
        elif kind == K.RELEASE:
            held.committed -= amount
        elif kind == K.DISBURSE:
            held.disbursed += amount
        else:
            held.recovered += amount


# -- the strategies ---------------------------------------------------------------------------

# An amount is a plain number of cents (small, zero or negative included), or relative to the
# most the operation may book: exactly that, one cent either side of it, or a part of it.
amounts = st.one_of(
    st.sampled_from([0, -1, 1, -100_00]),
    st.integers(min_value=-200_00, max_value=1_200_00),
    st.tuples(st.just("limit"), st.integers(min_value=-1, max_value=1)),
    st.tuples(st.just("part"), st.integers(min_value=1, max_value=4)),
)
# What an operation is: its kind and, for a release, the bucket it gives back.
OPERATIONS = [(K.RESERVE, None), (K.COMMIT, None), (K.RELEASE, Bucket.RESERVED),
              (K.RELEASE, Bucket.COMMITTED), (K.DISBURSE, None), (K.RECOVER, None)]
# Which line, and for whom: an application (its index) or by hand (None).
HOLDERS = [(line, who) for line in range(len(LINE_CEILINGS))
           for who in (None, *range(APPLICATIONS))]
ceilings = st.one_of(
    st.integers(min_value=-100, max_value=BUDGET_CEILING + 100),
    st.tuples(st.sampled_from(["used", "budget"]), st.integers(min_value=-1, max_value=1)),
)

reasons = st.sampled_from(["Herziening van het plafond.", "Herziening", "", "   "])


def signed_sums():
    """Per line and per (line, application): the balances recomputed from the entries."""
    rows = db.session.execute(
        sa.select(LedgerEntry.line_id, LedgerEntry.application_id, LedgerEntry.kind,
                  LedgerEntry.bucket, sa.func.sum(LedgerEntry.amount_cents),
                  sa.func.count())
        .group_by(LedgerEntry.line_id, LedgerEntry.application_id, LedgerEntry.kind,
                  LedgerEntry.bucket)).all()
    sums: dict[tuple, dict[str, int]] = {}
    for line_id, application_id, kind, bucket, total, _count in rows:
        target = {K.RESERVE: "reserved", K.COMMIT: "committed", K.DISBURSE: "disbursed",
                  K.RECOVER: "recovered"}.get(K(kind)) or Bucket(bucket).value
        sign = -1 if K(kind) == K.RELEASE else 1
        for key in ((line_id,), (line_id, application_id)):
            balance = sums.setdefault(key, dict.fromkeys(BALANCES, 0))
            balance[target] += sign * total
    return sums


class LedgerMachine(RuleBasedStateMachine):
    """One example: a fresh budget with two lines inside a savepoint, rolled back at the end."""

    # Set by the test: its transaction's connection, the applications, the seed's amendments.
    connection = None
    application_ids: list[int] = []
    base_amendments = 0

    def __init__(self):
        super().__init__()
        db.session.remove()
        self.savepoint = self.connection.begin_nested()
        self.now = NOW
        budget = Budget(code="eigen", name="Eigen budget", ministry=Ministry.OCW,
                        ceiling_cents=BUDGET_CEILING, starts_on=date(2014, 1, 1),
                        ends_on=date(2015, 12, 31), scheme_id=None)
        db.session.add(budget)
        self.lines = [BudgetLine(budget=budget, code=f"regel-{n}", name=f"Regel {n}",
                                 ceiling_cents=cents)
                      for n, cents in enumerate(LINE_CEILINGS)]
        db.session.add_all(self.lines)
        db.session.flush()
        self.line_ids = [line.id for line in self.lines]
        self.applications = [db.session.get(Application, id_) for id_ in self.application_ids]
        self.model = [ModelLine(ceiling=cents) for cents in LINE_CEILINGS]
        self.entries = 0
        self.state = self._snapshot()

    def teardown(self):
        db.session.remove()
        self.savepoint.rollback()

    # -- operations ---------------------------------------------------------------------------

    def _tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def _attempt(self, action, expect_success: bool, describe: str):
        """Run ``action`` in a savepoint; a refusal must be a GrantsError and change nothing,
        already before the savepoint is rolled back (as the API would roll back its request)."""
        before = self.state  # as the invariants saw it after the previous step
        nested = db.session.begin_nested()
        try:
            result = action()
        except GrantsError as error:
            assert not expect_success, f"refused, the model allowed it: {describe}: {error}"
            assert self._snapshot() == before, f"a refusal changed something: {describe}"
            nested.rollback()
            assert self._snapshot() == before
            return error
        nested.commit()
        assert expect_success, f"booked, the model refused it: {describe}"
        return result

    def _snapshot(self):
        """The lines' balances, and how many entries and amendments there are: one query."""
        entries = sa.select(sa.func.count()).select_from(LedgerEntry).scalar_subquery()
        amendments = sa.select(sa.func.count()).select_from(CeilingAmendment).scalar_subquery()
        rows = db.session.execute(
            sa.select(BudgetLine.id, BudgetLine.ceiling_cents, BudgetLine.reserved_cents,
                      BudgetLine.committed_cents, BudgetLine.disbursed_cents,
                      BudgetLine.recovered_cents, entries, amendments)
            .where(BudgetLine.id.in_(self.line_ids)).order_by(BudgetLine.id)).all()
        return [tuple(row) for row in rows]

    # One rule that draws the operation: separate rules would be switched off at random per
    # example (hypothesis's swarm testing), and payments are seldom possible without commitments.
    @rule(operation=st.sampled_from([*OPERATIONS, "amend"]), data=st.data())
    def step(self, operation, data):
        if operation == "amend":
            self.amend(data.draw(ceilings, label="ceiling"), data.draw(reasons, label="reason"),
                       data.draw(st.integers(0, len(LINE_CEILINGS) - 1), label="line"))
        else:
            self.post(data, *operation, data.draw(amounts, label="amount"))

    def post(self, data, kind, bucket, amount):
        # Any line and holder, or (as often) one that has something to release, pay or
        # recover: a random pick mostly has not.
        useful = [(line, who) for line, who in HOLDERS
                  if room(self.model[line], who, kind, bucket) > 0]
        line, who = data.draw(st.one_of(st.sampled_from(HOLDERS), st.sampled_from(useful))
                              if useful else st.sampled_from(HOLDERS), label="line, holder")
        model = self.model[line]
        limit = room(model, who, kind, bucket)
        if isinstance(amount, tuple):
            how, number = amount
            amount = limit + number if how == "limit" else limit // (number + 1)
        allowed = 0 < amount <= limit
        describe = (f"{kind.value}{f' {bucket.value}' if bucket else ''} {amount} on line "
                    f"{line} for {'manual' if who is None else f'application {who}'}")
        application = None if who is None else self.applications[who]
        outcome = self._attempt(
            lambda: ledger.post(self.lines[line], kind, amount, actor=None, now=self._tick(),
                                cause="manual" if who is None else "test",
                                application=application, bucket=bucket, reason="Eigenschap"),
            allowed, describe)
        event(f"{kind.value}{f' {bucket.value}' if bucket else ''}: "
              f"{'booked' if allowed else 'refused'}")
        if not allowed:
            assert outcome.status == 422 and outcome.code == "validation_failed"
            if kind in (K.RESERVE, K.COMMIT) and amount > 0:
                assert isinstance(outcome, CeilingReached)
                assert outcome.remaining_cents == model.remaining
                assert outcome.message == (f"Subsidieplafond bereikt: "
                                           f"{format_eur(model.remaining)} resterend.")
            return
        entry = outcome
        assert (entry.kind, entry.bucket, entry.amount_cents, entry.line_id) == (
            kind, bucket, amount, self.line_ids[line])
        assert entry.application_id == (None if application is None else application.id)
        book(model, who, kind, bucket, amount)
        self.entries += 1
        if application is not None:
            # What the workflow reads (application_balance) is what was booked, on the line
            # and over both lines.
            expected = model.holder(who)
            assert ledger.application_balance(application.id, self.line_ids[line]) == \
                ledger.Balance(*expected.as_tuple())
            assert ledger.application_balance(application.id) == ledger.Balance(*(
                sum(getattr(m.holder(who), name) for m in self.model) for name in BALANCES))

    def amend(self, ceiling, reason, line):
        model = self.model[line]
        used = model.balance.reserved + model.balance.committed
        others = sum(m.ceiling for n, m in enumerate(self.model) if n != line)
        if isinstance(ceiling, tuple):
            base, delta = ceiling
            ceiling = (used if base == "used" else BUDGET_CEILING - others) + delta
        allowed = (bool(reason.strip()) and ceiling >= 0 and ceiling >= used
                   and others + ceiling <= BUDGET_CEILING)
        outcome = self._attempt(
            lambda: amend_ceiling(self.lines[line], ceiling, reason=reason,
                                  effective_on=self.now.date(), now=self._tick(), user=None),
            allowed, f"amend line {line} to {ceiling} with reason {reason!r}")
        event(f"amend: {'done' if allowed else 'refused'}")
        if allowed:
            assert (outcome.old_ceiling_cents, outcome.new_ceiling_cents) == (
                model.ceiling, ceiling)
            model.ceiling = ceiling
            model.amendments += 1

    # -- invariants, after every step ---------------------------------------------------------

    @invariant()
    def identities_hold(self):
        self.state = self._snapshot()
        sums = signed_sums()
        zero = dict.fromkeys(BALANCES, 0)
        for (line_id, ceiling, *balances, _entries, _amendments), model in zip(
                self.state, self.model, strict=True):
            reserved, committed, disbursed, recovered = balances
            # remaining = ceiling − reserved − committed, never negative; nothing negative.
            assert ceiling - reserved - committed >= 0
            assert min(ceiling, *balances) >= 0
            # What is paid stays within what is committed; no more recovered than paid out.
            assert recovered <= disbursed
            assert disbursed - recovered <= committed
            # The maintained balances are the sums of the line's entries.
            assert dict(zip(BALANCES, balances, strict=True)) == sums.get((line_id,), zero)
            # And the model agrees.
            assert ceiling == model.ceiling
            assert tuple(balances) == model.balance.as_tuple()
            # Every application on this line: paid ≤ committed, nothing negative, as modelled.
            for who, application in enumerate(self.applications):
                held = Held(**sums.get((line_id, application.id), zero))
                assert held.reserved >= 0 and held.committed >= 0
                assert 0 <= held.recovered <= held.disbursed
                assert held.paid <= held.committed
                assert held == model.holder(who)
            # What was booked by hand, too.
            assert Held(**sums.get((line_id, None), zero)) == model.holder(None)
        # Every application over both lines, recomputed from the entries.
        for application in self.applications:
            total = Held(*(sum(sums.get((line_id, application.id), zero)[name]
                               for line_id in self.line_ids) for name in BALANCES))
            assert min(total.reserved, total.committed, total.recovered) >= 0
            assert total.recovered <= total.disbursed
            assert total.paid <= total.committed
        # Every cent moved is an entry; every amendment is kept.
        *_, entries, amendments = self.state[0]
        assert entries == self.entries
        assert amendments == sum(m.amendments for m in self.model) + self.base_amendments


@pytest.fixture
def applications(schemes):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    return [ApplicationFactory(window=window) for _ in range(APPLICATIONS)]


def test_random_ledger_operations_keep_the_identities(transaction, applications):
    LedgerMachine.connection = transaction
    LedgerMachine.application_ids = [application.id for application in applications]
    LedgerMachine.base_amendments = db.session.scalar(
        sa.select(sa.func.count()).select_from(CeilingAmendment))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=100, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
