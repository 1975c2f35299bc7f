"""Rendering: plain values in, the assets folder the only thing fetched, each letter complete."""

import copy
from datetime import date

import pytest

from grants.decisions.render import (
    RenderError,
    allowed_asset,
    assets_dir,
    letters_html,
    render_one,
    url_fetcher,
)
from grants.models import Decision
from tests.decisions.conftest import decisions_of, pdf_text

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
def context(steps) -> dict:
    """The stored context of a real grant letter."""
    (decision,) = decisions_of(steps.granted())
    return copy.deepcopy(decision.context)


def variant(context: dict, number: int) -> dict:
    changed = copy.deepcopy(context)
    changed["reference"] = f"SP-T2-9{number:04d}/1"
    changed["amount"] = f"€ {number},{number:02d}"[:12]
    changed["addressee"]["name"] = f"Organisatie nummer {number}"
    return changed


def test_the_fetcher_serves_the_assets_folder_and_nothing_else(app):
    folder = assets_dir("1")
    css = (folder / "letter.css").as_uri()
    assert allowed_asset(css, folder) == folder / "letter.css"
    fetcher = url_fetcher()
    assert b"@page" in fetcher.fetch(css).read()
    for url in ("file:///etc/passwd", (folder / ".." / "document.html").as_uri(),
                (folder / "../../../__init__.py").as_uri(), "file://example.org/etc/hosts",
                "http://127.0.0.1:5000/", "https://example.org/logo.png",
                "http://169.254.169.254/latest/meta-data/", "ftp://example.org/x",
                "data:text/plain,hallo"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 9


def test_a_letter_that_asks_for_a_local_file_gets_nothing(app, context, monkeypatch):
    """Even a template that points at /etc/passwd cannot put its text in a letter."""
    from grants.decisions import render

    fetcher = url_fetcher()
    html = letters_html([context]).replace(
        "</body>", '<img src="file:///etc/passwd"><link rel="stylesheet" '
                   'href="http://127.0.0.1:1/x.css"><iframe src="file:///etc/hostname">'
                   "</iframe></body>")
    document = render._document(html, "1", fetcher)
    text = pdf_text(document.write_pdf())
    assert "root:" not in text
    assert set(fetcher.refused) >= {"file:///etc/passwd", "http://127.0.0.1:1/x.css"}


def test_templates_get_plain_values_only(app, context):
    with pytest.raises(RenderError, match="date is not a plain value"):
        render_one({**context, "date": date(2014, 4, 10)})
    with pytest.raises(RenderError, match="Decision is not a plain value"):
        render_one({**context, "application": Decision()})


def test_values_are_escaped(app, context):
    context["reason"] = "<b>vet</b> & <script>alert(1)</script>"
    assert "&lt;script&gt;" in letters_html([context])


def test_rendering_is_repeatable(app, context):
    assert render_one(context).sha256 == render_one(context).sha256


def test_a_letter_that_cannot_be_rendered_is_reported_not_hidden(app, context):
    broken = {key: value for key, value in context.items() if key != "grant"}
    with pytest.raises(RenderError, match="grant"):
        render_one(broken)


LETTERS_OF = {
    "grant": lambda steps: steps.granted(),
    "rejection": lambda steps: steps.rejected("De aanvraag past niet binnen het plafond."),
    "not processed": lambda steps: steps.not_processed(),
    "settlement and recovery": lambda steps: steps.settled("360000.00", "300000.00"),
    "direct settlement": lambda steps: steps.praktijkleren_settled(),
    "objection": lambda steps: steps.objection_decided("rejected"),
}


@pytest.mark.parametrize("kind", LETTERS_OF)
def test_the_lean_user_agent_stylesheet_lays_out_every_letter_as_weasyprints_own(
        app, steps, kind):
    """user_agent.css holds only the browser defaults the letters use: each kind of letter
    comes out byte for byte as with WeasyPrint's full stylesheet and the CSS linked from the
    page. (An element added to the templates without its defaults there fails here.)"""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    contexts = [decision.context for decision in decisions_of(LETTERS_OF[kind](steps))]
    for context in contexts:
        page = letters_html([context]).replace(
            "<head>", '<head>\n<link rel="stylesheet" href="letter.css">', 1)
        stock = HTML(string=page, base_url=assets_dir("1").as_uri() + "/",
                     url_fetcher=url_fetcher("1")).write_pdf(font_config=FontConfiguration())
        assert render_one(context).pdf == stock
