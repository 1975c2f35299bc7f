"""The SEPA export folder (grants/payments/export.py), rule by rule, with figures worked out by hand
(issue 19; bench/mutation.py --module grants/payments/export.py).

Rules (the module's docstring, grants/backup.py; shared/domain.md §4 "Four eyes … payment runs",
"Payments: SEPA credit transfers"): every approved run's file is also kept outside the database,
in ``SEPA_EXPORT_DIR`` (``<instance>/sepa/`` when not set), as ``<message id>.xml``, whole or not
at all: it is written to a hidden temporary file beside it (``.<message id>.<random>.tmp``) and
linked into place, the folder made with its parents. Nothing there is ever overwritten: the same
bytes again are a retry, other bytes (also when another writer's file appears between the check
and the link) a conflict naming the file. Only an approved run has a file. A failed export after
the approval's commit is logged naming the run and reported, and the next backup writes every
approved run's missing file (in run order) into the folder, naming what it wrote and what it had
to refuse. The folder lists only visible ``.xml`` files. A file's credit transfers are read
whatever its namespace, amounts in euros with up to two decimals turned into cents, a missing
field as empty. A file the bank has but a restored database does not know as approved is recorded
under ``sepa_sent:<message id>`` (JSON, keys sorted) with its hash, when, why and its transfers;
the records are listed by message id, and while one is unresolved no run pays an application it
paid nor is a run with its message id approved, the refusal naming the file and what to do.

Mutants that cannot change behaviour (read by bench/mutation.py). ElementTree names an element
``{namespace}local``; expat refuses a namespace containing ``}`` (its namespace separator, so
``<D xmlns="urn:a}b"/>`` is a syntax error) and no XML name contains one, so a tag holds at most
one ``}`` and whatever splits it there leaves the same last piece. The check constraint
ck_payment_runs_sepa_file ((status = 'approved') = (sepa_xml IS NOT NULL)) leaves no stored run
approved without a file or with a file but not approved, the only runs for which write_sepa_file's
`or` and `and` differ (it is called after the approval's commit, or on runs read back). A record
is only ever written by record_sent, with its keys sorted and with ``resolved_at`` and
``resolution`` present; json.loads keeps the text's order and dict.update replaces those keys in
place, so resolve_sent writes sorted keys with or without sort_keys:

equivalent: grants.payments.export.x__local__mutmut_4 — rsplit without a limit: one `}` at most
equivalent: grants.payments.export.x__local__mutmut_5 — split instead of rsplit: one `}` at most
equivalent: grants.payments.export.x__local__mutmut_7 — rsplit limit 2: one `}` at most
equivalent: grants.payments.export.x_write_sepa_file__mutmut_1 — status and file agree in every row
equivalent: grants.payments.export.x_resolve_sent__mutmut_16 — sort_keys=None: already sorted
equivalent: grants.payments.export.x_resolve_sent__mutmut_18 — no sort_keys: already sorted
equivalent: grants.payments.export.x_resolve_sent__mutmut_19 — sort_keys=False: already sorted
"""

import hashlib
import json
import logging
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from grants.errors import Conflict
from grants.extensions import db
from grants.models import Ministry, PaymentRun, PaymentRunStatus, Role
from grants.models.settings import Setting
from grants.payments import export
from grants.payments.export import ExportConflict, SentTransfer
from grants.payments.runs import prepare_run
from tests.factories import UserFactory
from tests.payments.conftest import EMPLOYERS_IBAN, Grants

NEW_YEAR_2015 = datetime(2015, 1, 2, 9, tzinfo=UTC)
NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEPA_EXPORT_DIR", str(tmp_path / "sepa"))
    return tmp_path / "sepa"


@pytest.fixture
def unordered(transaction):
    """SQLite hands back a table's rows in rowid (= id) order when asked for no order, which
    would hide a missing ORDER BY; this makes it hand them back the other way round."""
    if transaction.dialect.name != "sqlite":
        yield
        return
    transaction.exec_driver_sql("PRAGMA reverse_unordered_selects = ON")
    yield
    transaction.exec_driver_sql("PRAGMA reverse_unordered_selects = OFF")


@pytest.fixture
def finance():
    return UserFactory(role=Role.FINANCE)


