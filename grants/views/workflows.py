"""A scheme's lifecycle: the picture and the table drawn from the workflow the engine runs."""

from functools import cache

import sqlalchemy as sa
from flask import Blueprint, render_template
from markupsafe import Markup

from grants.access import login_required
from grants.errors import NotFound
from grants.extensions import db
from grants.models import STATE_LABELS, Scheme
from grants.workflows import REGISTRY
from grants.workflows.diagram import render_svg, table_rows

bp = Blueprint("workflows", __name__, url_prefix="/regelingen")


@bp.get("/<code>/levensloop")
@login_required
def lifecycle(code: str):
    workflow = REGISTRY.get(code)
    scheme = None
    if workflow is not None:
        scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == code)).one_or_none()
    if scheme is None:
        raise NotFound("Deze regeling bestaat niet.")
    title = f"Levensloop van een aanvraag: {scheme.name}"
    return render_template("workflows/lifecycle.html", scheme=scheme, title=title,
                           svg=_picture(code, title), rows=table_rows(workflow, STATE_LABELS))


@cache
def _picture(code: str, title: str) -> Markup:
    """The workflows are fixed once the code is loaded, so each picture is drawn once."""
    # Generated from the workflow definition, every text in it escaped: safe to embed.
    return Markup(render_svg(REGISTRY[code], STATE_LABELS, title=title,  # noqa: S704
                             id_prefix="levensloop"))
