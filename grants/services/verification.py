"""Recomputing the record from itself, to find what was changed behind the app's back.

Balances, states and file hashes are kept beside the evidence they follow from, so that pages
read them instead of summing: a budget line's balances beside its ledger entries, an
application's state beside its audit trail, a letter's SHA-256 beside the PDF, a payment run's
totals and hash beside its SEPA file. The app changes them together; someone writing to the
database directly (or a bug that does) can change one without the other. ``verify_record``
recomputes each from its evidence and names every record where they differ, with both figures.

It only reads, and does its sums in the database (one aggregate per check, the SHA-256 of the
letters in the database too), so it runs in seconds on a record with hundreds of thousands of
ledger entries and audit rows, and in one short read transaction that blocks no writer. The
caller (a page, the command, the nightly job) records what it found with ``record_run``.
"""

import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405  (DTDs are refused before parsing, below)
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import aliased, selectinload

from grants.access import require_role
from grants.extensions import db
from grants.i18n import N_, page_eur
from grants.models import (
    STATE_LABELS,
    Application,
    ApplicationState,
    AuditEvent,
    Bucket,
    BudgetLine,
    Decision,
    EntryKind,
    LedgerEntry,
    LedgerPeriod,
    PaymentLine,
    PaymentRun,
    PaymentRunStatus,
    Role,
    User,
    VerificationOrigin,
    VerificationRun,
)
from grants.money import format_eur

VIEWERS = (Role.FINANCE, Role.ADMIN)

LINE, APPLICATION, DECISION, PAYMENT_RUN = "line", "application", "decision", "payment_run"
CENTS, COUNT, STATE, TEXT = "cents", "count", "state", "text"

# What each check found, in Dutch (the msgid); the page shows it in the reader's language.
MESSAGES = {
    "line_reserved": N_("Budgetregel %(record)s: gereserveerd staat op %(recorded)s, maar de "
                        "boekingen tellen op tot %(recomputed)s."),
    "line_committed": N_("Budgetregel %(record)s: verplicht staat op %(recorded)s, maar de "
                         "boekingen tellen op tot %(recomputed)s."),
    "line_disbursed": N_("Budgetregel %(record)s: uitbetaald staat op %(recorded)s, maar de "
                         "boekingen tellen op tot %(recomputed)s."),
    "line_recovered": N_("Budgetregel %(record)s: teruggevorderd staat op %(recorded)s, maar de "
                         "boekingen tellen op tot %(recomputed)s."),
    "line_chart_reserved": N_("Budgetregel %(record)s: de dagtotalen voor de grafieken geven "
                              "gereserveerd %(recorded)s, maar de boekingen tellen op tot "
                              "%(recomputed)s."),
    "line_chart_committed": N_("Budgetregel %(record)s: de dagtotalen voor de grafieken geven "
                               "verplicht %(recorded)s, maar de boekingen tellen op tot "
                               "%(recomputed)s."),
    "application_state": N_("Aanvraag %(record)s: de status is %(recorded)s, maar volgens het "
                            "auditspoor %(recomputed)s."),
    "audit_chain": N_("Aanvraag %(record)s: auditregel %(detail)s begint bij %(recorded)s, maar "
                      "de regel ervoor eindigde bij %(recomputed)s."),
    "letter_sha256": N_("Besluitbrief %(record)s: vastgelegd is SHA-256 %(recorded)s, maar de "
                        "opgeslagen brief heeft %(recomputed)s."),
    "sepa_sha256": N_("Betaalrun %(record)s: vastgelegd is SHA-256 %(recorded)s, maar het "
                      "SEPA-bestand heeft %(recomputed)s."),
    "sepa_unreadable": N_("Betaalrun %(record)s: het SEPA-bestand is niet te lezen "
                          "(%(recomputed)s)."),
    "sepa_transfers_sum": N_("Betaalrun %(record)s: het vastgelegde totaal is %(recorded)s, maar "
                             "de overboekingen in het SEPA-bestand tellen op tot "
                             "%(recomputed)s."),
    "sepa_transfers_count": N_("Betaalrun %(record)s: vastgelegd zijn %(recorded)s betalingen, "
                               "maar het SEPA-bestand bevat %(recomputed)s overboekingen."),
    "sepa_ctrl_sum": N_("Betaalrun %(record)s: het vastgelegde totaal is %(recorded)s, maar de "
                        "CtrlSum van het SEPA-bestand is %(recomputed)s."),
    "sepa_nb_of_txs": N_("Betaalrun %(record)s: vastgelegd zijn %(recorded)s betalingen, maar "
                         "de NbOfTxs van het SEPA-bestand is %(recomputed)s."),
    "sepa_batch_sum": N_("Betaalrun %(record)s: de CtrlSum van betaalopdracht %(detail)s is "
                         "%(recorded)s, maar haar overboekingen tellen op tot %(recomputed)s."),
    "sepa_batch_count": N_("Betaalrun %(record)s: de NbOfTxs van betaalopdracht %(detail)s is "
                           "%(recorded)s, maar zij bevat %(recomputed)s overboekingen."),
    "paid_lines_sum": N_("Betaalrun %(record)s: het vastgelegde totaal is %(recorded)s, maar de "
                         "betaalde regels tellen op tot %(recomputed)s."),
    "paid_lines_count": N_("Betaalrun %(record)s: vastgelegd zijn %(recorded)s betalingen, maar "
                           "er zijn %(recomputed)s betaalde regels."),
}

