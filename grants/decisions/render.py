"""Decision letters from plain values to PDF: Jinja templates and WeasyPrint.

Templates get plain values only (the ``context`` stored on the decision: strings and numbers),
never ORM objects, and may fetch nothing but the files in their own ``assets`` folder: the URL
fetcher refuses every other ``file://`` path and every network address.

Each letter is rendered on its own. Laying many out as one document and splitting the PDF per
letter (shared/architecture.md, "Decision letters fast") measured no faster with WeasyPrint 70
(0.95× on 100 letters, bench/letters_bench.py, December 2026) and gave bigger files: speed comes
from worker processes sharing a job's letters (grants.jobs.letters) instead.
"""

import hashlib
import logging
import mimetypes
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

TEMPLATE_VERSION = "1"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "decisions"


class RenderError(Exception):
    """A letter could not be made; the message says why (stored on the decision)."""


def template_dir(version: str) -> Path:
    folder = TEMPLATES / f"v{version}"
    if not folder.is_dir():
        raise RenderError(f"Onbekende sjabloonversie {version!r}.")
    return folder


def assets_dir(version: str) -> Path:
    return template_dir(version) / "assets"


# -- fetching: the assets folder and nothing else ----------------------------------------------

@cache  # one class per process, not one per letter
def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetsOnlyFetcher(URLFetcher):
        """Serves ``file://`` URLs inside one folder; refuses everything else (logged)."""

        def __init__(self, folder: Path):
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.folder = folder.resolve()
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = allowed_asset(url, self.folder)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"refused: {url} is not one of the letter's assets")
            mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                      headers={"Content-Type": mimetype})

    return AssetsOnlyFetcher


def allowed_asset(url: str, folder: Path) -> Path | None:
    """The file a URL names when it is a ``file://`` URL inside ``folder``; else None."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    folder = folder.resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def url_fetcher(version: str = TEMPLATE_VERSION):
    return _url_fetcher_class()(assets_dir(version))


# -- HTML ---------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"\b[A-Z]{2,3}-[0-9A-Za-z-]+(?:/\d+)?")


def _keep_references_whole(text: str) -> Markup:
    """Escape ``text`` and keep references (SP-T2-00004/1) from breaking at their hyphens."""
    escaped = str(escape(text))
    return Markup(_REFERENCE.sub(  # noqa: S704  (escaped above; only our own span is added)
        lambda match: f'<span class="ref">{match.group(0)}</span>', escaped))


@cache
def _environment(version: str) -> Environment:
    environment = Environment(loader=FileSystemLoader(str(template_dir(version))),
                              autoescape=select_autoescape(default=True,
                                                           default_for_string=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["refs"] = _keep_references_whole
    return environment


def letters_html(contexts: list[dict], version: str = TEMPLATE_VERSION) -> str:
    """One HTML document holding every letter, each starting on a page of its own."""
    for context in contexts:
        _check_plain(context)
    return _environment(version).get_template("document.html").render(letters=contexts)


def _check_plain(value, path: str = "context") -> None:
    """Templates get plain values only: no ORM objects, no dates, nothing with behaviour."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise RenderError(f"{path}: keys are strings")
            _check_plain(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}[{index}]")
    elif value is not None and not isinstance(value, str | int | bool | float):
        raise RenderError(f"{path}: {type(value).__name__} is not a plain value")


# -- PDF ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Letter:
    pdf: bytes
    sha256: str
    pages: int


def _quiet_weasyprint() -> None:
    # WeasyPrint reports what it cannot fetch or lay out through logging; a refused URL is
    # expected (and recorded by the fetcher), so only errors are let through.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


_local = threading.local()


def _font_config():
    """One font configuration per thread, kept between renders (fonts are found once)."""
    from weasyprint.text.fonts import FontConfiguration

    if getattr(_local, "font_config", None) is None:
        _local.font_config = FontConfiguration()
    return _local.font_config


@cache
def _stylesheets(version: str) -> tuple:
    """The letters' user-agent and own stylesheets, parsed (and their selectors compiled) once
    per process instead of once per letter; parsed objects are only read while rendering."""
    from weasyprint import CSS

    folder = assets_dir(version)
    return (CSS(filename=str(folder / "user_agent.css"), url_fetcher=url_fetcher(version)),
            CSS(filename=str(folder / "letter.css"), url_fetcher=url_fetcher(version)))


@cache
def _letter_html(version: str):
    """WeasyPrint's HTML with the letters' lean user-agent stylesheet (one class per version)."""
    from weasyprint import HTML

    user_agent = _stylesheets(version)[0]

    class LetterHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [user_agent]

    return LetterHTML


def _document(html: str, version: str, fetcher=None):
    _quiet_weasyprint()
    fetcher = fetcher or url_fetcher(version)
    base = assets_dir(version).as_uri() + "/"
    return _letter_html(version)(string=html, base_url=base, url_fetcher=fetcher).render(
        font_config=_font_config(), stylesheets=[_stylesheets(version)[1]])


def _write(document) -> bytes:
    return document.write_pdf()


def _letter(pdf: bytes, pages: int) -> Letter:
    return Letter(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), pages=pages)


def render_one(context: dict, version: str = TEMPLATE_VERSION) -> Letter:
    """One letter, rendered on its own."""
    try:
        document = _document(letters_html([context], version), version)
        return _letter(_write(document), len(document.pages))
    except RenderError:
        raise
    except Exception as error:  # template or layout: say what, keep the job going
        raise RenderError(f"{type(error).__name__}: {error}") from error


# A draft is the real letter with this mark on every page and a line above it, so that nobody
# mistakes a printed or forwarded draft for the decision.
DRAFT_MARK = (
    '<div style="position: fixed; top: 95mm; left: 0; right: 0; text-align: center; '
    'transform: rotate(-30deg); font: bold 72pt \'DejaVu Sans\', sans-serif; '
    'color: rgba(180, 0, 0, 0.18); letter-spacing: 6mm;">CONCEPT</div>\n'
    '<p style="border: 1.5pt solid #b40000; color: #b40000; padding: 2mm 3mm; '
    'font-weight: bold;">CONCEPT — dit besluit is nog niet genomen. Deze brief is niet '
    'verstuurd en niet bewaard.</p>\n')


def render_draft(context: dict, version: str = TEMPLATE_VERSION) -> Letter:
    """The letter as the decision would issue it, from the same templates, marked CONCEPT."""
    html = letters_html([context], version).replace("<body>", "<body>\n" + DRAFT_MARK, 1)
    try:
        document = _document(html, version)
        return _letter(_write(document), len(document.pages))
    except Exception as error:
        raise RenderError(f"{type(error).__name__}: {error}") from error
