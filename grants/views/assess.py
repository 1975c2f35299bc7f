"""The ministry's side of an application: the assessors' work queue, starting and recording an
assessment, requesting information, the approvers' four-eyes queue and decision, the RIF
committee's score sheets and ranking, and the lifecycle's other staff actions.

Every change is a trigger fired through the engine (grants.services.applications.fire_trigger);
its refusals (422 with the fields, 403 for four eyes, 409 when the application changed
meanwhile) come back on the same page, next to the fields they concern.
"""

import csv
import io
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

from babel.numbers import format_decimal
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.allocation.ranking_line import LineMark, Place, RankingLine, ranking_line
from grants.clock import now
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.allocations import CancelForm
from grants.forms.assess import (
    ACTION_FIELDS,
    RECOMMENDATION_LABELS,
    ActionForm,
    ApproveForm,
    InformationRequestForm,
    PlacesCheckForm,
    RejectForm,
    StartAssessmentForm,
    assessment_form,
    criterion_label,
    score_sheet_form,
    scores_of,
)
from grants.forms.committee import ConflictForm
from grants.i18n import N_, current_language, page_day, page_eur
from grants.models import TRIGGER_LABELS, Application, ApplicationState, Region, Role
from grants.money import InvalidAmount, cents_to_api, euros, format_eur
from grants.services.applications import allowed_triggers, fire_trigger, get_application
from grants.services.approvals import draft_letter, is_prepared_trigger, prepare_trigger
from grants.services.committee import declare_conflict as declare_conflict_service
from grants.services.committee import own_conflicts
from grants.services.deadlines import DUE_SOON_DAYS, days_status, kind_label
from grants.services.work_queue import (
    COMMITTEE_SCHEME,
    Assigned,
    Due,
    QueueFilters,
    QueueItem,
    RankedApplication,
    assessments_by_application,
    awaiting_approval,
    committee_ranking,
    committee_windows,
    decision_queue,
    in_order_of_completeness,
    pending_objections,
    queue_count,
    queue_filter_choices,
    queue_items,
    queue_page,
)
from grants.timefmt import AMSTERDAM
from grants.views.objections import step_url as objection_step_url
from grants.views.paging import asked_page
from grants.views.row_format import IdUrl
from grants.views.template_helpers import state_label
from grants.workflows import workflow_for
from grants.workflows.order import (
    grants_from_ranking_only,
    keeps_order_of_completeness,
    queue_place,
)
from grants.workflows.rules import current_rules

bp = Blueprint("assess", __name__, url_prefix="/beoordelen")

STAFF = (Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE, Role.FINANCE, Role.ADMIN)


def _today():
    return now().astimezone(AMSTERDAM).date()


def due_soon_days() -> int:
    """How many days ahead a term counts as "soon" (GRANTS_DUE_SOON_DAYS)."""
    return int(current_app.config.get("DUE_SOON_DAYS") or DUE_SOON_DAYS)


def _actor():
    return current_user._get_current_object()


def _rules(application: Application) -> dict:
    return current_rules(application, workflow_for(application.scheme.code).default_rules)["rules"]


@dataclass
class Refusal:
    message: str
    loose: list[str]
    status: int


def _fire(application_id: int, trigger: str, data: dict, form) -> Refusal | None:
    """Fire and commit; on a refusal nothing stays behind and the form carries the messages."""
    try:
        fire_trigger(application_id, trigger, _actor(), data, now(),
                     expected_version=form.expected_version())
    except (ValidationFailed, Conflict, Forbidden) as refused:
        db.session.rollback()
        return Refusal(refused.message, form.add_refusal(refused.fields), refused.status)
    db.session.commit()
    return None


def _prepare(application_id: int, trigger: str, data: dict, form) -> Refusal | None:
    try:
        prepare_trigger(application_id, trigger, _actor(), data, now(),
                        expected_version=form.expected_version())
    except (ValidationFailed, Conflict, Forbidden) as refused:
        db.session.rollback()
        return Refusal(refused.message, form.add_refusal(refused.fields), refused.status)
    db.session.commit()
    return None


