"""The nightly check: at 03:00 Amsterdam time the worker recomputes the record from its evidence
(grants.services.verification) and records what it found, as "nachtelijke controle"."""

import logging
from datetime import UTC, datetime

from grants.clock import now
from grants.database import reading, writing
from grants.extensions import db
from grants.jobs.queue import periodic
from grants.models import VerificationOrigin, VerificationRun
from grants.services.verification import record_run, verify_record
from grants.timefmt import AMSTERDAM

log = logging.getLogger(__name__)

VERIFY_NIGHTLY = "grants.verify_nightly"


def at_three_in_amsterdam(moment: datetime) -> bool:
    """Whether huey's minute (naive UTC) is 03:00 in Amsterdam: once every night, summer and
    winter (the clocks change at 02:00 and 03:00, never past 03:00 twice)."""
    local = moment.replace(tzinfo=UTC).astimezone(AMSTERDAM)
    return local.hour == 3 and local.minute == 0


@periodic(VERIFY_NIGHTLY, at_three_in_amsterdam)
def _verify_nightly(queue) -> None:
    run_nightly_verification()


def run_nightly_verification() -> VerificationRun:
    """Check the whole record in one read transaction, then record the run; jobs commit."""
    started_at = now()
    with reading():
        report = verify_record()
        db.session.commit()
    with writing():
        run = record_run(report, origin=VerificationOrigin.NIGHTLY, actor=None,
                         started_at=started_at, finished_at=now())
        db.session.commit()
    if not report.clean:
        log.warning("nightly verification %s found %s drifts", run.id, len(report.findings))
    return run
