"""Backup and restore (issue 15): `flask grants backup` copies a database that is being written
to, `flask grants restore` puts the copy back on a fresh instance after checking it whole, and
a restore never lets a payment the bank already received be paid again.

The databases here are committed for real (like the race tests'): a source with grants,
ledger entries and an applicant who keeps creating drafts while the backup runs, and empty
targets, on SQLite files or as databases of their own next to GRANTS_DATABASE_URL's.
"""

import io
import json
import os
import sqlite3
import tarfile
import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    Bucket,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Organisation,
    PaymentRun,
    Role,
    User,
)
from grants.money import cents_to_api
from grants.schema import current_revisions, head_revisions
from grants.services.accounts import create_user
from grants.services.tokens import create_token
from tests.concurrency.conftest import NOW, PASSWORD, Race, _maintenance_engine, _populate
from tests.concurrency.workers import FixedClock
from tests.workflows.scenarios import PARTLY
from tests.workflows.test_fields_sectorplan import payload as sectorplan_payload

pytestmark = pytest.mark.no_db

EMPLOYERS_IBAN = "NL91ABNA0417164300"
# The plans' first two advances are due by then (18-month plans from 1 July 2014).
PAY_DAY = datetime(2015, 1, 2, 9, tzinfo=UTC)


def _postgres() -> str | None:
    url = os.environ.get("GRANTS_DATABASE_URL")
    return url if url and make_url(url).get_backend_name().startswith("postgres") else None


def _database(tmp_path_factory, suffix: str) -> str:
    """An empty database of its own: a new SQLite file or ``<configured>_<suffix>``."""
    configured = _postgres()
    if configured is None:
        return "sqlite:///" + str(tmp_path_factory.mktemp(suffix) / f"{suffix}.db")
    name = f"{make_url(configured).database}_{suffix}"
    admin = _maintenance_engine(configured)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return make_url(configured).set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    if not url.startswith("postgres"):
        return
    admin = _maintenance_engine(url)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def sepa_folder(tmp_path_factory):
    """The export folder: kept on the machine (or its own backup), shared by every instance
    here as it would be by the old and the new installation."""
    return tmp_path_factory.mktemp("sepa")


@pytest.fixture(scope="module")
def source(tmp_path_factory, sepa_folder):
    url = _database(tmp_path_factory, "bsrc")
    config = {"INSTANCE_PATH": str(tmp_path_factory.mktemp("bsrc-instance")),
              "DATABASE_URL": url, "TESTING": True, "CLOCK": FixedClock(NOW),
              "SEPA_EXPORT_DIR": str(sepa_folder)}
    app = create_app(config)
    try:
        race = Race(app=app, config=config)
        with app.app_context():
            _populate(race)
            finance = create_user(email="finance@example.nl", name="finance",
                                  roles={Role.FINANCE}, password=PASSWORD)
            race.tokens["finance"] = create_token(finance, NOW, label="backup")[1]
            db.session.get(Organisation, race.employers_id).iban = EMPLOYERS_IBAN
            db.session.commit()
            db.engine.dispose()
        # Two grants: commitments on the ledger, letters to be made.
        for amount in (450_000_00, 300_000_00):
            plan = race.application("assessed")
            race.trigger(plan["id"], "approve", "approver",
                         {"amount": cents_to_api(amount), **PARTLY})
        yield race
    finally:
        with app.app_context():
            db.engine.dispose()
        _drop(url)


@pytest.fixture
def target(tmp_path_factory, sepa_folder):
    """A fresh, empty instance to restore into."""
    url = _database(tmp_path_factory, "bdst")
    app = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("bdst-instance")),
                      "DATABASE_URL": url, "TESTING": True, "CLOCK": FixedClock(NOW),
                      "SEPA_EXPORT_DIR": str(sepa_folder)})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    _drop(url)


def cli(app, *args):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["grants", *args])
        db.session.remove()
        # Not under a writer's feet: a connection it has out would be left to the collector.
        if args[0] != "backup":
            db.engine.dispose()
    return result