# What each check compares, for the page's table.
CHECK_LABELS = {
    "line_reserved": N_("Gereserveerd"),
    "line_committed": N_("Verplicht"),
    "line_disbursed": N_("Uitbetaald"),
    "line_recovered": N_("Teruggevorderd"),
    "line_chart_reserved": N_("Gereserveerd volgens de dagtotalen"),
    "line_chart_committed": N_("Verplicht volgens de dagtotalen"),
    "application_state": N_("Status"),
    "audit_chain": N_("Auditspoor"),
    "letter_sha256": N_("SHA-256 van de brief"),
    "sepa_sha256": N_("SHA-256 van het SEPA-bestand"),
    "sepa_unreadable": N_("SEPA-bestand"),
    "sepa_transfers_sum": N_("Som van de overboekingen"),
    "sepa_transfers_count": N_("Aantal overboekingen"),
    "sepa_ctrl_sum": N_("CtrlSum"),
    "sepa_nb_of_txs": N_("NbOfTxs"),
    "sepa_batch_sum": N_("CtrlSum van een betaalopdracht"),
    "sepa_batch_count": N_("NbOfTxs van een betaalopdracht"),
    "paid_lines_sum": N_("Som van de betaalde regels"),
    "paid_lines_count": N_("Aantal betaalde regels"),
}

KIND_LABELS = {
    LINE: N_("Budgetregel"),
    APPLICATION: N_("Aanvraag"),
    DECISION: N_("Besluitbrief"),
    PAYMENT_RUN: N_("Betaalrun"),
}


@dataclass(frozen=True)
class Finding:
    """One figure kept in the record that its evidence does not give back."""

    kind: str  # LINE, APPLICATION, DECISION or PAYMENT_RUN
    record_id: int
    record: str  # as people name it: line code and name, reference, letter, run
    check: str  # a key of MESSAGES
    unit: str  # CENTS, COUNT, STATE or TEXT: how the figures are shown
    recorded: int | str | None  # what the record keeps
    recomputed: int | str | None  # what its evidence gives
    detail: str = ""  # the audit row or the batch a finding is about, where it is one of many

    def as_json(self) -> dict:
        return {"kind": self.kind, "record_id": self.record_id, "record": self.record,
                "check": self.check, "unit": self.unit, "recorded": self.recorded,
                "recomputed": self.recomputed, "detail": self.detail,
                "message": describe(self.__dict__)}


@dataclass
class Report:
    lines: int = 0
    applications: int = 0
    decisions: int = 0
    payment_runs: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings


# -- showing a finding ----------------------------------------------------------------------

STATES = frozenset(state.value for state in ApplicationState)


def _dutch_state(value: str) -> str:
    return f"{STATE_LABELS[ApplicationState(value)]} ({value})"


def _page_state(value: str) -> str:
    return f"{gettext(STATE_LABELS[ApplicationState(value)])} ({value})"


def figure(finding: dict, which: str, *, page: bool = False) -> str:
    """``recorded`` or ``recomputed`` as a reader writes it: euros, a state, a number, a hash."""
    value = finding.get(which)
    if value is None:
        return "—"
    unit = finding.get("unit")
    if unit == CENTS:
        return page_eur(value) if page else format_eur(value)
    if unit == STATE and value in STATES:
        return _page_state(value) if page else _dutch_state(value)
    return str(value)


def describe(finding: dict, *, page: bool = False) -> str:
    """The finding as a sentence: in Dutch for the record and the command, in the reader's
    language on a page."""
    message = MESSAGES.get(finding.get("check", ""))
    if message is None:  # a check that no longer exists: what was written then
        return finding.get("message", "")
    return (gettext(message) if page else message) % {
        "record": finding.get("record", ""), "detail": finding.get("detail", ""),
        "recorded": figure(finding, "recorded", page=page),
        "recomputed": figure(finding, "recomputed", page=page)}