def _to_file(application_id: int):
    return redirect(url_for("applications.show", application_id=application_id), 303)


@bp.app_template_filter("score_average")
def score_average(value: Fraction | None) -> str:
    """An average score with one decimal in the page's language: 7,1 (half rounds up)."""
    if value is None:
        return "–"
    rounded = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_decimal(rounded, format="0.0", locale=current_language())


# -- what the current user may do on an application (for its file) ----------------------------

# The step that moves an application on; the others (asking, closing …) come after it.
MAIN_STEPS = ("start_assessment", "record_assessment", "decide")


@dataclass(frozen=True)
class Action:
    trigger: str
    url: str
    # A one-click action is a form posted from the file itself; others open their own page.
    one_click: bool = False

    @property
    def main(self) -> bool:
        return self.trigger in MAIN_STEPS


def actions_for(application: Application, user) -> list[Action]:
    """The staff actions ``user`` may take now, each with the page (or form) that takes it."""
    if not user.is_staff:
        return []
    actions = []
    for trigger in allowed_triggers(application, user):
        params = {"application_id": application.id}
        if trigger == "start_assessment":
            actions.append(Action(trigger, url_for("assess.start", **params), one_click=True))
        elif trigger == "request_information":
            actions.append(Action(trigger, url_for("assess.request_information", **params)))
        elif trigger == "record_assessment":
            endpoint = ("assess.score" if application.scheme.code == COMMITTEE_SCHEME
                        else "assess.assess")
            actions.append(Action(trigger, url_for(endpoint, **params)))
        elif trigger in ("approve", "reject") and application.state == ApplicationState.ASSESSED:
            if not any(a.trigger == "decide" for a in actions):
                actions.append(Action("decide", url_for("assess.decide", **params)))
        elif trigger in ("accept_report", "send_back_report"):
            # Reports are reviewed one by one, each with its PDF, on the reports page.
            if not any(a.trigger == "accept_report" for a in actions):
                actions.append(Action("accept_report", url_for("reports.review", **params)))
        elif trigger in ("advise_adjustment", "adjust_grant"):
            actions.append(Action(trigger, url_for("reports.adjustment", **params)))
        elif objection_step_url(trigger, application.id):
            # A paper objection and the hearing have pages of their own (uploads).
            actions.append(Action(trigger, objection_step_url(trigger, application.id)))
        elif trigger in ACTION_FIELDS:
            actions.append(Action(trigger, url_for("assess.action", trigger=trigger, **params)))
    return sorted(actions, key=lambda action: not action.main)


# -- the work queue ----------------------------------------------------------------------------

def _queue_filters(choices: dict) -> QueueFilters:
    args = request.args
    schemes = {scheme.code: scheme for scheme in choices["schemes"]}
    windows = {str(window.id) for scheme in schemes.values() for window in scheme.windows}
    # Unknown filter values are dropped rather than matched against nothing.
    return QueueFilters(
        scheme=args.get("scheme") if args.get("scheme") in schemes else None,
        window_id=int(args["window"]) if args.get("window") in windows else None,
        state=args.get("state") if args.get("state") in choices["states"] else None,
        region=args.get("region") if args.get("region") in set(Region) else None,
        assigned=args.get("assigned") if args.get("assigned") in (Assigned.MINE,
                                                                  Assigned.NOBODY) else None,
        due=args.get("due") if args.get("due") in (Due.SOON, Due.OVERDUE) else None,
    )


@bp.get("/")
@role_required(Role.ASSESSOR)
def queue():
    choices = queue_filter_choices()
    filters = _queue_filters(choices)
    today, soon = _today(), due_soon_days()
    total = queue_count(_actor(), filters, today, soon)
    page = asked_page(total)
    rows = queue_page(_actor(), filters, today, soon, offset=page.offset, limit=page.limit)
    shown = {key: value for key, value in {
        "scheme": filters.scheme, "window": filters.window_id, "state": filters.state,
        "region": filters.region, "assigned": filters.assigned, "due": filters.due,
    }.items() if value}
    return render_template(
        "assess/queue.html", rows=_queue_rows(queue_items(rows, today, soon)), page=page,
        filters=shown, choices=choices, today=today, due_soon_days=soon, Assigned=Assigned,
        Due=Due)


