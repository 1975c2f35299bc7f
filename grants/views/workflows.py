"""A scheme's lifecycle: the picture and the table drawn from the workflow the engine runs."""

import logging
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_babel import gettext as _
from graphviz import ExecutableNotFound
from markupsafe import Markup

from grants.access import login_required
from grants.errors import NotFound
from grants.extensions import db
from grants.i18n import N_, current_language, translated
from grants.models import ROLE_LABELS, STATE_LABELS, Role, Scheme
from grants.workflows import REGISTRY
from grants.workflows.diagram import render_svg
from grants.workflows.lifecycle import edges, table_rows

bp = Blueprint("workflows", __name__, url_prefix="/regelingen")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LifecycleRow:
    """A line of the table of transitions, in the page's language."""

    source: str
    trigger: str
    trigger_label: str
    dest: str
    stays: bool
    note: str | None
    roles: str


@bp.get("/<code>/levensloop")
@login_required
def lifecycle(code: str):
    workflow = REGISTRY.get(code)
    scheme = None
    if workflow is not None:
        scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == code)).one_or_none()
    if scheme is None:
        raise NotFound(N_("Deze regeling bestaat niet."))
    title = _("Levensloop van een aanvraag: %(scheme)s", scheme=scheme.name)
    try:
        svg = _picture(code, title, current_language())
    except ExecutableNotFound:
        # The table says the same; the picture comes back once Graphviz is installed.
        log.warning("the lifecycle picture needs Graphviz's dot program, which is not installed")
        svg = None
    return render_template("workflows/lifecycle.html", scheme=scheme, title=title, svg=svg,
                           rows=_rows(code))


def _rows(code: str) -> list[LifecycleRow]:
    workflow = REGISTRY[code]
    rows = []
    for edge, row in zip(edges(workflow), table_rows(workflow, STATE_LABELS), strict=True):
        rows.append(LifecycleRow(
            source=translated(row.source), trigger=row.trigger,
            trigger_label=translated(row.trigger_label), dest=translated(row.dest),
            stays=edge.stays, note=translated(row.note) or None,
            roles=", ".join(translated(ROLE_LABELS[role])
                            for role in sorted(edge.roles, key=list(Role).index))))
    return rows


@cache
def _picture(code: str, title: str, language: str) -> Markup:
    """The workflows are fixed once the code is loaded, so each picture is drawn once per
    language (``language`` keys the cache: the labels are translated while drawing)."""
    description = _("Statussen van een aanvraag als vakken, handelingen die de status "
                    "veranderen als pijlen, en in een vak de handelingen waarbij de status "
                    "blijft.")
    # Drawn by graphviz from the workflow definition, every text in it escaped: safe to embed.
    return Markup(render_svg(REGISTRY[code], translated, title=title,  # noqa: S704
                             description=description, id_prefix="levensloop"))
