"""The finance pages' commitment series, summed per day by the database (issue 16), gives the
very figures of reading the whole ledger entry by entry, as it was done before: a fixed ledger
over two changes of summer time, with entries around Amsterdam's midnight, on several lines of
one budget and on another budget."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from grants.budget.charts import (
    Point,
    budget_chart,
    budget_charts,
    commitment_series,
    commitment_series_of,
)
from grants.extensions import db
from grants.models import Bucket, Budget, BudgetLine, EntryKind, LedgerEntry, Ministry
from grants.timefmt import AMSTERDAM

K = EntryKind


def entry_by_entry(budget_id: int) -> list[Point]:
    """commitment_series as it was before issue 16: every entry read into Python."""
    entries = db.session.execute(
        sa.select(LedgerEntry.at, LedgerEntry.kind, LedgerEntry.bucket, LedgerEntry.amount_cents)
        .join(BudgetLine, BudgetLine.id == LedgerEntry.line_id)
        .where(BudgetLine.budget_id == budget_id,
               LedgerEntry.kind.in_((K.RESERVE, K.COMMIT, K.RELEASE)))
        .order_by(LedgerEntry.at, LedgerEntry.id))
    points: list[Point] = []
    reserved = committed = 0
    for at, kind, bucket, amount in entries:
        if kind == K.RESERVE:
            reserved += amount
        elif kind == K.COMMIT:
            committed += amount
        elif bucket == Bucket.RESERVED:
            reserved -= amount
        else:
            committed -= amount
        point = Point(at.astimezone(AMSTERDAM).date(), reserved, committed)
        if points and points[-1].day == point.day:
            points[-1] = point
        else:
            points.append(point)
    return points


def fixed_ledger(budget: Budget, lines: list[BudgetLine], other: BudgetLine,
                 together: bool = False) -> None:
    rng = random.Random(16)
    start = datetime(2014, 3, 20, tzinfo=UTC)
    rows = []
    for number in range(600):
        # Within 40 minutes either side of a UTC midnight or of 22:00/23:00 UTC (Amsterdam's
        # midnight in summer and in winter), or anywhere in the day.
        day = start + timedelta(days=rng.randrange(0, 230))
        moment = day + rng.choice([timedelta(hours=22), timedelta(hours=23), timedelta(0),
                                   timedelta(hours=rng.randrange(24))]) \
            + timedelta(minutes=rng.randrange(-40, 40), microseconds=rng.randrange(10**6))
        kind = rng.choice([K.RESERVE, K.COMMIT, K.RELEASE, K.RELEASE, K.DISBURSE, K.RECOVER])
        rows.append({
            "line_id": other.id if number % 7 == 0 else rng.choice(lines).id,
            "kind": kind, "amount_cents": rng.randrange(1, 10_000_00),
            "bucket": rng.choice([Bucket.RESERVED, Bucket.COMMITTED])
            if kind == K.RELEASE else None,
            "at": moment, "cause": "manual", "reason": "", "application_id": None,
            "actor_id": None})
    if together:
        # One statement for all, as the ledger books a run (grants.budget.ledger): the day
        # totals then take every line and day of the statement at once.
        db.session.execute(sa.insert(LedgerEntry.__table__).values(rows))
    else:
        db.session.execute(sa.insert(LedgerEntry), rows)
    db.session.flush()


@pytest.mark.parametrize("together", [False, True], ids=["a statement each", "one statement"])
def test_the_series_summed_by_the_database_is_the_series_read_entry_by_entry(app, schemes,
                                                                            together):
    budget = Budget(code="vast", name="Vast grootboek", ministry=Ministry.OCW,
                    ceiling_cents=10**12, starts_on=date(2014, 1, 1),
                    ends_on=date(2014, 12, 31), scheme_id=None)
    lines = [BudgetLine(budget=budget, code=f"v{n}", name=f"Regel {n}", ceiling_cents=10**11)
             for n in range(3)]
    other_budget = Budget(code="ander", name="Ander budget", ministry=Ministry.OCW,
                          ceiling_cents=10**12, starts_on=date(2014, 1, 1),
                          ends_on=date(2014, 12, 31), scheme_id=None)
    other = BudgetLine(budget=other_budget, code="a1", name="Andere regel", ceiling_cents=10**11)
    db.session.add_all([budget, *lines, other_budget, other])
    db.session.flush()
    fixed_ledger(budget, lines, other, together)

    series = commitment_series(budget.id)
    assert series == entry_by_entry(budget.id)
    assert commitment_series(other_budget.id) == entry_by_entry(other_budget.id)
    # Both changes of summer time lie inside, and many days have bookings.
    assert series[0].day < date(2014, 3, 30) and series[-1].day > date(2014, 10, 26)
    assert len(series) > 150
    # The chart's table shows these figures.
    with app.test_request_context():
        chart = budget_chart(budget, date(2014, 12, 1))
    assert [(row.day, row.reserved, row.committed) for row in chart.rows] == [
        (point.day, point.reserved, point.committed) for point in series]

    # The dashboard reads every budget's series in one query: the same series each, and no
    # chart for a budget with nothing booked.
    empty_budget = Budget(code="leeg", name="Leeg budget", ministry=Ministry.OCW,
                          ceiling_cents=10**12, starts_on=date(2014, 1, 1),
                          ends_on=date(2014, 12, 31), scheme_id=None)
    db.session.add(empty_budget)
    db.session.flush()
    assert commitment_series_of([budget.id, other_budget.id, empty_budget.id]) == {
        budget.id: series, other_budget.id: entry_by_entry(other_budget.id)}
    with app.test_request_context():
        charts = budget_charts([budget, other_budget, empty_budget], date(2014, 12, 1),
                               id_prefix="overzicht")
    assert charts[empty_budget.id] is None
    assert charts[budget.id].rows == chart.rows
    assert f'id="overzicht-{budget.id}-title"' in charts[budget.id].svg
    assert [row.day for row in charts[other_budget.id].rows] == [
        point.day for point in entry_by_entry(other_budget.id)]


def test_an_entry_a_microsecond_before_amsterdam_midnight_stays_on_its_day(schemes):
    budget = Budget(code="rand", name="Randgeval", ministry=Ministry.OCW, ceiling_cents=1000_00,
                    starts_on=date(2014, 1, 1), ends_on=date(2014, 12, 31), scheme_id=None)
    line = BudgetLine(budget=budget, code="r1", name="Regel", ceiling_cents=1000_00)
    db.session.add_all([budget, line])
    db.session.flush()
    summer = datetime(2014, 6, 30, 21, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999999 in A'dam
    winter = datetime(2014, 11, 30, 23, 0, tzinfo=UTC)  # 1 December 00:00 in Amsterdam
    db.session.execute(sa.insert(LedgerEntry), [
        {"line_id": line.id, "kind": K.COMMIT, "amount_cents": 10_00, "at": summer,
         "cause": "manual", "reason": ""},
        {"line_id": line.id, "kind": K.RESERVE, "amount_cents": 3_00,
         "at": summer + timedelta(microseconds=1), "cause": "manual", "reason": ""},
        {"line_id": line.id, "kind": K.RELEASE, "bucket": Bucket.COMMITTED, "amount_cents": 4_00,
         "at": winter - timedelta(microseconds=1), "cause": "manual", "reason": ""},
        {"line_id": line.id, "kind": K.RELEASE, "bucket": Bucket.RESERVED, "amount_cents": 1_00,
         "at": winter, "cause": "manual", "reason": ""},
    ])
    assert commitment_series(budget.id) == [
        Point(date(2014, 6, 30), reserved=0, committed=10_00),
        Point(date(2014, 7, 1), reserved=3_00, committed=10_00),
        Point(date(2014, 11, 30), reserved=3_00, committed=6_00),
        Point(date(2014, 12, 1), reserved=2_00, committed=6_00),
    ]