@dataclass(frozen=True)
class QueueRow:
    """A line of the queue with its texts: each distinct day, amount, status and term formatted
    once a page, the file's address built once (row_format)."""

    item: QueueItem
    url: str
    due_on: str
    # The term's name and how far off its end is ("nog 3 dagen"); both "" without a term.
    term: str
    term_status: str
    state: str
    requested: str
    mine: bool


def _queue_rows(items: list[QueueItem]) -> list[QueueRow]:
    show = IdUrl("applications.show", "application_id")
    day, eur, label = cache(page_day), cache(page_eur), cache(state_label)
    term, term_status = cache(kind_label), cache(days_status)
    viewer = _actor().id
    return [QueueRow(
        item, show(item.application.id),
        day(item.deadline.due_on) if item.deadline else "",
        term(item.deadline.kind, item.deadline.extended) if item.deadline else "",
        term_status(item.deadline.days_left) if item.deadline else "",
        label(item.application.state),
        eur(item.application.requested_cents),
        item.started_by is not None and item.started_by.id == viewer,
    ) for item in items]


# -- starting, requesting information, recording the assessment --------------------------------

@bp.post("/aanvragen/<int:application_id>/starten")
@role_required(Role.ASSESSOR)
def start(application_id: int):
    application = get_application(application_id, _actor())
    form = StartAssessmentForm()
    if not form.validate_on_submit():
        raise Conflict(_("Het formulier is niet compleet verstuurd; laad de pagina opnieuw."))
    refusal = _fire(application.id, "start_assessment", {}, form)
    if refusal is not None:
        flash(refusal.message, "error")
        return _to_file(application_id)
    flash(_("U beoordeelt nu %(reference)s. De aanvraag staat in uw werkvoorraad.",
            reference=application.reference), "success")
    return _to_file(application_id)


def _staff_application(application_id: int) -> Application:
    return get_application(application_id, _actor())


def _possible(application: Application, trigger: str) -> bool:
    return trigger in allowed_triggers(application, _actor())


@bp.route("/aanvragen/<int:application_id>/informatie", methods=["GET", "POST"])
@role_required(Role.ASSESSOR)
def request_information(application_id: int):
    application = _staff_application(application_id)
    term_days = _rules(application)["repair_term_days"]
    default_due = _today() + timedelta(days=term_days)
    form = InformationRequestForm(data={"version": application.version,
                                        "repair_due_on": default_due.isoformat()})
    refusal = None
    if form.validate_on_submit():
        refusal = _fire(application.id, "request_information", {
            "reason": form.reason.data.strip(), "repair_due_on": form.repair_due_on.data.strip(),
        }, form)
        if refusal is None:
            flash(_("Informatie opgevraagd bij %(organisation)s. De beslistermijn staat stil "
                    "tot de aanvrager antwoordt.",
                    organisation=application.organisation.name), "success")
            return _to_file(application_id)
        application = _staff_application(application_id)
    status = refusal.status if refusal else (422 if form.errors else 200)
    return render_template(
        "assess/request_information.html", application=application, form=form,
        refusal=refusal, term_days=term_days, default_due=default_due,
        possible=_possible(application, "request_information")), status


