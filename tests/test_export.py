"""`flask grants export --sqlite FILE`: the analysis database for Datasette."""

import re

import pytest
import sqlalchemy as sa
import sqlite_utils

from grants.exports import export_sqlite
from grants.extensions import db
from grants.models import Application, AuditEvent, BudgetLine, LedgerEntry
from tests.workflows.scenarios import PARTLY

TABLES = {"applications", "decisions", "audit_events", "ledger", "budgets", "budget_lines"}


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def approved(world, clock):
    """A sector plan granted € 450.000,00 with an advance of € 360.000,00 paid, and a draft."""
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    clock.advance(days=2)
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": "positive", "reasoning": "Past bij de regeling."}))
    clock.advance(days=7)
    ok(world.approver.fire(number, "approve", {"amount": "450000.00", **PARTLY}))
    ok(world.finance.fire(number, "pay_advance", {"amount": "360000.00"}))
    ok(world.applicant.create(world.sectorplan(title="Scholingsfonds installatietechniek")), 201)
    return number


def export(app, path, *extra):
    return app.test_cli_runner().invoke(args=["grants", "export", "--sqlite", str(path),
                                              *extra])


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_export_has_every_table_with_the_rows_of_the_source(app, approved, tmp_path):
    path = tmp_path / "grants.db"
    result = export(app, path)
    assert result.exit_code == 0, result.output
    out = sqlite_utils.Database(path)
    assert set(out.table_names()) >= TABLES
    assert out["applications"].count == count(Application) == 2
    assert out["audit_events"].count == count(AuditEvent)
    assert out["ledger"].count == count(LedgerEntry) == 2
    assert out["budget_lines"].count == count(BudgetLine)
    assert [r["trigger"] for r in out["audit_events"].rows_where(order_by="id")] == [
        "submit", "start_assessment", "record_assessment", "approve", "pay_advance"]
    assert re.search(r"^applications +2 rijen$", result.output, re.M)

    # The links Datasette follows, and the indexes on the codes.
    assert {(fk.column, fk.other_table) for fk in out["ledger"].foreign_keys} == {
        ("line_id", "budget_lines"), ("application_id", "applications")}
    assert ("application_id", "applications") in {
        (fk.column, fk.other_table) for fk in out["decisions"].foreign_keys}
    assert any(index.columns == ["reference"] and index.unique
               for index in out["applications"].indexes)
    assert out["applications"].pks == ["id"]


def test_money_is_exact_integer_cents(app, approved, tmp_path):
    path = tmp_path / "grants.db"
    assert export(app, path).exit_code == 0
    out = sqlite_utils.Database(path)
    row = out["applications"].get(approved)
    assert row["reference"] == "SP-T2-00001"
    assert (row["requested_cents"], row["granted_cents"], row["committed_cents"],
            row["paid_cents"], row["reserved_cents"]) == (
        50_016_666, 45_000_000, 45_000_000, 36_000_000, 0)
    assert row["settled_cents"] is None
    assert (row["scheme_code"], row["window_code"], row["organisation_name"],
            row["state"]) == ("sectorplan", "T2", "Metaalwerkgevers", "monitored")
    assert row["submitted_at"] == "2014-04-01T07:00:00+00:00"
    assert row["decision_due_on"] == "2014-09-01"  # Saturday 30 August moved to Monday
    # Stored as INTEGER, never REAL: SQLite keeps the type per value.
    types = out.execute("SELECT DISTINCT typeof(amount_cents) FROM ledger").fetchall()
    assert types == [("integer",)]
    assert out["applications"].columns_dict["granted_cents"] is int
    assert [(e["kind"], e["amount_cents"], e["line_code"], e["application_reference"],
             e["actor"], e["cause"]) for e in out["ledger"].rows_where(order_by="id")] == [
        ("commit", 45_000_000, "T2", "SP-T2-00001", "approver", "approve"),
        ("disburse", 36_000_000, "T2", "SP-T2-00001", "finance", "pay_advance")]

    line = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == "T2")).one()
    exported = next(out["budget_lines"].rows_where("id = ?", [line.id]))
    assert (exported["ceiling_cents"], exported["committed_cents"],
            exported["disbursed_cents"], exported["remaining_cents"]) == (
        line.ceiling_cents, line.committed_cents, 36_000_000, line.remaining_cents)
    assert exported["committed_cents"] >= 45_000_000


def test_the_decision_row_carries_the_amount(app, approved, tmp_path):
    path = tmp_path / "grants.db"
    assert export(app, path).exit_code == 0
    [decision] = list(sqlite_utils.Database(path)["decisions"].rows)
    assert decision["trigger"] == "approve"
    assert decision["reference"] == "SP-T2-00001"
    assert (decision["from_state"], decision["to_state"]) == ("assessed", "approved")
    assert decision["actor"] == "approver"
    assert decision["amount_cents"] == 45_000_000
    assert decision["at"] == "2014-04-10T07:00:00+00:00"


def test_full_text_search_finds_an_application_by_a_word_of_its_title(app, approved, tmp_path):
    path = tmp_path / "grants.db"
    assert export(app, path).exit_code == 0
    applications = sqlite_utils.Database(path)["applications"]
    assert [row["reference"] for row in applications.search("installatietechniek")] == [
        "SP-T2-00002"]
    assert [row["reference"] for row in applications.search("metaal")] == ["SP-T2-00001"]
    assert list(applications.search("fietsenmaker")) == []


def test_an_existing_file_is_kept_unless_replace_is_given(app, approved, tmp_path):
    path = tmp_path / "grants.db"
    path.write_bytes(b"not to be lost")
    refused = export(app, path)
    assert refused.exit_code == 1
    assert "bestaat al" in refused.stderr and "--replace" in refused.stderr
    assert path.read_bytes() == b"not to be lost"
    assert [p.name for p in tmp_path.iterdir()] == ["grants.db"]

    replaced = export(app, path, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert sqlite_utils.Database(path)["applications"].count == 2
    assert [p.name for p in tmp_path.iterdir()] == ["grants.db"]


def test_long_tables_stream_in_batches_and_report_progress(app, approved, tmp_path):
    seen = []

    class Bar:
        def __init__(self, label, length):
            self.label, self.length, self.done = label, length, 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            seen.append((self.label, self.length, self.done))

        def update(self, n):
            self.done += n

    result = export_sqlite(tmp_path / "grants.db", progress=Bar, batch_size=1)
    assert result.counts["audit_events"] == 5
    assert ("audit_events", 5, 5) in seen
    assert ("ledger", 2, 2) in seen
    assert ("decisions", 1, 1) in seen