def stored_run(finance, number: int, xml: bytes | None) -> PaymentRun:
    """Run ``number`` of SZW as stored: approved with its file, or prepared without one."""
    run = PaymentRun(
        ministry=Ministry.SZW, due_on=date(2015, 1, 1), execution_on=date(2015, 1, 2),
        debtor_name="Ministerie van SZW", debtor_iban="NL43INGB0000000701",
        debtor_bic="INGBNL2A", message_id=f"TP-SZW-{number:08d}", line_count=1,
        total_cents=100, prepared_at=NEW_YEAR_2015, prepared_by_id=finance.id)
    approve(run, xml)
    db.session.add(run)
    db.session.flush()
    return run


def approve(run: PaymentRun, xml: bytes | None) -> None:
    # approved_by stays empty: a run paid at once before four eyes existed, as the model allows.
    run.status = PaymentRunStatus.PREPARED if xml is None else PaymentRunStatus.APPROVED
    run.sepa_xml, run.approved_at = xml, (None if xml is None else NEW_YEAR_2015)


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


# -- where the files go ----------------------------------------------------------------------

def test_the_folder_is_the_configured_one_else_sepa_in_the_instance_folder(app, monkeypatch):
    monkeypatch.setitem(app.config, "SEPA_EXPORT_DIR", None)
    assert export.export_dir(app) == Path(app.instance_path) / "sepa"
    # An empty setting is no setting.
    monkeypatch.setitem(app.config, "SEPA_EXPORT_DIR", "")
    assert export.export_dir() == Path(app.instance_path) / "sepa"
    monkeypatch.setitem(app.config, "SEPA_EXPORT_DIR", "/srv/grants/sepa")
    assert export.export_dir() == Path("/srv/grants/sepa")


def test_the_file_is_written_whole_into_a_folder_made_with_its_parents(finance, tmp_path):
    run = stored_run(finance, 1, b"<Document>een</Document>")
    target = tmp_path / "srv" / "grants" / "sepa"
    assert export.write_sepa_file(run, target) == target / "TP-SZW-00000001.xml"
    assert (target / "TP-SZW-00000001.xml").read_bytes() == b"<Document>een</Document>"
    assert names(target) == ["TP-SZW-00000001.xml"]  # no temporary file left beside it


def test_an_interrupted_write_leaves_only_a_hidden_temporary_file_beside_it(
        finance, folder, monkeypatch):
    # The process dies after the link, before it removes its temporary file: what stays behind
    # lies in the folder itself (so that the link never crosses file systems), is hidden from
    # the folder's list and so from backups and restores, and names its message id and .tmp.
    run = stored_run(finance, 1, b"<Document>een</Document>")
    left: list[str] = []
    try:
        with monkeypatch.context() as patch:
            patch.setattr(export.os, "unlink", left.append)
            export.write_sepa_file(run)
        (leftover,) = map(Path, left)
        assert leftover.parent == folder
        assert re.fullmatch(r"\.TP-SZW-00000001\.[a-z0-9_]{8}\.tmp", leftover.name)
        assert leftover.read_bytes() == b"<Document>een</Document>"
        assert export.exported_files(folder) == {"TP-SZW-00000001":
                                                 folder / "TP-SZW-00000001.xml"}
    finally:
        for name in left:
            os.unlink(name)


def test_another_file_under_the_message_id_is_never_overwritten_and_is_named(finance, folder):
    run = stored_run(finance, 1, b"<Document>een</Document>")
    folder.mkdir()
    (folder / "TP-SZW-00000001.xml").write_bytes(b"<Document>ander</Document>")
    with pytest.raises(ExportConflict) as conflict:
        export.write_sepa_file(run)
    assert str(conflict.value) == f"{folder / 'TP-SZW-00000001.xml'} exists with other content"
    assert (folder / "TP-SZW-00000001.xml").read_bytes() == b"<Document>ander</Document>"


@pytest.mark.parametrize("racing, refused", [(b"<Document>ander</Document>", True),
                                             (b"<Document>een</Document>", False)])
def test_a_file_another_writer_puts_there_meanwhile_is_kept_and_judged_by_its_bytes(
        finance, folder, monkeypatch, racing, refused):
    # Between "no such file yet" and the link, another process writes the name.
    run = stored_run(finance, 1, b"<Document>een</Document>")
    link = os.link

    def racing_link(source, target):
        Path(target).write_bytes(racing)
        link(source, target)

    monkeypatch.setattr(export.os, "link", racing_link)
    path = folder / "TP-SZW-00000001.xml"
    if refused:
        with pytest.raises(ExportConflict) as conflict:
            export.write_sepa_file(run)
        assert str(conflict.value) == f"{path} exists with other content"
    else:
        assert export.write_sepa_file(run) == path
    assert path.read_bytes() == racing
    assert names(folder) == ["TP-SZW-00000001.xml"]


