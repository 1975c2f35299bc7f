"""Dutch first, English selectable: the switch in the header, pages (headings, menu, amounts,
dates, labels, messages) in the chosen language, and a catalog that is complete and compiled.

What must stay Dutch whatever the reader chose (downloads, the API) is checked here too.
"""

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from grants.extensions import db
from grants.i18n import page_day, page_eur, page_moment, page_permille
from grants.models import BudgetLine, Role
from grants.money import format_eur
from grants.services.schemes import amend_ceiling
from grants.timefmt import format_day
from tests.allocation.test_runs import AFTER_T2, assessed_plans
from tests.allocation.test_runs import line as allocation_line
from tests.conftest import csrf_token, login
from tests.factories import UserFactory
from tests.test_places_csv import IN_WINDOW, csv_file, good_lines

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "grants" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
# As the README's extraction command: the defaults (_, gettext, ngettext, N_ …), lazy_gettext and
# its alias _l.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
BETA = "beta-docenten"  # a budget line booked by hand, ceiling € 100.000.000,00


def choose(client, language: str, page: str = "/login"):
    """Press the language switch on ``page``, as its form does."""
    return client.post("/taal", data={"language": language, "next": page,
                                      "csrf_token": csrf_token(client, page)})


def text_of(html: str, tag: str) -> str:
    match = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", html, re.S)
    assert match, f"no <{tag}>"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def beta_line() -> BudgetLine:
    return db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == BETA)).one()


# -- the switch -------------------------------------------------------------------------------

def test_dutch_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert text_of(html, "h1") == "Inloggen"
    assert '<label class="field__label" for="email">E-mailadres</label>' in html
    # The other language is offered in its own language, marked as such for screen readers.
    assert ('<button type="submit" class="button button--link language-switch__choice" '
            'name="language" value="en" lang="en">English</button>') in html
    assert '<span class="language-switch__current" lang="nl" aria-current="true">' in html


def test_anonymous_visitor_switches_to_english_and_back(client):
    response = choose(client, "en", "/login?next=%2Fregelingen")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=%2Fregelingen"

    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<title>Log in · Techniekpact grants</title>" in html
    assert text_of(html, "h1") == "Log in"
    assert '<label class="field__label" for="email">Email address</label>' in html
    assert 'aria-label="Language"' in html and "Skip to content" in html
    assert ('name="language" value="nl" lang="nl">Nederlands</button>') in html

    # Form messages follow the language too.
    empty = client.post("/login", data={"email": "", "password": "",
                                        "csrf_token": csrf_token(client)})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert "There is a problem" in page and "Enter your email address." in page
    assert "Vul uw e-mailadres in." not in page

    choose(client, "nl")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="nl">' in html and text_of(html, "h1") == "Inloggen"


def test_the_choice_survives_logging_in_and_out(client):
    user = UserFactory(role=Role.ASSESSOR, name="Bram Jansen")
    choose(client, "en")
    response = login(client, user.email)  # the password, then the code (two-factor)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert text_of(home, "h1") == "Welcome, Bram Jansen"
    assert "What you can do now" in home
    assert "You are logged in as <strong>assessor</strong>." in home
    assert '<nav class="site-nav" aria-label="Main menu">' in home

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    after = client.get("/login").get_data(as_text=True)
    assert "You have logged out." in after and '<html lang="en">' in after


def test_signed_in_user_switches_on_any_page_and_returns_there(client, login_as, schemes):
    login_as(UserFactory(role=Role.APPLICANT))
    response = choose(client, "en", "/regelingen")
    assert response.status_code == 303 and response.headers["Location"] == "/regelingen"
    html = client.get("/regelingen").get_data(as_text=True)
    assert text_of(html, "h1") == "Schemes and application windows"
    assert '<a href="/regelingen" aria-current="page">Schemes</a>' in html
    # The ministry's name and the window dates in English too.
    assert "Ministry of Social Affairs and Employment. Legal basis:" in html


def test_an_unknown_language_is_refused_and_changes_nothing(client):
    response = choose(client, "fr")
    assert response.status_code == 422
    assert "Kies Nederlands of English." in response.get_data(as_text=True)
    assert '<html lang="nl">' in client.get("/login").get_data(as_text=True)


