"""Finance's check of the record: the latest runs of the verification (from this page, the
command or the nightly worker) with what they found, and a button to check now."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from grants.access import role_required
from grants.clock import now
from grants.database import reading
from grants.extensions import db
from grants.i18n import translated
from grants.models import Role, VerificationOrigin, VerificationRun
from grants.services.verification import (
    CHECK_LABELS,
    KIND_LABELS,
    describe,
    figure,
    latest_runs,
    record_run,
    verify_record,
)

bp = Blueprint("verification", __name__, url_prefix="/financien/controle")

VIEWERS = (Role.FINANCE, Role.ADMIN)


def _shown(run: VerificationRun) -> dict:
    return {
        "run": run,
        "by": run.run_by.name if run.run_by is not None else translated(run.origin_label),
        "findings": [{
            "kind": translated(KIND_LABELS.get(finding.get("kind"), "")),
            "record": finding.get("record", ""),
            "check": translated(CHECK_LABELS.get(finding.get("check"), "")),
            "recorded": figure(finding, "recorded", page=True),
            "recomputed": figure(finding, "recomputed", page=True),
            "sentence": describe(finding, page=True),
        } for finding in run.findings],
    }


@bp.get("/")
@role_required(*VIEWERS)
def index():
    runs = [_shown(run) for run in latest_runs(current_user)]
    return render_template("finance/verification.html", latest=runs[0] if runs else None,
                           earlier=runs[1:])


@bp.post("/")
@role_required(*VIEWERS)
def check():
    actor = current_user._get_current_object()
    db.session.commit()  # what this request has read so far
    started_at = now()
    # Only reads, however long: on SQLite no writer has to wait for it.
    with reading():
        report = verify_record()
        db.session.commit()
    run = record_run(report, origin=VerificationOrigin.PAGE, actor=actor,
                     started_at=started_at, finished_at=now())
    db.session.commit()
    if report.clean:
        flash(_("Controle %(number)s: geen afwijkingen.", number=run.id), "success")
    else:
        flash(ngettext("Controle %(number)s: %(num)s afwijking gevonden.",
                       "Controle %(number)s: %(num)s afwijkingen gevonden.",
                       run.finding_count, number=run.id), "error")
    return redirect(url_for(".index"))