# -- budget lines against their ledger ---------------------------------------------------------

def _bucket(added_by: EntryKind, bucket: Bucket):
    """A reservation or commitment: what its entries add, less what releases of it give back
    (grants.budget.ledger)."""
    E = LedgerEntry
    return sa.func.coalesce(sa.func.sum(sa.case(
        (E.kind == added_by, E.amount_cents),
        (sa.and_(E.kind == EntryKind.RELEASE, E.bucket == bucket), -E.amount_cents),
        else_=0)), 0)


def _moved(kind: EntryKind):
    E = LedgerEntry
    return sa.func.coalesce(sa.func.sum(sa.case((E.kind == kind, E.amount_cents), else_=0)), 0)


def _check_lines(report: Report) -> None:
    sums = (sa.select(LedgerEntry.line_id.label("line_id"),
                      _bucket(EntryKind.RESERVE, Bucket.RESERVED).label("reserved"),
                      _bucket(EntryKind.COMMIT, Bucket.COMMITTED).label("committed"),
                      _moved(EntryKind.DISBURSE).label("disbursed"),
                      _moved(EntryKind.RECOVER).label("recovered"))
            .group_by(LedgerEntry.line_id).subquery())
    # The charts' per-day totals, kept by a trigger (grants.models.LedgerPeriod), must add up to
    # the same reservations and commitments as the entries themselves.
    P = LedgerPeriod
    periods = (sa.select(P.line_id.label("line_id"),
                         sa.func.sum(P.reserved_change_cents).label("reserved"),
                         sa.func.sum(P.committed_change_cents).label("committed"))
               .group_by(P.line_id).subquery())
    L = BudgetLine
    rows = db.session.execute(
        sa.select(L.id, L.code, L.name, L.reserved_cents, L.committed_cents, L.disbursed_cents,
                  L.recovered_cents, sums.c.reserved, sums.c.committed, sums.c.disbursed,
                  sums.c.recovered, periods.c.reserved, periods.c.committed)
        .outerjoin(sums, sums.c.line_id == L.id)
        .outerjoin(periods, periods.c.line_id == L.id).order_by(L.id)).all()
    report.lines = len(rows)
    checks = ("line_reserved", "line_committed", "line_disbursed", "line_recovered",
              "line_chart_reserved", "line_chart_committed")
    for row in rows:
        # PostgreSQL sums bigints as numeric (Decimal); a line without entries has none.
        summed = [int(value or 0) for value in row[7:11]]
        kept = (*row[3:7], int(row[11] or 0), int(row[12] or 0))
        for check, recorded, recomputed in zip(checks, kept, (*summed, *summed[:2]),
                                               strict=True):
            if recorded != recomputed:
                report.findings.append(Finding(
                    LINE, row.id, f"{row.code} ({row.name})", check, CENTS, recorded,
                    recomputed))


# -- applications against their audit trail ----------------------------------------------------

def _state(value) -> str:
    # A StrEnum from typed columns, a plain string from a window function over them.
    return str(value) if value is not None else ApplicationState.DRAFT.value


def _check_applications(report: Report) -> None:
    report.applications = db.session.scalar(sa.select(sa.func.count(Application.id))) or 0

    # Every application starts as a draft and leaves it only by a transition, which writes an
    # audit row: its state is the last row's, or draft without any.
    last = (sa.select(AuditEvent.application_id, sa.func.max(AuditEvent.id).label("last_id"))
            .group_by(AuditEvent.application_id).subquery())
    latest = aliased(AuditEvent)
    drifted = db.session.execute(
        sa.select(Application.id, Application.reference, Application.state, latest.to_state)
        .outerjoin(last, last.c.application_id == Application.id)
        .outerjoin(latest, latest.id == last.c.last_id)
        .where(sa.func.coalesce(latest.to_state, ApplicationState.DRAFT.value)
               != Application.state)
        .order_by(Application.id))
    for row in drifted:
        report.findings.append(Finding(APPLICATION, row.id, row.reference, "application_state",
                                       STATE, _state(row.state), _state(row.to_state)))

    # Each row starts where the one before it ended (the first where every application starts):
    # a row deleted, inserted or changed in the middle breaks the chain.
    before = sa.func.lag(AuditEvent.to_state).over(
        partition_by=AuditEvent.application_id, order_by=AuditEvent.id)
    chain = sa.select(AuditEvent.id, AuditEvent.application_id, AuditEvent.from_state,
                      before.label("before")).subquery()
    broken = db.session.execute(
        sa.select(chain.c.id, chain.c.application_id, chain.c.from_state, chain.c.before,
                  Application.reference)
        .join(Application, Application.id == chain.c.application_id)
        .where(chain.c.from_state
               != sa.func.coalesce(chain.c.before, ApplicationState.DRAFT.value))
        .order_by(chain.c.application_id, chain.c.id))
    for row in broken:
        report.findings.append(Finding(APPLICATION, row.application_id, row.reference,
                                       "audit_chain", STATE, _state(row.from_state),
                                       _state(row.before), detail=str(row.id)))