@bp.route("/aanvragen/<int:application_id>/beoordeling", methods=["GET", "POST"])
@role_required(Role.ASSESSOR)
def assess(application_id: int):
    application = _staff_application(application_id)
    if application.scheme.code == COMMITTEE_SCHEME:
        # RIF applications are scored by the committee, each member on their own sheet.
        return redirect(url_for("assess.score", application_id=application_id), 303)
    rules = _rules(application)
    criteria = list(rules.get("criteria") or [])
    places_check = application.scheme.code == "praktijkleren"
    initial = {"version": application.version}
    if places_check:
        form = PlacesCheckForm(data=initial)
    else:
        form = assessment_form(criteria, rules.get("score_min", 1), rules.get("score_max", 10),
                               data=initial)
    refusal = None
    if form.validate_on_submit():
        data = {"reasoning": (form.reasoning.data or "").strip()}
        if not places_check:
            data.update(recommendation=form.recommendation.data,
                        scores=scores_of(form, criteria))
        refusal = _fire(application.id, "record_assessment", data, form)
        if refusal is None:
            flash(_("Beoordeling van %(reference)s vastgelegd.",
                    reference=application.reference), "success")
            return _to_file(application_id)
        application = _staff_application(application_id)
    status = refusal.status if refusal else (422 if form.errors else 200)
    return render_template(
        "assess/assess.html", application=application, form=form, refusal=refusal,
        criteria=criteria, places_check=places_check,
        score_range=(rules.get("score_min"), rules.get("score_max")),
        possible=_possible(application, "record_assessment")), status


# -- the approvers ---------------------------------------------------------------------------

@bp.get("/besluiten")
@role_required(Role.APPROVER)
def approvals():
    today = _today()
    awaiting = awaiting_approval(_actor())
    amounts = {}
    for decision in awaiting.decisions:
        # Checked when it was prepared; settlements and recoveries always have one.
        with suppress(InvalidAmount, TypeError):
            amounts[decision.id] = euros(decision.data.get("amount"))
    ordered, items = in_order_of_completeness(decision_queue(_actor(), today))
    return render_template("assess/approvals.html", items=items, ordered=ordered,
                           objections=pending_objections(_actor(), today), today=today,
                           recommendation_labels=RECOMMENDATION_LABELS,
                           due_soon_days=due_soon_days(), awaiting=awaiting,
                           amounts=amounts, own={d.id for d in awaiting.decisions
                                                 if d.prepared_by_id == _actor().id},
                           trigger_labels=TRIGGER_LABELS, cancel_form=CancelForm())


def _amount_text(cents: int) -> str:
    """Cents as a person types euros, Dutch style: 1.234.567,89."""
    return format_eur(cents).replace("€", "").replace("\xa0", " ").strip()


def _decision_page(application: Application, approve_form: ApproveForm, reject_form: RejectForm,
                   refusal: Refusal | None = None, refused_form: str | None = None,
                   status: int = 200):
    assessments = assessments_by_application([application.id])[application.id]
    triggers = allowed_triggers(application, _actor())
    assessed_by_viewer = any(a.assessor_id == current_user.id for a in assessments)
    rules = _rules(application)
    workflow = workflow_for(application.scheme.code)
    undecided = application.state == ApplicationState.ASSESSED
    return render_template(
        "assess/decide.html", application=application, assessments=assessments,
        queue=(queue_place(application)
               if undecided and keeps_order_of_completeness(workflow) else None),
        ranking_only=undecided and grants_from_ranking_only(workflow),
        approve_form=approve_form, reject_form=reject_form, refusal=refusal,
        refused_form=refused_form, may_approve="approve" in triggers,
        recommendation_labels=RECOMMENDATION_LABELS,
        may_reject="reject" in triggers, assessed_by_viewer=assessed_by_viewer,
        criteria=list(rules.get("criteria") or []), criterion_label=criterion_label,
        committee=application.scheme.code == COMMITTEE_SCHEME,
        ranking=(committee_ranking(_actor(), application_id=application.id)
                 if application.scheme.code == COMMITTEE_SCHEME else [])), status


def _decision_forms(application: Application, posted: str | None = None):
    initial = {"version": application.version}
    approve = ApproveForm(
        prefix="approve", requested_cents=application.requested_cents,
        data={**initial, "amount": _amount_text(application.requested_cents)},
        formdata=None if posted != "approve" else request.form)
    reject = RejectForm(prefix="reject", data=initial,
                        formdata=None if posted != "reject" else request.form)
    return approve, reject


@bp.get("/besluiten/<int:application_id>")
@role_required(Role.APPROVER)
def decide(application_id: int):
    application = _staff_application(application_id)
    return _decision_page(application, *_decision_forms(application))