def test_only_an_approved_run_has_a_file(finance, folder):
    run = stored_run(finance, 1, None)
    with pytest.raises(ValueError) as none:
        export.write_sepa_file(run)
    assert str(none.value) == f"run {run.id} has no SEPA file"
    assert not folder.exists()


def test_a_failed_export_is_logged_naming_the_run_and_reported(
        app, finance, folder, tmp_path, monkeypatch, caplog):
    run = stored_run(finance, 1, b"<Document>een</Document>")
    folder.mkdir()
    (folder / "TP-SZW-00000001.xml").write_bytes(b"<Document>ander</Document>")
    # Another file under the message id, then a folder that cannot be made (a file is there).
    (tmp_path / "bezet").write_bytes(b"")
    for configured, error in ((folder, ExportConflict), (tmp_path / "bezet", OSError)):
        monkeypatch.setitem(app.config, "SEPA_EXPORT_DIR", str(configured))
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            assert export.export_after_approval(run) is False
        (record,) = caplog.records
        assert record.levelno == logging.ERROR
        assert record.getMessage() == f"SEPA file of payment run {run.id} not exported"
        assert issubclass(record.exc_info[0], error)


# -- what the next backup writes -------------------------------------------------------------

def test_the_backup_writes_every_approved_runs_missing_file_in_run_order(
        finance, folder, tmp_path, unordered):
    # Run 1 (approved last, so PostgreSQL keeps it last as well) and run 4 lack their file;
    # run 2 is only prepared; run 3's file is there; under run 5's id lies another file.
    runs = [stored_run(finance, number, xml) for number, xml in (
        (1, None), (2, None), (3, b"<Document>drie</Document>"),
        (4, b"<Document>vier</Document>"), (5, b"<Document>vijf</Document>"))]
    approve(runs[0], b"<Document>een</Document>")
    db.session.flush()
    copy = tmp_path / "kopie"
    copy.mkdir()
    (copy / "TP-SZW-00000003.xml").write_bytes(b"<Document>drie</Document>")
    (copy / "TP-SZW-00000005.xml").write_bytes(b"<Document>anders</Document>")

    # Into the folder asked for, not the configured one.
    assert export.export_missing(copy) == (["TP-SZW-00000001", "TP-SZW-00000004"],
                                           ["TP-SZW-00000005"])
    assert {name: (copy / name).read_bytes() for name in names(copy)} == {
        "TP-SZW-00000001.xml": b"<Document>een</Document>",
        "TP-SZW-00000003.xml": b"<Document>drie</Document>",
        "TP-SZW-00000004.xml": b"<Document>vier</Document>",
        "TP-SZW-00000005.xml": b"<Document>anders</Document>"}
    assert not folder.exists()

    # Without a folder: the configured one, where all four approved runs' files are missing.
    assert export.export_missing() == (["TP-SZW-00000001", "TP-SZW-00000003",
                                        "TP-SZW-00000004", "TP-SZW-00000005"], [])
    assert names(folder) == ["TP-SZW-00000001.xml", "TP-SZW-00000003.xml",
                             "TP-SZW-00000004.xml", "TP-SZW-00000005.xml"]


def test_the_folder_lists_only_visible_xml_files_by_message_id(tmp_path):
    assert export.exported_files(tmp_path / "nergens") == {}
    for name in ("TP-SZW-00000002.xml", "TP-SZW-00000001.xml", "notities.txt",
                 "._TP-SZW-00000001.xml",  # macOS's shadow file of a copied one
                 ".TP-SZW-00000003.ab12cd34.tmp"):  # an interrupted write's leftover
        (tmp_path / name).write_bytes(b"<Document/>")
    (tmp_path / "oud.xml").mkdir()
    files = export.exported_files(tmp_path)
    assert list(files.items()) == [("TP-SZW-00000001", tmp_path / "TP-SZW-00000001.xml"),
                                   ("TP-SZW-00000002", tmp_path / "TP-SZW-00000002.xml")]


