"""What makes a letter cheaper keeps it the same: the stylesheet's shortcuts lay every kind of
letter out as the plain CSS they replace, and only a worker process tunes its garbage collector."""

import gc
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from grants.decisions.render import _letter_html, assets_dir, letters_html, render_one, url_fetcher
from grants.extensions import db
from grants.jobs import letters as jobs_module
from grants.jobs.queue import queue_for
from grants.models import Decision
from tests.decisions.conftest import decisions_of
from tests.decisions.test_jobs import _settled_job
from tests.decisions.test_jobs import queued as queued  # the fixture: jobs not run at once
from tests.decisions.test_render import LETTERS_OF

pytestmark = pytest.mark.usefixtures("world")

# (the shortcut in letter.css, the plain CSS it stands for): given widths for the footer's
# margin boxes, a fixed layout for the date/subject table, a float for the letterhead's mark.
PLAIN = [
    ("    width: 125mm;\n", ""),
    ("    width: 40mm;\n", ""),
    (".meta { table-layout: fixed; ", ".meta { "),
    (".letterhead { display: flow-root;", ".letterhead { display: flex; align-items: flex-start;"),
    (".letterhead__mark { float: left; width: 9mm; height: 20mm; background: #154273; }",
     ".letterhead__mark { width: 9mm; height: 20mm; background: #154273; margin-right: 4mm; }"),
    ("  margin: 0 0 0 13mm; width: 62mm;", "  margin: 0; width: 62mm;"),
]


def plain_css() -> str:
    css = (assets_dir("1") / "letter.css").read_text()
    for shortcut, plain in PLAIN:
        assert css.count(shortcut) == 1, f"letter.css no longer holds {shortcut!r}"
        css = css.replace(shortcut, plain)
    return css


def drawing(pdf: bytes) -> list[list[bytes]]:
    """Per page, what is drawn where: every operator of the page with its operands, sorted,
    without the graphics-state groups (q/Q) that differ when a float is painted in its own
    layer; a box moved, resized or reflowed changes a line."""
    return [sorted(line for line in page.get_contents().get_data().splitlines()
                   if line.strip() not in (b"q", b"Q"))
            for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("kind", LETTERS_OF)
def test_the_stylesheets_shortcuts_lay_each_letter_out_as_the_plain_css(app, steps, kind):
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    plain = CSS(string=plain_css(), base_url=assets_dir("1").as_uri() + "/")
    for decision in decisions_of(LETTERS_OF[kind](steps)):
        letter = render_one(decision.context)
        document = _letter_html("1")(
            string=letters_html([decision.context]), base_url=assets_dir("1").as_uri() + "/",
            url_fetcher=url_fetcher("1")).render(font_config=FontConfiguration(),
                                                 stylesheets=[plain])
        assert letter.pages == len(document.pages)
        assert drawing(letter.pdf) == drawing(document.write_pdf())


PYTHONS_DEFAULT = (700, 10, 10)


def _untuned(thresholds=PYTHONS_DEFAULT) -> None:
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    jobs_module._collector_settled_in = None


@pytest.fixture
def collector():
    """Python's own collector settings (a job run as a worker earlier in this test process may
    have tuned them), and this process's thresholds back afterwards."""
    thresholds = gc.get_threshold()
    _untuned()
    yield
    _untuned(thresholds)


@pytest.mark.usefixtures("queued", "collector")
def test_a_worker_settles_its_collector_once_and_a_web_process_never(app, steps):
    queue = queue_for(app)
    queue.huey.immediate = True  # jobs run in this (web) process: its collector is left alone
    steps.granted()
    assert gc.get_threshold() == PYTHONS_DEFAULT and gc.get_freeze_count() == 0

    queue.huey.immediate = False  # a worker: the letter job tunes the collector after a chunk
    first, second = _settled_job(steps)[0], _settled_job(steps)[0]
    jobs_module.render_letters(queue, first)
    assert gc.get_threshold() == jobs_module._COLLECTOR_THRESHOLDS
    frozen = gc.get_freeze_count()
    assert frozen > 0

    jobs_module.render_letters(queue, second)
    # Once per process: the second job froze nothing more (frozen objects may still be freed).
    assert gc.get_freeze_count() <= frozen
    assert db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
        Decision.job_id.in_([first, second]), Decision.rendered_at.is_(None))) == 0