def test_the_switch_never_leads_off_the_site(client):
    for target in ("https://elders.example/", "//elders.example/", "javascript:alert(1)", ""):
        response = client.post("/taal", data={"language": "en", "next": target,
                                              "csrf_token": csrf_token(client)})
        assert response.status_code == 303
        assert response.headers["Location"] == "/", target


def test_the_switch_needs_the_forms_csrf_token(client):
    response = client.post("/taal", data={"language": "en", "next": "/login"})
    assert response.status_code == 400
    assert '<html lang="nl">' in client.get("/login").get_data(as_text=True)


def test_after_a_refused_form_the_switch_returns_to_the_page_of_the_form(client, login_as,
                                                                       schemes):
    beta = beta_line()
    login_as(UserFactory(role=Role.FINANCE))
    form_page = f"/financien/regels/{beta.id}"
    refused = client.post(f"{form_page}/boekingen", headers={"Referer": f"http://localhost{form_page}"},
                          data={"kind": "commit", "amount": "", "reason": "x",
                                "csrf_token": csrf_token(client, form_page)})
    assert refused.status_code == 422
    # The answer to a POST cannot be fetched again: the switch leads back to the form's page.
    assert f'name="next" value="{form_page}"' in refused.get_data(as_text=True)


# -- pages in English -------------------------------------------------------------------------