# -- reading a file's transfers --------------------------------------------------------------

def pain(transfers: str, namespace: str = f' xmlns="{NS}"', prefix: str = "") -> bytes:
    body = transfers.replace("<", f"<{prefix}").replace(f"<{prefix}/", f"</{prefix}")
    return (f'<{prefix}Document{namespace}><{prefix}CstmrCdtTrfInitn><{prefix}PmtInf>'
            f'<{prefix}DbtrAcct><{prefix}Id><{prefix}IBAN>NL43INGB0000000701</{prefix}IBAN>'
            f'</{prefix}Id></{prefix}DbtrAcct>{body}</{prefix}PmtInf>'
            f'</{prefix}CstmrCdtTrfInitn></{prefix}Document>').encode()


def transfer(end_to_end_id: str, amount: str, iban: str, remittance: str) -> str:
    return (f"<CdtTrfTxInf><PmtId><EndToEndId>{end_to_end_id}</EndToEndId></PmtId>"
            f'<Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>'
            f"<Cdtr><Nm>Metaalwerkgevers</Nm></Cdtr>"
            f"<CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>"
            f"<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></CdtTrfTxInf>")


ADVANCE = transfer("SP-2014-0001-7-V1", "12345.67", EMPLOYERS_IBAN, "SP-2014-0001 voorschot 1/3")
ADVANCE_READ = SentTransfer("SP-2014-0001-7-V1", 12_345_67, EMPLOYERS_IBAN,
                            "SP-2014-0001 voorschot 1/3")


@pytest.mark.no_db
@pytest.mark.parametrize("xml", [
    pain(ADVANCE),  # the default namespace, as grants.payments.sepa writes it
    pain(ADVANCE, namespace=f' xmlns:p="{NS}"', prefix="p:"),
    pain(ADVANCE, namespace=""),
], ids=["default", "prefixed", "none"])
def test_the_transfers_are_read_whatever_the_namespace(xml):
    (read,) = export.transfers_in(xml)
    assert read == ADVANCE_READ
    assert read.reference == "SP-2014-0001"


@pytest.mark.no_db
def test_amounts_in_euros_become_cents():
    # 12345.67 → 1.234.567 cents; 0.05 → 5; 0.5 (one decimal) → 50; 100 (none) → 10.000.
    xml = pain("".join(transfer(f"SP-2014-0001-7-V{n}", amount, EMPLOYERS_IBAN, "x")
                       for n, amount in enumerate(("12345.67", "0.05", "0.5", "100"), 1)))
    assert [t.amount_cents for t in export.transfers_in(xml)] == [12_345_67, 5, 50, 100_00]


@pytest.mark.no_db
def test_a_missing_or_empty_field_is_read_as_empty_and_a_missing_amount_as_nothing():
    # A file a restore finds is recorded as it is, even one a bank's tool wrote sparsely.
    xml = pain("<CdtTrfTxInf/>"
               "<CdtTrfTxInf><PmtId><EndToEndId/></PmtId><CdtrAcct><Id><IBAN></IBAN></Id>"
               "</CdtrAcct><RmtInf><Ustrd/></RmtInf></CdtTrfTxInf>")
    assert export.transfers_in(xml) == [SentTransfer("", 0, "", ""), SentTransfer("", 0, "", "")]


# -- files the bank has but the restored database forgot -------------------------------------

SENT = pain(ADVANCE + transfer("SP-2014-0002-7-S", "0.05", "NL20INGB0001234567",
                               "SP-2014-0002 saldo na vaststelling"))


