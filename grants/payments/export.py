"""The SEPA export folder: every file handed to the bank, kept outside the database.

A database restored from last night's backup forgets the runs approved since; the bank does
not. Each approved run's file is therefore also written to ``SEPA_EXPORT_DIR`` (default
``<instance>/sepa/``) as ``<message id>.xml``, after the commit that approved it, and a restore
compares the folder with the restored database (grants.backup).

When a restore went ahead with ``--mark-sent`` despite files the database does not know as
approved, each such file is recorded in the ``settings`` table (``sepa_sent:<message id>``,
the file's transfers as JSON). Until finance has booked those payments by hand and resolved
the record (``flask grants sepa-sent resolve``), no run plans anything for an application the
file paid, and a run with that message id cannot be approved: nothing is paid twice.
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from grants.errors import Conflict
from grants.extensions import db
from grants.models import PaymentRun, PaymentRunStatus
from grants.models.settings import Setting

SENT_PREFIX = "sepa_sent:"
SUFFIX = ".xml"


class ExportConflict(Exception):
    """The folder already holds another file under this message id."""


def export_dir(app=None) -> Path:
    app = app or current_app
    configured = app.config.get("SEPA_EXPORT_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "sepa"


def write_sepa_file(run: PaymentRun, folder: Path | None = None) -> Path:
    """Write the approved run's file as ``<message id>.xml``, whole or not at all.

    The same file again is fine (a retry); different bytes under an existing message id are
    refused: that id went to the bank with other payments, and overwriting would erase the
    proof."""
    if run.status != PaymentRunStatus.APPROVED or run.sepa_xml is None:
        raise ValueError(f"run {run.id} has no SEPA file")
    folder = folder or export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run.message_id}{SUFFIX}"
    if path.exists():
        if path.read_bytes() == run.sepa_xml:
            return path
        raise ExportConflict(f"{path} exists with other content")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{run.message_id}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(run.sepa_xml)
            handle.flush()
            os.fsync(handle.fileno())
        # A link fails when the name exists: a racing writer of other bytes cannot be
        # overwritten between the check above and here.
        os.link(tmp, path)
    except FileExistsError:
        if path.read_bytes() != run.sepa_xml:
            raise ExportConflict(f"{path} exists with other content") from None
    finally:
        os.unlink(tmp)
    _sync_folder(folder)
    return path


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def export_after_approval(run: PaymentRun) -> bool:
    """Called after the approval's commit: the run stands whatever happens here. A failure
    (no room, no permission, another file under the id) is logged and reported to the caller
    to show; the next backup writes what is missing (``export_missing``)."""
    try:
        write_sepa_file(run)
    except (OSError, ExportConflict):
        current_app.logger.exception("SEPA file of payment run %s not exported", run.id)
        return False
    return True


def export_missing(folder: Path | None = None) -> tuple[list[str], list[str]]:
    """Write the file of every approved run the folder lacks (one whose export failed after
    its commit). Returns the message ids written and those refused (another file there)."""
    written, refused = [], []
    folder = folder or export_dir()
    for run in db.session.scalars(sa.select(PaymentRun).where(
            PaymentRun.status == PaymentRunStatus.APPROVED).order_by(PaymentRun.id)):
        path = folder / f"{run.message_id}{SUFFIX}"
        if path.exists() and path.read_bytes() == run.sepa_xml:
            continue
        try:
            write_sepa_file(run, folder)
            written.append(run.message_id)
        except ExportConflict:
            refused.append(run.message_id)
    return written, refused


def exported_files(folder: Path) -> dict[str, Path]:
    """The message ids in the folder, with their files."""
    if not folder.is_dir():
        return {}
    return {path.name[:-len(SUFFIX)]: path for path in sorted(folder.iterdir())
            if path.is_file() and path.name.endswith(SUFFIX) and not path.name.startswith(".")}


@dataclass(frozen=True)
class SentTransfer:
    end_to_end_id: str
    amount_cents: int
    iban: str
    remittance: str

    @property
    def reference(self) -> str:
        """The application's reference: the end-to-end id is ``<reference>-<run>-<what>``."""
        return self.end_to_end_id.rsplit("-", 2)[0]