def test_budgets_page_in_english_and_in_dutch(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    dutch = client.get("/financien/budgetten").get_data(as_text=True)
    assert text_of(dutch, "h1") == "Budgetten van het Techniekpact"
    assert "De stand van elk budget en zijn regels op 1 april 2014." in dutch
    assert "€\xa0100.000.000,00" in dutch
    assert '<th scope="col" class="num">Plafond</th>' in dutch
    assert 'aria-current="page">Financiën</a>' in dutch

    choose(client, "en", "/financien/budgetten")
    english = client.get("/financien/budgetten").get_data(as_text=True)
    assert text_of(english, "h1") == "Budgets of the Techniekpact"
    assert "The position of every budget and its lines on 1 April 2014." in english
    assert "€100,000,000.00" in english and "€\xa0100.000.000,00" not in english
    assert '<th scope="col" class="num">Ceiling</th>' in english
    assert 'aria-current="page">Finance</a>' in english
    assert "0.0%" in english and "0,0%" not in english
    assert "This overview as CSV" in english


def test_a_booking_in_english_shows_amount_date_and_labels_in_english(client, login_as,
                                                                      schemes):
    beta = beta_line()
    login_as(UserFactory(role=Role.FINANCE, name="Esther Bakker"))
    page = f"/financien/regels/{beta.id}"
    choose(client, "en", page)
    response = client.post(f"{page}/boekingen", data={
        "kind": "commit", "amount": "1.234.567,89", "reason": "Zij-instroom 2014",
        "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert f"Booked: €1,234,567.89 committed on {beta.name}." in html
    assert '<legend class="field__label">Kind of booking</legend>' in html
    assert "Book by hand" in html and "1 booking, newest first." in html
    # 07:00 UTC is 09:00 in Amsterdam (summer time).
    row = re.search(r'<td class="entries__when">(.*?)</tr>', html, re.S).group(0)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == ["1 April 2014 09:00", "commit", "€1,234,567.89", "none", "by hand",
                     "Esther Bakker", "Zij-instroom 2014"]

    # The budget's chart speaks English too, inside the picture as well.
    budget = client.get(f"/financien/budgetten/{beta.budget_id}").get_data(as_text=True)
    svg = re.search(r"<svg[^>]*chart__svg.*?</svg>", budget, re.S).group(0)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Ceiling €100,000,000.00" in texts and "€120,000,000" in texts
    assert re.search(r"<title[^>]*>Committed and reserved on .*, against the ceiling</title>",
                     svg)
    assert "committed €1,234,567.89 and reserved €0.00: together 1.2%" in svg
    assert "Stand op" not in budget and "Plafond" not in svg


def test_refused_amount_is_explained_in_english(client, login_as, schemes):
    beta = beta_line()
    login_as(UserFactory(role=Role.FINANCE))
    page = f"/financien/regels/{beta.id}"
    choose(client, "en", page)
    response = client.post(f"{page}/boekingen", data={
        "kind": "commit", "amount": "1.500", "reason": "Twijfel",
        "csrf_token": csrf_token(client, page)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“1.500” is ambiguous: do you mean 1500 euros or 1,5 euros?" in html
    assert beta_line().committed_cents == 0


def test_allocation_in_english(client, login_as, world, clock):
    assessed_plans(world, clock, [3, 4])
    amend_ceiling(allocation_line("T2"), 600_000_00, reason="Testplafond",
                  effective_on=date(2014, 4, 1), now=clock(), user=None)
    db.session.commit()
    clock.moment = AFTER_T2
    login_as(world.finance.user)
    path = "/financien/verdelingen/sectorplan/T2?seed=abc"
    choose(client, "en", path)
    page = client.get(path).get_data(as_text=True)
    assert text_of(page, "h1").startswith("Trial calculation: ")
    assert "<strong>Approved</strong>" in page and "<strong>Rejected</strong>" in page
    assert "€500,166.66" in page
    assert ('<label for="confirm">I have checked the outcome and submit the allocation to an '
            "approver.</label>") in page

    unconfirmed = client.post("/financien/verdelingen/sectorplan/T2", data={
        "csrf_token": csrf_token(client, path), "seed": "abc"}, follow_redirects=True)
    assert "Confirm that you want to submit the allocation for approval." in \
        unconfirmed.get_data(as_text=True)
    done = client.post("/financien/verdelingen/sectorplan/T2", data={
        "csrf_token": csrf_token(client, path), "seed": "abc", "confirm": "y"},
        follow_redirects=True)
    html = done.get_data(as_text=True)
    assert re.search(r"Allocation \d+ has been prepared\. An approver must approve it; only "
                     r"then are the decisions taken\.", html)
    assert text_of(html, "h1").startswith("Allocation ")


def test_places_upload_in_english(world, clock, login_as):
    clock.moment = IN_WINDOW
    draft = world.employer_applicant.create(world.praktijkleren()).get_json()
    client = login_as(world.employer_applicant.user)
    page = f"/aanvragen/{draft['id']}/plaatsen"
    choose(client, "en", page)
    html = client.get(page).get_data(as_text=True)
    assert text_of(html, "h1").startswith("Places of ")
    assert '<label class="field__label" for="file">CSV file with places</label>' in html
    # What the upload script says comes with the page, in its language.
    assert 'data-text-progress="Uploaded: {percent}%."' in html

    empty = client.post(page, data={"csrf_token": csrf_token(client, page)},
                        content_type="multipart/form-data")
    assert empty.status_code == 422
    assert "Choose the CSV file with the places." in empty.get_data(as_text=True)

    response = client.post(page, content_type="multipart/form-data", data={
        "file": (io.BytesIO(csv_file(*good_lines())), "plaatsen.csv", "text/csv"),
        "csrf_token": csrf_token(client, page)})
    assert response.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert ("3 places read from 3 lines; the previous places have been replaced. The amount "
            "requested is now €5,400.00.") in html
    together = re.search(r"<p>Together(.*?)</p>", html, re.S).group(1)
    assert " ".join(together.split()) == "1.5 full mbo places, 0.5 full hbo places."


def test_lifecycle_labels_in_english(client, login_as, schemes):
    login_as(UserFactory(role=Role.ASSESSOR))
    choose(client, "en", "/regelingen/sectorplan/levensloop")
    html = client.get("/regelingen/sectorplan/levensloop").get_data(as_text=True)
    assert text_of(html, "h1").startswith("Lifecycle of an application: ")
    table = html[html.index('<table class="lifecycle-table"'):]
    assert "<th scope=\"row\">Draft</th>" in table
    assert 'Submit <code class="lifecycle-table__code">submit</code>' in table
    assert "<td>Applicant</td>" in table
    assert "Concept" not in table and "Indienen" not in table
    # The picture names the states in English as well.
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert ">Draft<" in svg and ">Concept<" not in svg


def test_error_pages_in_english_while_the_api_stays_dutch(client, login_as):
    login_as(UserFactory(role=Role.ASSESSOR))
    choose(client, "en", "/")
    page = client.get("/bestaat-niet")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert text_of(html, "h1") == "Not found"
    assert "This page does not exist, or you do not have access to it." in html

    api = client.get("/api/v1/bestaat-niet")
    assert api.status_code == 404
    assert api.get_json()["error"]["message"] == \
        "Deze pagina bestaat niet, of u heeft er geen toegang toe."


def test_downloads_stay_dutch_whatever_the_page_language(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    dutch = client.get("/financien/budgetten.csv").get_data()
    choose(client, "en", "/financien/budgetten")
    assert client.get("/financien/budgetten.csv").get_data() == dutch


# -- the formatters ---------------------------------------------------------------------------

@pytest.mark.no_db
@pytest.mark.parametrize(("language", "amount", "negative", "day", "moment", "share"), [
    ("nl", "€\xa01.234.567,89", "€\xa0-12,50", "1 oktober 2013", "1 oktober 2013 09:00", "37,5%"),
    ("en", "€1,234,567.89", "-€12.50", "1 October 2013", "1 October 2013 09:00", "37.5%"),
])
def test_page_formatters_follow_the_language(app, language, amount, negative, day, moment,
                                             share):
    with app.test_request_context("/"):
        from flask import session
        session["language"] = language
        assert page_eur(1_234_567_89) == amount
        assert page_eur(-12_50) == negative
        assert page_eur(None) == ""
        assert page_day(date(2013, 10, 1)) == day
        # A moment is shown in Amsterdam time, also for a day given as a moment.
        assert page_moment(datetime(2013, 10, 1, 7, 0, tzinfo=UTC)) == moment
        assert page_day(datetime(2013, 9, 30, 22, 30, tzinfo=UTC)) == day
        assert page_permille(375) == share
        # The fixed formatters of letters, exports and the API stay Dutch.
        assert format_eur(1_234_567_89) == "€\xa01.234.567,89"
        assert format_day(date(2013, 10, 1)) == "1 oktober 2013"


# -- the catalog ------------------------------------------------------------------------------

def _messages(mo: io.BufferedIOBase) -> dict:
    """msgid → msgstr of a compiled catalog; a plural's forms as tuples."""
    def key(value):
        return tuple(value) if isinstance(value, list) else value
    return {key(message.id): key(message.string) for message in read_mo(mo) if message.id}


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|\{\w+\}|%%", text))


@pytest.mark.no_db
def test_every_msgid_has_an_english_translation():
    catalog = _catalog()
    assert catalog.locale_identifier == "en"
    untranslated, fuzzy, mismatched = [], [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            fuzzy.append(ids[0])
        if not all(strings):
            untranslated.append(ids[0])
            continue
        # Plural forms may leave out the number (%(num)s) in the singular; nothing else.
        if {p for i in ids for p in _placeholders(i)} != \
                {p for s in strings for p in _placeholders(s)}:
            mismatched.append(ids[0])
    assert not untranslated, f"no English for: {untranslated}"
    assert not fuzzy, f"fuzzy (check and clear the flag): {fuzzy}"
    assert not mismatched, f"placeholders differ between Dutch and English: {mismatched}"


@pytest.mark.no_db
def test_the_compiled_catalog_matches_the_po_file():
    catalog = _catalog()
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    expected = _messages(compiled)
    with MO.open("rb") as handle:
        committed = _messages(handle)
    stale = sorted(str(key) for key in expected.keys() ^ committed.keys())
    stale += sorted(str(key) for key in expected.keys() & committed.keys()
                    if expected[key] != committed[key])
    assert not stale, ("messages.mo is out of date (run pybabel compile -d grants/translations):"
                       f" {stale[:20]}")


@pytest.mark.no_db
def test_every_marked_text_in_the_code_is_in_the_catalog():
    """Runs the extraction of the README on grants/ and names what the catalog lacks."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        extracted.add(message[0] if isinstance(message, tuple) else message)
    catalog = _catalog()
    known = {message.id[0] if isinstance(message.id, tuple) else message.id
             for message in catalog if message.id}
    assert extracted, "the extraction found nothing: check babel.cfg"
    missing = sorted(extracted - known)
    assert not missing, (f"{len(missing)} texts are not in the catalog; update it "
                         f"(README, Languages): {missing}")