def _draft(race: Race) -> None:
    body = {"scheme": "sectorplan", "window": "T2", "title": "Sectorplan tijdens de back-up",
            **sectorplan_payload(race.employers_id, race.employees_id)}
    response = race.api("POST", "/applications", race.tokens["applicant"], body)
    assert response.status_code == 201, response.get_json()


class Writer(threading.Thread):
    """An applicant creating drafts, one committed request after another, until stopped."""

    def __init__(self, race: Race):
        super().__init__(daemon=True)
        self.race, self.done, self.errors = race, 0, []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                _draft(self.race)
            except BaseException as error:  # noqa: BLE001  (reported by the test)
                self.errors.append(error)
                return
            self.done += 1

    def wait_for(self, count: int) -> None:
        while self.done < count and not self.errors and self.is_alive():
            self.stop.wait(0.01)


def _snapshot(app) -> dict:
    """What a consistent copy must reproduce, read in one go."""
    with app.app_context():
        applications = {a.id: (a.reference, a.state.value, a.title, a.organisation_id)
                        for a in db.session.scalars(sa.select(Application))}
        audit = {}
        for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)):
            audit.setdefault(event.application_id, []).append(
                (event.id, event.trigger, event.from_state, event.to_state))
        entries = [(e.id, e.line_id, e.application_id, e.kind.value, e.amount_cents)
                   for e in db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.id))]
        lines = {line.id: (line.ceiling_cents, line.reserved_cents, line.committed_cents,
                           line.disbursed_cents, line.recovered_cents)
                 for line in db.session.scalars(sa.select(BudgetLine))}
        users = sorted(db.session.scalars(sa.select(User.email)))
        runs = sorted(db.session.scalars(sa.select(PaymentRun.message_id)))
        db.session.remove()
    return {"applications": applications, "audit": audit, "entries": entries, "lines": lines,
            "users": users, "runs": runs}


def _balances_from_entries(entries) -> dict[int, list[int]]:
    """Each line's reserved, committed, disbursed and recovered, summed from its entries as
    the ledger books them (grants.budget.ledger)."""
    sums: dict[int, list[int]] = {}
    with_bucket = {}
    for entry in db.session.scalars(sa.select(LedgerEntry)):
        with_bucket[entry.id] = entry.bucket
    for entry_id, line_id, _application, kind, amount in entries:
        row = sums.setdefault(line_id, [0, 0, 0, 0])
        if kind == EntryKind.RESERVE:
            row[0] += amount
        elif kind == EntryKind.COMMIT:
            row[1] += amount
        elif kind == EntryKind.RELEASE and with_bucket[entry_id] == Bucket.RESERVED:
            row[0] -= amount
        elif kind == EntryKind.RELEASE:
            row[1] -= amount
        elif kind == EntryKind.DISBURSE:
            row[2] += amount
        else:
            row[3] += amount
    return sums