# -- decision letters against their hash -------------------------------------------------------

def _sha256_hex(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _letter_hash():
    """SHA-256 in the database, so that no letter travels to Python unless it drifted."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return sa.func.encode(sa.func.sha256(Decision.pdf), "hex")
    # SQLite has no SHA-256 of its own: lend it Python's, on this connection.
    connection.connection.driver_connection.create_function(
        "grants_sha256", 1, _sha256_hex, deterministic=True)
    return sa.func.grants_sha256(Decision.pdf)


def _check_decisions(report: Report) -> None:
    stored = Decision.pdf.is_not(None)
    report.decisions = db.session.scalar(
        sa.select(sa.func.count(Decision.id)).where(stored)) or 0
    computed = _letter_hash().label("computed")
    drifted = db.session.execute(
        sa.select(Decision.id, Decision.reference, Decision.sha256, computed)
        .where(stored, sa.or_(Decision.sha256.is_(None), computed != Decision.sha256))
        .order_by(Decision.id))
    for row in drifted:
        report.findings.append(Finding(DECISION, row.id, f"{row.id} ({row.reference})",
                                       "letter_sha256", TEXT, row.sha256, row.computed))


# -- payment runs against their SEPA file ------------------------------------------------------

_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,2})?")
_COUNT = re.compile(r"[0-9]{1,15}")


class Unreadable(ValueError):
    pass


def _cents(text: str | None, what: str) -> int:
    text = (text or "").strip()
    if not _AMOUNT.fullmatch(text):
        raise Unreadable(f"{what} {text!r} is geen bedrag")
    try:
        return int(Decimal(text).scaleb(2))
    except InvalidOperation:  # pragma: no cover  (the pattern admits only decimals)
        raise Unreadable(f"{what} {text!r} is geen bedrag") from None


def _count(text: str | None, what: str) -> int:
    text = (text or "").strip()
    if not _COUNT.fullmatch(text):
        raise Unreadable(f"{what} {text!r} is geen aantal")
    return int(text)


@dataclass
class Batch:
    id: str
    nb_of_txs: int
    ctrl_sum: int
    count: int
    total: int


@dataclass
class SepaFigures:
    nb_of_txs: int
    ctrl_sum: int
    count: int
    total: int
    batches: list[Batch]


def sepa_figures(xml: bytes) -> SepaFigures:
    """The group header's NbOfTxs and CtrlSum, and the transfers counted and summed, in cents
    (pain.001.001.03)."""
    # The file is ours, but may have been replaced: no DTD, so no entity can blow it up.
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise Unreadable("het bestand bevat een DTD")
    try:
        root = ET.fromstring(xml)  # noqa: S314
    except ET.ParseError as error:
        raise Unreadable(f"geen XML: {error}") from None
    header = root.find(".//{*}GrpHdr")
    if header is None:
        raise Unreadable("geen GrpHdr")
    batches = []
    for number, batch in enumerate(root.iterfind(".//{*}PmtInf"), start=1):
        amounts = [_cents(node.text, "InstdAmt")
                   for node in batch.iterfind("{*}CdtTrfTxInf/{*}Amt/{*}InstdAmt")]
        batches.append(Batch(
            id=(batch.findtext("{*}PmtInfId") or str(number)).strip(),
            nb_of_txs=_count(batch.findtext("{*}NbOfTxs"), "NbOfTxs"),
            ctrl_sum=_cents(batch.findtext("{*}CtrlSum"), "CtrlSum"),
            count=len(amounts), total=sum(amounts)))
    return SepaFigures(
        nb_of_txs=_count(header.findtext("{*}NbOfTxs"), "NbOfTxs"),
        ctrl_sum=_cents(header.findtext("{*}CtrlSum"), "CtrlSum"),
        count=sum(batch.count for batch in batches),
        total=sum(batch.total for batch in batches), batches=batches)


def _run_findings(row, found: Callable[..., None]) -> None:
    paid_count, paid_total = row.paid_count or 0, int(row.paid_total or 0)
    if paid_total != row.total_cents:
        found("paid_lines_sum", CENTS, row.total_cents, paid_total)
    if paid_count != row.line_count:
        found("paid_lines_count", COUNT, row.line_count, paid_count)
    xml = row.sepa_xml or b""
    computed = hashlib.sha256(xml).hexdigest()
    if computed != row.sepa_sha256:
        found("sepa_sha256", TEXT, row.sepa_sha256, computed)
    try:
        sepa = sepa_figures(xml)
    except Unreadable as error:
        found("sepa_unreadable", TEXT, None, str(error))
        return
    if sepa.total != row.total_cents:
        found("sepa_transfers_sum", CENTS, row.total_cents, sepa.total)
    if sepa.count != row.line_count:
        found("sepa_transfers_count", COUNT, row.line_count, sepa.count)
    if sepa.ctrl_sum != row.total_cents:
        found("sepa_ctrl_sum", CENTS, row.total_cents, sepa.ctrl_sum)
    if sepa.nb_of_txs != row.line_count:
        found("sepa_nb_of_txs", COUNT, row.line_count, sepa.nb_of_txs)
    for batch in sepa.batches:
        if batch.ctrl_sum != batch.total:
            found("sepa_batch_sum", CENTS, batch.ctrl_sum, batch.total, detail=batch.id)
        if batch.nb_of_txs != batch.count:
            found("sepa_batch_count", COUNT, batch.nb_of_txs, batch.count, detail=batch.id)


def _check_payment_runs(report: Report) -> None:
    # The lines an approved run still holds are the ones it paid.
    paid = (sa.select(PaymentLine.run_id,
                      sa.func.count(PaymentLine.id).label("paid_count"),
                      sa.func.sum(PaymentLine.amount_cents).label("paid_total"))
            .where(PaymentLine.held.is_(True)).group_by(PaymentLine.run_id).subquery())
    R = PaymentRun
    rows = db.session.execute(
        sa.select(R.id, R.message_id, R.sepa_xml, R.sepa_sha256, R.total_cents, R.line_count,
                  paid.c.paid_count, paid.c.paid_total)
        .outerjoin(paid, paid.c.run_id == R.id)
        .where(R.status == PaymentRunStatus.APPROVED).order_by(R.id)
        # One file at a time: a year of runs need not sit in memory together.
        .execution_options(yield_per=20))
    for row in rows:
        report.payment_runs += 1
        record = f"{row.id} ({row.message_id})"

        def found(check, unit, recorded, recomputed, detail="", row=row, record=record):
            report.findings.append(Finding(PAYMENT_RUN, row.id, record, check, unit,
                                           recorded, recomputed, detail))

        _run_findings(row, found)


# -- the use cases ------------------------------------------------------------------------------

def verify_record() -> Report:
    """Recompute every line's balances, every application's state, every stored letter's hash
    and every approved payment run's SEPA file; reads only."""
    report = Report()
    _check_lines(report)
    _check_applications(report)
    _check_decisions(report)
    _check_payment_runs(report)
    return report


def record_run(report: Report, *, origin: VerificationOrigin, actor: User | None,
               started_at: datetime, finished_at: datetime) -> VerificationRun:
    """Keep what a check found: when, by whom (or the nightly run), how much, what."""
    if origin == VerificationOrigin.PAGE or actor is not None:
        require_role(actor, *VIEWERS)
    run = VerificationRun(
        started_at=started_at, finished_at=finished_at, origin=origin,
        run_by_id=actor.id if actor is not None else None,
        lines_checked=report.lines, applications_checked=report.applications,
        decisions_checked=report.decisions, payment_runs_checked=report.payment_runs,
        findings=[finding.as_json() for finding in report.findings],
        finding_count=len(report.findings), clean=report.clean)
    db.session.add(run)
    db.session.flush()
    return run


def latest_runs(actor: User, limit: int = 10) -> list[VerificationRun]:
    require_role(actor, *VIEWERS)
    return list(db.session.scalars(
        sa.select(VerificationRun).options(selectinload(VerificationRun.run_by))
        .order_by(VerificationRun.id.desc()).limit(limit)))


def summary(report: Report | VerificationRun) -> str:
    """How much was checked, in Dutch (the command's first line)."""
    if isinstance(report, VerificationRun):
        counts = (report.lines_checked, report.applications_checked, report.decisions_checked,
                  report.payment_runs_checked)
    else:
        counts = (report.lines, report.applications, report.decisions, report.payment_runs)
    return ("Gecontroleerd: {} budgetregels, {} aanvragen, {} besluitbrieven, "
            "{} betaalruns.".format(*counts))
