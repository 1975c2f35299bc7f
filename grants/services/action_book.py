"""The action book (actieboek Techniekpact): programme staff keep the programme's actions, their
steps, evidence and funding; everyone reads them on the public pages under /voortgang/acties.

Each change is one call here: its input is checked first (a refusal raises ValidationFailed
naming the fields, with nothing changed), then the change and its history row (ActionEvent,
old → new) are flushed together. Like every service this flushes and never commits.

The public side gets plain values (ActionSummary), never the history: who edited an action is
staff's business, what was done is everyone's.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload, undefer

from grants.access import require_role
from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.i18n import translated
from grants.models import (
    ACTION_STATUS_LABELS,
    ACTION_THEME_LABELS,
    Action,
    ActionEvent,
    ActionEventKind,
    ActionEvidence,
    ActionKind,
    ActionStatus,
    ActionStep,
    ActionTheme,
    Budget,
    Region,
    Role,
    Scheme,
    User,
)
from grants.services import attachments as attachment_checks
from grants.services.attachments import safe_filename
from grants.timefmt import AMSTERDAM

Errors = dict[str, list[str]]

# Who keeps the action book; every other role only reads it, on the public pages.
KEEPERS = (Role.PROGRAMME, Role.ADMIN)
# Where an action's public page lives; the views route it and the open data links to it.
PUBLIC_PATH = "/voortgang/acties"

MAX_TITLE = 200
MAX_PARTY = 200
MAX_PARTIES = 30
MAX_DESCRIPTION = 10_000
MAX_URL = 2000
# What a URL's path segment keeps unquoted, as werkzeug's url_for writes it (a document's file
# name has no "/"): the open data's address is the one the public page links.
SEGMENT_SAFE = "!$&'()*+,:;=@"
ACTION_FIELDS = ("title", "theme", "kind", "region", "parties", "description", "status",
                 "schemes", "budgets", "is_example")


def may_keep(user: User) -> bool:
    return user.is_authenticated and user.has_role(*KEEPERS)


# -- checking input ---------------------------------------------------------------------------

def _text(raw, name: str, label: str, limit: int, errors: Errors, *, required: bool) -> str:
    value = " ".join(str(raw or "").split()) if name != "description" else str(raw or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(_("Vul %(field)s in.", field=label))
    elif len(value) > limit:
        errors.setdefault(name, []).append(
            _("%(field)s is te lang: ten hoogste %(limit)s tekens.", field=label.capitalize(),
              limit=limit))
    return value


def _choice(raw, enum_cls, name: str, message: str, errors: Errors):
    try:
        return enum_cls(raw)
    except ValueError:
        errors.setdefault(name, []).append(message)
        return None


def _parties(raw, errors: Errors) -> list[str]:
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    parties = [" ".join(str(line).split()) for line in lines]
    parties = list(dict.fromkeys(party for party in parties if party))
    if not parties:
        errors.setdefault("parties", []).append(
            _("Vul bij verantwoordelijke partijen ten minste één partij in, één per regel."))
    elif len(parties) > MAX_PARTIES:
        errors.setdefault("parties", []).append(
            _("Noem ten hoogste %(limit)s verantwoordelijke partijen.", limit=MAX_PARTIES))
    elif any(len(party) > MAX_PARTY for party in parties):
        errors.setdefault("parties", []).append(
            _("Een verantwoordelijke partij is te lang: ten hoogste %(limit)s tekens per regel.",
              limit=MAX_PARTY))
    return parties


def _ids(raw: Iterable | None) -> set[int] | None:
    try:
        return {int(value) for value in raw or ()}
    except (TypeError, ValueError):
        return None


def _rows(model, raw, name: str, message: str, errors: Errors) -> list:
    ids = _ids(raw)
    if ids is None:
        errors.setdefault(name, []).append(message)
        return []
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(model).where(model.id.in_(ids))
                                    .order_by(model.name)))
    if len(found) != len(ids):
        errors.setdefault(name, []).append(message)
    return found


def _date(raw, name: str, label: str, errors: Errors) -> date | None:
    if isinstance(raw, date):
        return raw
    value = str(raw or "").strip()
    if not value:
        errors.setdefault(name, []).append(_("Vul %(field)s in.", field=label))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.setdefault(name, []).append(
            _("%(field)s is geen datum: schrijf hem als 2015-06-30.", field=label.capitalize()))
        return None


def _clean_action(data: dict) -> dict:
    errors: Errors = {}
    clean = {
        "title": _text(data.get("title"), "title", _("de titel"), MAX_TITLE, errors,
                       required=True),
        "theme": _choice(data.get("theme"), ActionTheme, "theme", _("Kies een thema."), errors),
        "kind": _choice(data.get("kind"), ActionKind, "kind",
                        _("Kies of dit een landelijke maatregel of een regionaal techniekpact "
                          "is."), errors),
        "parties": _parties(data.get("parties"), errors),
        "description": _text(data.get("description"), "description", _("de beschrijving"),
                             MAX_DESCRIPTION, errors, required=False),
        "status": _choice(data.get("status"), ActionStatus, "status", _("Kies een status."),
                          errors),
        "schemes": _rows(Scheme, data.get("schemes"), "schemes",
                         _("Kies bij regelingen alleen regelingen uit de lijst."), errors),
        "budgets": _rows(Budget, data.get("budgets"), "budgets",
                         _("Kies bij budgetten alleen budgetten uit de lijst."), errors),
        "is_example": bool(data.get("is_example")),
    }
    region = data.get("region") or None
    clean["region"] = None
    if clean["kind"] == ActionKind.REGIONAL:
        clean["region"] = _choice(region, Region, "region",
                                  _("Kies het landsdeel van dit regionale techniekpact."), errors)
    elif clean["kind"] == ActionKind.NATIONAL and region:
        errors.setdefault("region", []).append(
            _("Een landelijke maatregel hoort niet bij één landsdeel: laat het landsdeel leeg."))
    if errors:
        raise ValidationFailed(_("De actie is niet bewaard: controleer de velden."), errors)
    return clean


def _plain(name: str, value):
    """A value as the history keeps it: JSON, readable whatever the rows look like later."""
    if name in ("schemes", "budgets"):
        return sorted(row.code for row in value)
    if isinstance(value, date):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def _event(action: Action, actor: User, now: datetime, kind: ActionEventKind, changes: dict,
           *, step: ActionStep | None = None, evidence: ActionEvidence | None = None) -> None:
    db.session.add(ActionEvent(at=now, actor=actor, action_id=action.id, kind=kind,
                               changes=changes, step=step, evidence=evidence))


# -- changing the book ------------------------------------------------------------------------

def create_action(actor: User, now: datetime, **data) -> Action:
    require_role(actor, *KEEPERS)
    clean = _clean_action(data)
    action = Action(created_at=now, updated_at=now, **clean)
    db.session.add(action)
    db.session.flush()
    _event(action, actor, now, ActionEventKind.ACTION_CREATED,
           {name: [None, _plain(name, clean[name])] for name in ACTION_FIELDS})
    db.session.flush()
    return action


def update_action(action: Action, actor: User, now: datetime, **data) -> bool:
    """Store the changed fields; False (and no history row) when nothing changed."""
    require_role(actor, *KEEPERS)
    clean = _clean_action(data)
    changes = {}
    for name in ACTION_FIELDS:
        old, new = _plain(name, getattr(action, name)), _plain(name, clean[name])
        if old != new:
            changes[name] = [old, new]
    if not changes:
        return False
    for name in changes:
        setattr(action, name, clean[name])
    action.updated_at = now
    _event(action, actor, now, ActionEventKind.ACTION_CHANGED, changes)
    db.session.flush()
    return True


def add_step(action: Action, actor: User, now: datetime, *, title, due_on) -> ActionStep:
    require_role(actor, *KEEPERS)
    errors: Errors = {}
    title = _text(title, "title", _("de omschrijving van de stap"), MAX_TITLE, errors,
                  required=True)
    due = _date(due_on, "due_on", _("de uiterste datum"), errors)
    if errors:
        raise ValidationFailed(_("De stap is niet toegevoegd: controleer de velden."), errors)
    step = ActionStep(action=action, title=title, due_on=due, created_at=now)
    db.session.add(step)
    action.updated_at = now
    db.session.flush()
    _event(action, actor, now, ActionEventKind.STEP_ADDED,
           {"title": [None, title], "due_on": [None, due.isoformat()]}, step=step)
    db.session.flush()
    return step


def mark_step_done(step: ActionStep, actor: User, now: datetime, *, done_on) -> None:
    require_role(actor, *KEEPERS)
    errors: Errors = {}
    done = _date(done_on, "done_on", _("de datum van afronden"), errors)
    today = _today(now)
    if done is not None and done > today:
        errors.setdefault("done_on", []).append(
            _("De datum van afronden ligt in de toekomst: een stap is pas af als hij af is."))
    if done is not None and step.done_on is not None:
        errors.setdefault("done_on", []).append(_("Deze stap is al afgerond."))
    if errors:
        raise ValidationFailed(_("De stap is niet afgerond: controleer de datum."), errors)
    step.done_on = done
    step.action.updated_at = now
    _event(step.action, actor, now, ActionEventKind.STEP_DONE,
           {"done_on": [None, done.isoformat()]}, step=step)
    db.session.flush()


def add_evidence(action: Action, actor: User, now: datetime, *, title, url=None,
                 filename: str | None = None, stream: BinaryIO | None = None) -> ActionEvidence:
    """Add a link (``url``) or an uploaded PDF (``stream``, named ``filename``), exactly one.
    The PDF is checked as an applicant's attachment is; it becomes public on /voortgang."""
    require_role(actor, *KEEPERS)
    errors: Errors = {}
    title = _text(title, "title", _("de titel van het bewijsstuk"), MAX_TITLE, errors,
                  required=True)
    url = str(url or "").strip()
    if url and stream is not None:
        errors.setdefault("file", []).append(
            _("Geef een webadres óf een PDF-bestand, niet allebei: maak één van beide leeg."))
    elif stream is not None:
        data = _document(stream, errors)
    elif not url:
        errors.setdefault("url", []).append(
            _("Vul het webadres van het bewijsstuk in, of kies een PDF-bestand."))
    else:
        _check_url(url, errors)
    if errors:
        raise ValidationFailed(_("Het bewijsstuk is niet toegevoegd: controleer de velden."),
                               errors)
    if stream is None:
        evidence = ActionEvidence(action=action, title=title, url=url, added_at=now)
        changes = {"title": [None, title], "url": [None, url]}
    else:
        evidence = ActionEvidence(
            action=action, title=title, filename=safe_filename(filename),
            content_type="application/pdf", size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(), content=data, added_at=now)
        # The history names the file and its fingerprint; the bytes stay in the one row.
        changes = {"title": [None, title], "filename": [None, evidence.filename],
                   "sha256": [None, evidence.sha256]}
    db.session.add(evidence)
    action.updated_at = now
    db.session.flush()
    _event(action, actor, now, ActionEventKind.EVIDENCE_ADDED, changes, evidence=evidence)
    db.session.flush()
    return evidence