def test_a_backup_made_during_writes_restores_whole_on_a_fresh_instance(
        source, target, tmp_path):
    archive = tmp_path / "nightly.tar.gz"
    writer = Writer(source)
    writer.start()
    try:
        writer.wait_for(3)
        before = len(_snapshot(source.app)["applications"])
        result = cli(source.app, "backup", str(archive))
        at_end = writer.done
        writer.wait_for(at_end + 3)
    finally:
        writer.stop.set()
        writer.join(30)
    assert not writer.errors, writer.errors
    assert result.exit_code == 0, result.output + result.stderr
    assert "Back-up geschreven" in result.output
    after = _snapshot(source.app)

    with tarfile.open(archive) as packed:
        manifest = json.loads(packed.extractfile("manifest.json").read())
        names = set(packed.getnames())
    dialect = "postgresql" if _postgres() else "sqlite"
    assert manifest["database"]["dialect"] == dialect
    assert names == {"manifest.json", *manifest["members"]}
    assert not any(name.startswith("secret/") for name in names)
    with source.app.app_context():
        assert manifest["schema_revisions"] == sorted(head_revisions())

    restored = cli(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output + restored.stderr
    copy = _snapshot(target)

    # One moment's database: every draft finished before the backup began, none that started
    # after it ended, and each application whole with its audit trail.
    assert before <= len(copy["applications"]) <= len(after["applications"])
    assert len(copy["applications"]) < len(after["applications"])  # the writer went on
    for number, row in copy["applications"].items():
        assert after["applications"][number] == row
        assert copy["audit"].get(number) == after["audit"].get(number)
    assert set(copy["audit"]) <= set(copy["applications"]) | {None}
    assert copy["entries"] == after["entries"] and copy["entries"]
    assert copy["lines"] == after["lines"]
    assert copy["users"] == after["users"]
    with target.app_context():
        assert current_revisions() == head_revisions()
        recomputed = _balances_from_entries(copy["entries"])
        for line_id, (_ceiling, *balances) in copy["lines"].items():
            assert balances == recomputed.get(line_id, [0, 0, 0, 0]), line_id
        try:
            from grants.services.verification import verify_record
        except ImportError:
            verify_record = None
        if verify_record is not None:
            report = verify_record()
            assert report.clean, report
        db.session.remove()

    # Logged-in work goes on in the restored instance.
    race = replace(source, app=target, config={})
    _draft(race)


def _approve_a_payment_run(race: Race) -> dict:
    race.app.config["CLOCK"] = FixedClock(PAY_DAY)
    try:
        prepared = race.api("POST", "/payment-runs", race.tokens["finance"],
                            {"due_on": "2015-01-01", "dry_run": False})
        assert prepared.status_code == 201, prepared.get_json()
        approved = race.api("POST", f"/payment-runs/{prepared.get_json()['id']}/approve",
                            race.tokens["approver"])
        assert approved.status_code == 200, approved.get_json()
        assert approved.headers["X-SEPA-Export"] == "written"
        return approved.get_json()
    finally:
        race.app.config["CLOCK"] = FixedClock(NOW)


def test_a_restore_refuses_to_forget_a_run_the_bank_already_has(
        source, target, tmp_path, sepa_folder):
    archive = tmp_path / "before-the-run.tar"
    assert cli(source.app, "backup", str(archive)).exit_code == 0
    run = _approve_a_payment_run(source)
    with source.app.app_context():
        message_id = db.session.get(PaymentRun, run["id"]).message_id
        db.session.remove()
    assert (sepa_folder / f"{message_id}.xml").is_file()

    refused = cli(target, "restore", str(archive))
    assert refused.exit_code == 1
    assert f"{message_id} (ontbreekt)" in refused.stderr
    assert "Er is niets teruggezet" in refused.stderr
    with target.app_context():
        assert not sa.inspect(db.engine).get_table_names()
        db.engine.dispose()

    marked = cli(target, "restore", "--mark-sent", str(archive))
    assert marked.exit_code == 0, marked.output + marked.stderr
    assert f"SEPA-bestand {message_id} is vastgelegd als verstuurd" in marked.output
    listed = cli(target, "sepa-sent", "list")
    assert message_id in listed.output and "open" in listed.output
    # The restored database would plan those advances again; the record holds them back.
    target.config["CLOCK"] = FixedClock(PAY_DAY)
    with target.app_context():
        from grants.models import Ministry
        from grants.payments.runs import due_payments

        finance = db.session.scalars(sa.select(User).where(
            User.email == "finance@example.nl")).one()
        preview = due_payments(Ministry.SZW, PAY_DAY.date(), finance)
        assert preview.lines == []
        assert all(message_id in skipped.reason for skipped in preview.skipped)
        assert {s.application.id for s in preview.skipped} == {
            line["application"] for line in run["lines"]}
        db.session.remove()
        db.engine.dispose()

    resolved = cli(target, "sepa-sent", "resolve", message_id, "--reason", "Met de hand geboekt.")
    assert resolved.exit_code == 0, resolved.stderr
    assert "afgehandeld" in cli(target, "sepa-sent", "list").output
    assert cli(target, "sepa-sent", "resolve", "TP-SZW-99999999", "--reason", "x").exit_code == 1

    # A backup made after the approval restores without complaint: the run is in it.
    later = tmp_path / "after-the-run.tar"
    assert cli(source.app, "backup", str(later)).exit_code == 0
    again = cli(target, "restore", "--force", str(later))
    assert again.exit_code == 0, again.output + again.stderr
    assert _snapshot(target)["runs"] == _snapshot(source.app)["runs"]


def test_a_damaged_or_foreign_archive_is_refused_before_anything_changes(
        source, target, tmp_path):
    archive = tmp_path / "good.tar"
    assert cli(source.app, "backup", str(archive)).exit_code == 0
    refused = cli(source.app, "backup", str(archive))
    assert refused.exit_code == 1 and "--replace" in refused.stderr

    with tarfile.open(archive) as packed:
        members = {m.name: packed.extractfile(m).read() for m in packed.getmembers()}
    database = next(name for name in members if name.startswith("database."))

    def pack(path, contents):
        with tarfile.open(path, "w") as packed:
            for name, data in contents.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                packed.addfile(info, io.BytesIO(data))
        return path

    damaged = bytearray(members[database])
    damaged[len(damaged) // 2] ^= 0xFF
    cases = {
        "beschadigd": pack(tmp_path / "damaged.tar", {**members, database: bytes(damaged)}),
        "geen manifest.json": pack(tmp_path / "foreign.tar", {database: members[database]}),
        "niet vermeld: extra.txt": pack(tmp_path / "extra.tar", {**members, "extra.txt": b"x"}),
    }
    manifest = json.loads(members["manifest.json"])
    manifest["schema_revisions"] = ["ffffffffffff"]
    cases["niet kent (ffffffffffff)"] = pack(tmp_path / "future.tar", {
        **members, "manifest.json": json.dumps(manifest).encode()})
    for message, path in cases.items():
        result = cli(target, "restore", str(path))
        assert result.exit_code == 1 and message in result.stderr, (message, result.stderr)
    with target.app_context():
        assert not sa.inspect(db.engine).get_table_names()
        db.engine.dispose()

    assert cli(target, "restore", str(archive)).exit_code == 0
    occupied = cli(target, "restore", str(archive))
    assert occupied.exit_code == 1 and "--force" in occupied.stderr


def test_a_sqlite_database_in_use_is_not_replaced(source, target, tmp_path):
    if _postgres():
        pytest.skip("SQLite's file is replaced; PostgreSQL restores in one transaction")
    archive = tmp_path / "backup.tar"
    assert cli(source.app, "backup", str(archive)).exit_code == 0
    assert cli(target, "restore", str(archive)).exit_code == 0
    path = make_url(target.config["SQLALCHEMY_DATABASE_URI"]).database
    reader = sqlite3.connect(path)
    try:
        reader.execute("SELECT count(*) FROM applications").fetchone()
        refused = cli(target, "restore", "--force", str(archive))
    finally:
        reader.close()
    assert refused.exit_code == 1 and "in gebruik" in refused.stderr
    assert cli(target, "restore", "--force", str(archive)).exit_code == 0


def test_secrets_only_go_into_a_backup_when_asked(source, tmp_path):
    plain, secret = tmp_path / "plain.tar", tmp_path / "secret.tar"
    assert cli(source.app, "backup", str(plain)).exit_code == 0
    assert cli(source.app, "backup", "--with-secrets", str(secret)).exit_code == 0
    with tarfile.open(plain) as packed:
        assert "secret/secret_key" not in packed.getnames()
    with tarfile.open(secret) as packed:
        key = packed.extractfile("secret/secret_key").read().decode().strip()
    assert key == source.app.config["SECRET_KEY"]
    assert oct(os.stat(secret).st_mode & 0o777) == "0o600"


def test_a_missing_pg_dump_is_named(source, tmp_path):
    if not _postgres():
        pytest.skip("pg_dump is PostgreSQL's")
    source.app.config["PG_BIN"] = str(tmp_path)
    try:
        result = cli(source.app, "backup", str(tmp_path / "x.tar"))
    finally:
        source.app.config["PG_BIN"] = None
    assert result.exit_code == 1 and "pg_dump" in result.stderr
    assert not (tmp_path / "x.tar").exists()