@bp.get("/besluiten/<int:application_id>/concept.pdf")
@role_required(Role.APPROVER)
def draft(application_id: int):
    """The letter as the decision would issue it now, marked CONCEPT; nothing is stored. A
    grant states the requested amount unless ``amount`` (and ``reason``) are given."""
    args = request.args
    trigger = "reject" if args.get("besluit") == "afwijzen" else "approve"
    data = {"reason": args.get("reason", "")}
    if args.get("amount"):
        data["amount"] = args["amount"]
    letter = draft_letter(application_id, _actor(), trigger, data, now())
    response = Response(letter.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = \
        f'inline; filename="concept-{application_id}.pdf"'
    # A draft reflects this moment's facts: never reuse it from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/besluiten/<int:application_id>/verlenen")
@role_required(Role.APPROVER)
def approve(application_id: int):
    application = _staff_application(application_id)
    approve_form, reject_form = _decision_forms(application, posted="approve")
    if not approve_form.validate():
        return _decision_page(application, approve_form, reject_form, refused_form="approve",
                              status=422)
    amount = approve_form.amount.cents
    refusal = _fire(application.id, "approve", {
        "amount": cents_to_api(amount), "reason": (approve_form.reason.data or "").strip(),
    }, approve_form)
    if refusal is not None:
        application = _staff_application(application_id)
        return _decision_page(application, approve_form, reject_form, refusal, "approve",
                              refusal.status)
    flash(_("%(reference)s is verleend: %(amount)s. De beschikking wordt gemaakt.",
            reference=application.reference, amount=format_eur(amount)), "success")
    return _to_file(application_id)


@bp.post("/besluiten/<int:application_id>/afwijzen")
@role_required(Role.APPROVER)
def reject(application_id: int):
    application = _staff_application(application_id)
    approve_form, reject_form = _decision_forms(application, posted="reject")
    if not reject_form.validate():
        return _decision_page(application, approve_form, reject_form, refused_form="reject",
                              status=422)
    refusal = _fire(application.id, "reject", {"reason": reject_form.reason.data.strip()},
                    reject_form)
    if refusal is not None:
        application = _staff_application(application_id)
        return _decision_page(application, approve_form, reject_form, refusal, "reject",
                              refusal.status)
    flash(_("%(reference)s is afgewezen. De beschikking wordt gemaakt.",
            reference=application.reference), "success")
    return _to_file(application_id)


# -- the RIF committee -------------------------------------------------------------------------

def _chosen_window(windows) -> int | None:
    chosen = request.args.get("window")
    return int(chosen) if chosen in {str(w.id) for w in windows} else None


def _line_window(windows, ranking, window_id: int | None):
    """The period whose ceiling draws the line: the one chosen, or the only one ranked."""
    shown = {window_id} if window_id else {r.application.window_id for r in ranking}
    if len(shown) != 1:
        return None
    return next((w for w in windows if w.id in shown), None)


@dataclass(frozen=True)
class RankingRow:
    ranked: RankedApplication
    place: int | None  # among the sufficient applications the quorum has scored
    mark: LineMark | None


def _ranking_rows(ranking: list[RankedApplication], line: RankingLine | None) -> list[RankingRow]:
    rows, place = [], 0
    for ranked in ranking:
        if not ranked.verdict_shown:
            rows.append(RankingRow(ranked, None, None))
            continue
        if ranked.sufficient:
            place += 1
        mark = line.marks.get(ranked.application.id) if line else None
        rows.append(RankingRow(ranked, place if ranked.sufficient else None, mark))
    return rows


def _ranking(window_id: int | None):
    windows = committee_windows()
    ranking = committee_ranking(_actor(), window_id=window_id)
    line_window = _line_window(windows, ranking, window_id)
    line = ranking_line(line_window) if line_window is not None else None
    return windows, ranking, line


@bp.get("/commissie")
@role_required(Role.COMMITTEE, Role.APPROVER, Role.ADMIN)
def committee():
    window_id = _chosen_window(committee_windows())
    windows, ranking, line = _ranking(window_id)
    is_member = current_user.has_role(Role.COMMITTEE)
    return render_template(
        "assess/committee.html", rows=_ranking_rows(ranking, line), line=line,
        windows=windows, window_id=window_id, is_member=is_member,
        to_score=[r for r in ranking if r.hidden_from_viewer],
        scored=[r for r in ranking if r.scored_by_viewer],
        own_conflicts=own_conflicts(_actor(), window_id) if is_member else [],
        may_export=current_user.has_role(Role.COMMITTEE, Role.APPROVER),
        Place=Place, criterion_label=criterion_label)


CSV_COLUMNS = ("Plaats", "Kenmerk", "Instelling", "Landsdeel", "Totaalscore",
               "Gevraagd bedrag", "Cumulatief gevraagd", "Ruimte over", "Boven of onder de lijn")
PLACE_TEXTS = {
    Place.ABOVE: N_("boven de lijn"),
    Place.BELOW: N_("onder de lijn"),
    Place.LOTTERY: N_("gelijke score op de lijn: loting beslist"),
    Place.INSUFFICIENT: N_("onvoldoende"),
}


def _csv_amount(cents: int | None) -> str:
    """Euros with a decimal comma and no thousands separator, as a Dutch spreadsheet reads it."""
    if cents is None:
        return ""
    return cents_to_api(cents).replace(".", ",")


def _csv_text(value: str) -> str:
    # A spreadsheet would run text starting like a formula (CSV injection).
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def _csv_row(row: RankingRow) -> list[str]:
    ranked, application = row.ranked, row.ranked.application
    if row.ranked.hidden_from_viewer:
        verdict = _("verborgen tot u scoort")
    elif not ranked.verdict_shown:
        verdict = _("%(count)d van %(quorum)d leden hebben gescoord",
                    count=ranked.members_scored, quorum=ranked.quorum)
    elif row.mark is not None:
        verdict = _(PLACE_TEXTS[row.mark.place])
    else:
        verdict = _("voldoende") if ranked.sufficient else _("onvoldoende")
    total = ("" if ranked.hidden_from_viewer or ranked.average_total is None
             else score_average(ranked.average_total))
    mark = row.mark if row.mark is not None and row.mark.cumulative is not None else None
    return [str(row.place or ""), application.reference, _csv_text(application.organisation.name),
            str(application.region), total, _csv_amount(application.requested_cents),
            _csv_amount(mark.cumulative if mark else None),
            _csv_amount(mark.room_left if mark else None), verdict]


@bp.get("/commissie/rangschikking.csv")
@role_required(Role.COMMITTEE, Role.APPROVER)
def committee_csv():
    window_id = _chosen_window(committee_windows())
    windows, ranking, line = _ranking(window_id)
    out = io.StringIO()
    # Semicolons and decimal commas: what a spreadsheet set to Dutch opens as columns and sums.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(row) for row in _ranking_rows(ranking, line))
    for application in own_conflicts(_actor(), window_id):
        writer.writerow(["", application.reference, "", "", "", "", "", "",
                         _("belangenverstrengeling gemeld")])
    window = next((w for w in windows if w.id == window_id), None)
    name = f"rangschikking-rif-{window.code if window else 'alle-tijdvakken'}.csv"
    return Response(out.getvalue(), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    })