def _check_url(url: str, errors: Errors) -> None:
    parts = urlsplit(url)
    if len(url) > MAX_URL:
        errors.setdefault("url", []).append(
            _("Het webadres is te lang: ten hoogste %(limit)s tekens.", limit=MAX_URL))
    elif parts.scheme not in ("http", "https") or not parts.hostname or any(
            char.isspace() for char in url):
        errors.setdefault("url", []).append(
            _("Het webadres klopt niet: het begint met https:// of http://, bijvoorbeeld "
              "https://www.techniekpact.nl/."))


def _document(stream: BinaryIO, errors: Errors) -> bytes:
    """The upload's bytes when they are a PDF as applicants' attachments must be (the same
    checks); otherwise its refusal is added to ``errors`` under ``file``."""
    limit = attachment_checks.max_bytes()
    data = stream.read(limit + 1)
    try:
        if len(data) > limit:
            raise attachment_checks.too_large(limit)
        attachment_checks.check_pdf(data)
    except ValidationFailed as refused:
        for name, messages in refused.fields.items():
            errors.setdefault(name, []).extend(messages)
    return data


# -- reading the book -------------------------------------------------------------------------

def _today(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date()


def get_action(action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None:
        raise NotFound()
    return action


def get_step(action: Action, step_id: int) -> ActionStep:
    step = db.session.get(ActionStep, step_id)
    if step is None or step.action_id != action.id:
        raise NotFound()
    return step


def public_document(action_id: int, evidence_id: int) -> ActionEvidence:
    """An uploaded document of the action with its bytes, for everyone; 404 for a link, or
    for evidence of another action."""
    evidence = db.session.scalars(
        sa.select(ActionEvidence)
        .where(ActionEvidence.id == evidence_id, ActionEvidence.action_id == action_id,
               ActionEvidence.sha256.is_not(None))
        .options(undefer(ActionEvidence.content))).one_or_none()
    if evidence is None:
        raise NotFound()
    return evidence


def evidence_url(evidence: ActionEvidence) -> str:
    """Where everyone reads the evidence: its link, or the download of its document on the
    public pages (grants.views.actions routes it), as an absolute URL like public_url."""
    if not evidence.is_document:
        return evidence.url
    name = quote(evidence.filename, safe=SEGMENT_SAFE)
    return (f"{str(current_app.config['BASE_URL']).rstrip('/')}{PUBLIC_PATH}/"
            f"{evidence.action_id}/bewijs/{evidence.id}/{name}")


def history(action: Action) -> list[ActionEvent]:
    return list(db.session.scalars(
        sa.select(ActionEvent).where(ActionEvent.action_id == action.id)
        .options(selectinload(ActionEvent.actor))
        .order_by(ActionEvent.at.desc(), ActionEvent.id.desc())))


def all_actions() -> list[Action]:
    return list(db.session.scalars(
        sa.select(Action).options(selectinload(Action.steps), selectinload(Action.evidence),
                                  selectinload(Action.schemes), selectinload(Action.budgets))
        .order_by(Action.theme, Action.title, Action.id)))


@dataclass(frozen=True)
class StepView:
    title: str
    due_on: date
    done_on: date | None
    overdue: bool


@dataclass(frozen=True)
class ActionSummary:
    """What the public pages (and the staff's list) show of one action."""

    action: Action
    steps: list[StepView]
    steps_total: int
    steps_done: int
    steps_overdue: int
    next_due_on: date | None

    @property
    def progress_share(self) -> int:
        """Per cent of the steps done, rounded down (0 for an action without steps)."""
        return self.steps_done * 100 // self.steps_total if self.steps_total else 0


def summarise(action: Action, today: date) -> ActionSummary:
    steps = [StepView(step.title, step.due_on, step.done_on if step.is_done_by(today) else None,
                      step.is_overdue(today))
             for step in action.steps]
    open_dates = [step.due_on for step in steps if step.done_on is None]
    return ActionSummary(
        action=action, steps=steps, steps_total=len(steps),
        steps_done=sum(1 for step in steps if step.done_on is not None),
        steps_overdue=sum(1 for step in steps if step.overdue),
        next_due_on=min(open_dates) if open_dates else None)


def summaries(today: date) -> list[ActionSummary]:
    return [summarise(action, today) for action in all_actions()]


def actions_by_theme(today: date) -> list[tuple[ActionTheme, list[ActionSummary]]]:
    """Every theme in the Techniekpact's order, with its actions (a theme without any too, so
    the public sees what is not yet filled in)."""
    found = summaries(today)
    return [(theme, [s for s in found if s.action.theme == theme]) for theme in ActionTheme]


def actions_by_region(today: date) -> tuple[list[ActionSummary],
                                            list[tuple[Region, list[ActionSummary]]]]:
    """The national measures (they hold for every landsdeel), then each landsdeel's pacts."""
    found = summaries(today)
    national = [s for s in found if s.action.kind == ActionKind.NATIONAL]
    return national, [(region, [s for s in found if s.action.region == region])
                      for region in Region]


def public_url(action: Action) -> str:
    return f"{str(current_app.config['BASE_URL']).rstrip('/')}{PUBLIC_PATH}/{action.id}"


def action_book_rows(today: date) -> list[dict]:
    """The action book as open data: one JSON-able dict per action, labels in the current
    language (Dutch outside a request), dates as ISO 8601."""
    rows = []
    for summary in summaries(today):
        action = summary.action
        rows.append({
            "id": action.id,
            "title": action.title,
            "theme": action.theme.value,
            "theme_label": translated(ACTION_THEME_LABELS[action.theme]),
            "kind": action.kind.value,
            "region": action.region.value if action.region else None,
            "parties": list(action.parties),
            "status": action.status.value,
            "status_label": translated(ACTION_STATUS_LABELS[action.status]),
            "steps_total": summary.steps_total,
            "steps_done": summary.steps_done,
            "steps_overdue": summary.steps_overdue,
            "next_due_on": summary.next_due_on.isoformat() if summary.next_due_on else None,
            "funded_by": [scheme.name for scheme in action.schemes]
                         + [budget.name for budget in action.budgets],
            "is_example": action.is_example,
            "url": public_url(action),
            "evidence": [_evidence_row(item) for item in action.evidence
                         if _today(item.added_at) <= today],
        })
    return rows


def _evidence_row(evidence: ActionEvidence) -> dict:
    return {"title": evidence.title,
            "kind": "document" if evidence.is_document else "link",
            "url": evidence_url(evidence),
            "added_on": _today(evidence.added_at).isoformat(),
            "size_bytes": evidence.size_bytes, "sha256": evidence.sha256}