def transfers_in(xml: bytes) -> list[SentTransfer]:
    """The credit transfers of a pain.001 file, whatever its namespace prefix."""
    found = []
    for node in ElementTree.fromstring(xml).iter():  # noqa: S314 (our own file, no DTD)
        if _local(node.tag) != "CdtTrfTxInf":
            continue
        values = {_local(child.tag): (child.text or "").strip() for child in node.iter()}
        amount = values.get("InstdAmt", "0")
        euros, _dot, cents = amount.partition(".")
        found.append(SentTransfer(values.get("EndToEndId", ""),
                                  int(euros) * 100 + int((cents + "00")[:2]),
                                  values.get("IBAN", ""), values.get("Ustrd", "")))
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# -- what the bank has but the database forgot (after a restore) -----------------------------

def record_sent(message_id: str, xml: bytes, now: datetime, why: str) -> Setting:
    """Record that the bank received this file although no approved run of it is here."""
    record = {
        "message_id": message_id, "sha256": hashlib.sha256(xml).hexdigest(),
        "recorded_at": now.isoformat(), "why": why, "resolved_at": None, "resolution": None,
        "transfers": [{"end_to_end_id": t.end_to_end_id, "reference": t.reference,
                       "amount_cents": t.amount_cents, "iban": t.iban,
                       "remittance": t.remittance} for t in transfers_in(xml)],
    }
    setting = db.session.get(Setting, SENT_PREFIX + message_id)
    if setting is None:
        setting = Setting(key=SENT_PREFIX + message_id)
        db.session.add(setting)
    setting.value = json.dumps(record, sort_keys=True)
    db.session.flush()
    return setting


def sent_records(unresolved_only: bool = False) -> list[dict]:
    records = [json.loads(setting.value) for setting in db.session.scalars(
        sa.select(Setting).where(Setting.key.startswith(SENT_PREFIX, autoescape=True))
        .order_by(Setting.key))]
    return [r for r in records if not (unresolved_only and r["resolved_at"])]


def resolve_sent(message_id: str, now: datetime, resolution: str) -> dict | None:
    setting = db.session.get(Setting, SENT_PREFIX + message_id)
    if setting is None:
        return None
    record = json.loads(setting.value)
    record.update(resolved_at=now.isoformat(), resolution=resolution)
    setting.value = json.dumps(record, sort_keys=True)
    db.session.flush()
    return record


def paid_outside_record(reference: str) -> str | None:
    """Why an application may not be paid now: a file the bank received paid it, and that
    payment is not booked here yet (a msgid with the file named), or None."""
    return paid_outside_records().get(reference)


def paid_outside_records() -> dict[str, str]:
    """``paid_outside_record`` of every reference it names, the sent files read once."""
    found: dict[str, str] = {}
    for record in sent_records(unresolved_only=True):
        for transfer in record["transfers"]:
            if transfer["reference"] not in found:
                found[transfer["reference"]] = _(
                    "Betaald in SEPA-bestand %(message_id)s, dat de bank kreeg maar dat na "
                    "het terugzetten van een back-up niet in de database staat; boek die "
                    "betaling eerst met de hand.", message_id=record["message_id"])
    return found


def refuse_sent_run(run: PaymentRun) -> None:
    """A run may not be approved when its message id, or a payment it holds, already went to
    the bank in a file the database does not know as approved."""
    for record in sent_records(unresolved_only=True):
        references = {t["reference"] for t in record["transfers"]}
        if record["message_id"] == run.message_id or any(
                line.application.reference in references for line in run.lines if line.held):
            raise Conflict(_("SEPA-bestand %(message_id)s ging al naar de bank maar staat na "
                             "het terugzetten van een back-up niet als goedgekeurd in de "
                             "database. Annuleer deze betaalrun en boek die betalingen eerst "
                             "met de hand.", message_id=record["message_id"]))