@bp.route("/commissie/<int:application_id>", methods=["GET", "POST"])
@role_required(Role.COMMITTEE, Role.APPROVER, Role.ADMIN)
def score(application_id: int):
    application = _staff_application(application_id)
    if application.scheme.code != COMMITTEE_SCHEME:
        raise NotFound(_("Alleen RIF-aanvragen worden door de commissie gescoord."))
    rules = _rules(application)
    criteria = list(rules["criteria"])
    form = score_sheet_form(criteria, rules["score_min"], rules["score_max"],
                            data={"version": application.version})
    refusal = None
    if request.method == "POST":
        if not current_user.has_role(Role.COMMITTEE):
            raise Forbidden()
        if form.validate_on_submit():
            refusal = _fire(application.id, "record_assessment", {
                "scores": scores_of(form, criteria),
                "reasoning": (form.reasoning.data or "").strip()}, form)
            if refusal is None:
                flash(_("Uw scores voor %(reference)s zijn vastgelegd.",
                        reference=application.reference), "success")
                return redirect(url_for("assess.committee"), 303)
            application = _staff_application(application_id)
    ranked = committee_ranking(_actor(), application_id=application.id)
    ranked = ranked[0] if ranked else None
    status = refusal.status if refusal else (422 if form.errors else 200)
    return render_template(
        "assess/score.html", application=application, form=form, refusal=refusal,
        criteria=criteria, ranked=ranked,
        score_range=(rules["score_min"], rules["score_max"]),
        may_score=_possible(application, "record_assessment"),
        may_declare=_may_declare(ranked),
        conflict_form=ConflictForm(formdata=None, data={"version": application.version}),
        criterion_label=criterion_label), status


