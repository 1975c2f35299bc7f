"""The public progress monitor (issue 17): the programme's figures for everyone, without a
login, its open data (CSV and JSON, CC0) and the progress report for parliament as a PDF.
Staff (programme, finance and administrators) make the report for an earlier day on their own page.

Every figure comes from grants.services.progress, which keeps them for a few minutes; the files
carry ETag and Last-Modified so that a reader who has them gets 304 and nothing else."""

import gzip
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request, url_for

from grants.access import role_required
from grants.errors import NotFound, ValidationFailed
from grants.i18n import N_, current_language
from grants.models import Role
from grants.services import progress as figures_service
from grants.services.progress_charts import region_chart, trend_chart
from grants.services.progress_report import parse_report_day, report_pdf

bp = Blueprint("progress", __name__, url_prefix="/voortgang")

PROJECTS_PER_PAGE = 25
# Browsers and proxies may keep the files this long; the figures change at most this often.
FILE_MAX_AGE = 300


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _figures():
    return figures_service.progress()


def _charts(figures) -> dict[str, object]:
    return {budget.code: trend_chart(budget, f"trend-{slug(budget.code)}")
            for budget in figures.budgets}


def _drawn(figures) -> tuple[dict[str, object], object]:
    # Drawing the charts is most of the page's work: drawn once per language while the figures
    # stand, as the files are.
    return figures_service.cached_extra(
        f"charts-{current_language()}", None,
        lambda held: (_charts(held), region_chart(held.regions)))


@bp.get("")
def index():
    figures = _figures()
    charts, regions_drawn = _drawn(figures)
    return render_template(
        "progress/index.html", figures=figures, charts=charts,
        region_chart=regions_drawn, slug=slug,
        region_link=lambda row: url_for("progress.region", name=slug(row.key)),
        sector_link=lambda row: url_for("progress.sector", name=slug(row.key)))


def _group_page(rows, name: str, kind: str, missing: str, belongs):
    """A region's or a sector's page: its figures and the first of its granted projects."""
    figures = _figures()
    row = next((r for r in rows(figures) if slug(r.key) == name), None)
    if row is None:
        raise NotFound(missing)
    projects = [p for p in figures.projects if belongs(p) == row.key]
    return render_template("progress/group.html", figures=figures, row=row, kind=kind,
                           projects=projects[:PROJECTS_PER_PAGE], project_count=len(projects),
                           slug=slug)


@bp.get("/regio/<name>")
def region(name: str):
    return _group_page(lambda figures: figures.regions, name, "region",
                       N_("Deze regio bestaat niet."), lambda project: project.region)


@bp.get("/sector/<name>")
def sector(name: str):
    return _group_page(lambda figures: figures.sectors, name, "sector",
                       N_("Deze sector komt in de cijfers niet voor."),
                       lambda project: project.sector)


@bp.get("/projecten")
def projects():
    figures = _figures()
    scheme = request.args.get("regeling") or ""
    region_slug = request.args.get("regio") or ""
    regions = {slug(r.key): r.key for r in figures.regions}
    schemes = dict(figures.schemes)
    chosen = [p for p in figures.projects
              if (not scheme or p.scheme == scheme)
              and (not region_slug or p.region == regions.get(region_slug))]
    pages = max(1, -(-len(chosen) // PROJECTS_PER_PAGE))
    page = min(max(request.args.get("pagina", 1, type=int) or 1, 1), pages)
    start = (page - 1) * PROJECTS_PER_PAGE
    return render_template(
        "progress/projects.html", figures=figures, projects=chosen[start:start + PROJECTS_PER_PAGE],
        total=len(chosen), page=page, pages=pages, scheme=scheme if scheme in schemes else "",
        region=region_slug if region_slug in regions else "", schemes=schemes, regions=regions,
        slug=slug)


@bp.get("/data")
def data():
    return render_template("progress/data.html", fields=figures_service.CSV_FIELDS,
                           licence_url=figures_service.LICENCE_URL)


@dataclass(frozen=True)
class _Made:
    body: bytes
    etag: str
    gzipped: bytes | None  # the same, gzip-compressed, for readers that accept it


def _made(kind: str, build, *, compress: bool = False) -> _Made:
    """A file made from the figures, its ETag and (text files) its gzip form, all kept while the
    figures are: a crowd of readers costs neither a hash nor a compression each. data.json is
    16 MB as text and about a tenth of that compressed."""
    def made(figures) -> _Made:
        body = build(figures)
        return _Made(body, hashlib.sha256(body).hexdigest()[:32],
                     gzip.compress(body, compresslevel=6, mtime=0) if compress else None)
    return figures_service.cached_extra(kind, None, made)


def _file(made: _Made, mimetype: str, figures) -> Response:
    if made.gzipped is not None and request.accept_encodings["gzip"]:
        response = Response(made.gzipped, mimetype=mimetype)
        response.content_encoding = "gzip"
        response.set_etag(made.etag + "-gz")  # another representation: another tag
    else:
        response = Response(made.body, mimetype=mimetype)
        response.set_etag(made.etag)
    if made.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.last_modified = figures.computed_at
    response.cache_control.public = True
    response.cache_control.max_age = FILE_MAX_AGE
    return response.make_conditional(request)


@bp.get("/data.csv")
def data_csv():
    figures = _figures()
    made = _made("csv", lambda f: figures_service.as_csv(f).encode("utf-8"), compress=True)
    response = _file(made, "text/csv", figures)
    response.headers["Content-Disposition"] = 'inline; filename="techniekpact-voortgang.csv"'
    return response


@bp.get("/data.json")
def data_json():
    figures = _figures()
    made = _made("json", lambda f: json.dumps(figures_service.as_json(f), ensure_ascii=False,
                                              indent=1).encode("utf-8"), compress=True)
    return _file(made, "application/json", figures)


@bp.get("/rapport.pdf")
def report():
    figures = _figures()
    response = _file(_made("pdf", lambda f: report_pdf(None)), "application/pdf", figures)
    response.headers["Content-Disposition"] = (
        f'inline; filename="voortgangsrapportage-{figures.until.isoformat()}.pdf"')
    return response


@bp.get("/rapport")
@role_required(Role.PROGRAMME, Role.FINANCE, Role.ADMIN)
def staff_report():
    """Pick a day, get the report as it stood then (compared with six months earlier)."""
    given = request.args.get("tot")
    if given is None:
        return render_template("progress/staff_report.html", value="", error=None)
    try:
        day = parse_report_day(given)
    except ValidationFailed as refused:
        return render_template("progress/staff_report.html", value=given,
                               error=refused.fields["tot"][0]), 422
    response = Response(report_pdf(day), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="voortgangsrapportage-{day.isoformat()}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response