def test_a_sent_file_is_recorded_with_its_hash_moment_reason_and_transfers():
    setting = export.record_sent("TP-SZW-00000007", SENT, NEW_YEAR_2015,
                                 "terugzetten back-up van 1 januari 2015")
    assert setting.key == "sepa_sent:TP-SZW-00000007"
    record = json.loads(db.session.get(Setting, "sepa_sent:TP-SZW-00000007").value)
    assert record == {
        "message_id": "TP-SZW-00000007", "sha256": hashlib.sha256(SENT).hexdigest(),
        "recorded_at": "2015-01-02T09:00:00+00:00",
        "why": "terugzetten back-up van 1 januari 2015", "resolved_at": None, "resolution": None,
        "transfers": [
            {"end_to_end_id": "SP-2014-0001-7-V1", "reference": "SP-2014-0001",
             "amount_cents": 12_345_67, "iban": EMPLOYERS_IBAN,
             "remittance": "SP-2014-0001 voorschot 1/3"},
            {"end_to_end_id": "SP-2014-0002-7-S", "reference": "SP-2014-0002",
             "amount_cents": 5, "iban": "NL20INGB0001234567",
             "remittance": "SP-2014-0002 saldo na vaststelling"}]}
    # Stored with its keys sorted, so the same file recorded twice is the same text.
    assert list(record) == ["message_id", "recorded_at", "resolution",
                            "resolved_at", "sha256", "transfers", "why"]
    assert [list(t) for t in record["transfers"]] == [
        ["amount_cents", "end_to_end_id", "iban", "reference", "remittance"]] * 2


def test_the_records_are_those_under_the_prefix_listed_by_message_id(unordered):
    # Recorded out of order; a setting whose key differs only where the prefix has its "_" is
    # not one of them (in SQL's LIKE an unescaped "_" would match any one character).
    for number in (500, 999, 1):
        export.record_sent(f"TP-SZW-{number:08d}", SENT, NEW_YEAR_2015, "test")
    db.session.add(Setting(key="sepa-sent:TP-SZW-00000002", value='"iets anders"'))
    db.session.flush()
    assert [r["message_id"] for r in export.sent_records()] == [
        "TP-SZW-00000001", "TP-SZW-00000500", "TP-SZW-00000999"]
    export.resolve_sent("TP-SZW-00000500", NEW_YEAR_2015, "met de hand geboekt")
    assert [r["message_id"] for r in export.sent_records(unresolved_only=True)] == [
        "TP-SZW-00000001", "TP-SZW-00000999"]


def test_an_application_a_sent_file_paid_waits_naming_the_file_until_resolved():
    export.record_sent("TP-SZW-00000007", SENT, NEW_YEAR_2015, "test")
    assert export.paid_outside_record("SP-2014-0001") == (
        "Betaald in SEPA-bestand TP-SZW-00000007, dat de bank kreeg maar dat na het terugzetten "
        "van een back-up niet in de database staat; boek die betaling eerst met de hand.")
    assert export.paid_outside_record("SP-2014-0003") is None
    export.resolve_sent("TP-SZW-00000007", NEW_YEAR_2015, "met de hand geboekt")
    assert export.paid_outside_record("SP-2014-0001") is None


@pytest.fixture
def prepared(world, clock) -> PaymentRun:
    """A sector plan's first two advances (due 1 July 2014 and 1 January 2015), prepared by
    finance on 2 January 2015."""
    world.employers.iban = EMPLOYERS_IBAN
    db.session.commit()
    Grants(world, clock).sector_plan()
    clock.moment = NEW_YEAR_2015
    return prepare_run(Ministry.SZW, date(2015, 1, 1), world.finance.user, clock())


def refusal(message_id: str) -> str:
    return (f"SEPA-bestand {message_id} ging al naar de bank maar staat na het terugzetten van "
            "een back-up niet als goedgekeurd in de database. Annuleer deze betaalrun en boek "
            "die betalingen eerst met de hand.")


def test_a_run_is_refused_when_a_sent_file_paid_its_application_or_bears_its_message_id(
        prepared):
    reference = prepared.lines[0].application.reference
    # Another file, paying another application: no reason to refuse.
    export.record_sent("TP-SZW-00000999", SENT, NEW_YEAR_2015, "test")
    export.refuse_sent_run(prepared)

    # A file under the run's own message id, whatever it paid.
    export.record_sent(prepared.message_id, SENT, NEW_YEAR_2015, "test")
    with pytest.raises(Conflict) as own:
        export.refuse_sent_run(prepared)
    assert own.value.message == refusal(prepared.message_id)
    export.resolve_sent(prepared.message_id, NEW_YEAR_2015, "met de hand geboekt")

    # A file under another id that paid this application.
    paid = pain(transfer(f"{reference}-998-V1", "120000.00", EMPLOYERS_IBAN, "voorschot 1/3"))
    export.record_sent("TP-SZW-00000998", paid, NEW_YEAR_2015, "test")
    with pytest.raises(Conflict) as other:
        export.refuse_sent_run(prepared)
    assert other.value.message == refusal("TP-SZW-00000998")