def _may_declare(ranked: RankedApplication | None) -> bool:
    return (current_user.has_role(Role.COMMITTEE) and ranked is not None
            and not ranked.scored_by_viewer)


@bp.route("/commissie/<int:application_id>/belangenverstrengeling", methods=["GET", "POST"])
@role_required(Role.COMMITTEE)
def declare_conflict(application_id: int):
    application = _staff_application(application_id)
    if application.scheme.code != COMMITTEE_SCHEME:
        raise NotFound(_("Alleen RIF-aanvragen worden door de commissie gescoord."))
    form = ConflictForm(data={"version": application.version})
    refusal = None
    if form.validate_on_submit():
        try:
            declare_conflict_service(application.id, _actor(), form.note.data or "", now())
        except (ValidationFailed, Conflict, Forbidden) as refused:
            db.session.rollback()
            refusal = Refusal(refused.message, form.add_refusal(refused.fields), refused.status)
        else:
            db.session.commit()
            flash(_("U heeft belangenverstrengeling gemeld voor %(reference)s. U ziet deze "
                    "aanvraag niet meer en scoort haar niet.",
                    reference=application.reference), "success")
            return redirect(url_for("assess.committee"), 303)
        application = _staff_application(application_id)
    ranked = committee_ranking(_actor(), application_id=application.id)
    status = refusal.status if refusal else (422 if form.errors else 200)
    return render_template(
        "assess/committee_conflict.html", application=application, form=form,
        refusal=refusal, may_declare=_may_declare(ranked[0] if ranked else None)), status


# -- the lifecycle's other staff actions -------------------------------------------------------

@bp.route("/aanvragen/<int:application_id>/handeling/<trigger>", methods=["GET", "POST"])
@role_required(*STAFF)
def action(application_id: int, trigger: str):
    application = _staff_application(application_id)
    if trigger not in ACTION_FIELDS:
        raise NotFound()
    form = ActionForm(trigger=trigger, data={"version": application.version})
    refusal = None
    if form.validate_on_submit():
        if is_prepared_trigger(application, trigger):
            # Four eyes: a settlement or recovery waits for an approver's approval.
            refusal = _prepare(application.id, trigger, form.data_for_engine(), form)
            if refusal is None:
                flash(_("%(action)s voor %(reference)s is voorgelegd; het besluit geldt pas als "
                        "een beslisser het goedkeurt.",
                        action=_(TRIGGER_LABELS.get(trigger, trigger)),
                        reference=application.reference), "success")
                return _to_file(application_id)
        else:
            refusal = _fire(application.id, trigger, form.data_for_engine(), form)
        if refusal is None:
            application = _staff_application(application_id)
            flash(_("%(action)s: %(reference)s heeft nu de status %(state)s.",
                    action=_(TRIGGER_LABELS.get(trigger, trigger)), reference=application.reference,
                    state=_(application.state_label).lower()), "success")
            return _to_file(application_id)
        application = _staff_application(application_id)
    status = refusal.status if refusal else (422 if form.errors else 200)
    return render_template(
        "assess/action.html", application=application, form=form, refusal=refusal,
        trigger=trigger, possible=_possible(application, trigger)), status


