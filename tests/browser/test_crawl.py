"""Every page of every role, reached the way people reach them (by following links from the start
page), after realistic administrator actions: none answers an error, none has an axe-core
violation, and none shows a code name (``first_come_first_served``, ``employees``) instead of
Dutch."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.browser.conftest import answer_code_step, demo_server
from tests.browser.test_pages import DEMO_USERS, log_in

# Not pages: files to download, the way out, and the language switch (it only redirects back).
SKIPPED = re.compile(r"(\.(pdf|csv|json|xml|xlsx|zip|svg|png)$)|^/logout|^/taal/|/api/|/static/"
                     r"|/download|/export")
# A code name in running text: snake_case words, or the codes of api.md that have Dutch names.
CODE_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\((?:employers|employees|other|vmbo|hbo|"
                       r"in_kind|cash)\)")
# Each kind of page once per role: an application's page stands for all applications' pages.
PAGES_PER_ROLE = 100


def _kind_of_page(url: str) -> str:
    parts = urlsplit(url)
    query = "&".join(sorted(re.sub(r"=.*", "", pair) for pair in parts.query.split("&") if pair))
    return re.sub(r"\d+", "N", parts.path) + ("?" + query if query else "")


def _links(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href], header a[href], nav a[href]",
                                      "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href.split("#")[0])
        parts = urlsplit(url)
        if url.startswith(base) and parts.path and not SKIPPED.search(parts.path):
            found.append(url)
    return found


@pytest.fixture(scope="module")
def crawl_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("crawl-instance"), "crawl") as server:
        yield server.url


@pytest.fixture(scope="module")
def after_admin_actions(browser, crawl_server):
    """An administrator's ordinary morning: a new organisation, an applicant account for it
    made with its KvK number (which once broke three admin pages), a staff account."""
    context = browser.new_context(base_url=crawl_server, locale="nl-NL")
    answer_code_step(context)  # staff log in with two-factor authentication
    page = context.new_page()
    log_in(page, "beheer")
    page.goto("/beheer/organisaties/nieuw")
    page.get_by_label("Naam", exact=True).fill("Technische Installateurs Zwolle B.V.")
    page.get_by_label("KvK-nummer").fill("69599084")
    page.get_by_label("Soort organisatie").select_option(label="Werkgever")
    page.get_by_label("Landsdeel").select_option(label="Oost-Nederland")
    page.get_by_role("button", name=re.compile("aanmaken|bewaren", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Technische Installateurs")
    for name, email, role, kvk in [
            ("Ilse Kramer", "ilse@installateurs-zwolle.nl", "Aanvrager", "69599084"),
            ("Jan de Boer", "jan.deboer@minszw.nl", "Beoordelaar", "")]:
        page.goto("/beheer/gebruikers/nieuw")
        page.get_by_label("Naam", exact=True).fill(name)
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label(role, exact=True).check()
        if kvk:
            page.get_by_label("KvK-nummer van de organisatie").fill(kvk)
        page.get_by_role("button", name=re.compile("aanmaken", re.I)).click()
        expect(page.get_by_role("status")).to_contain_text(name)
    context.close()
    return crawl_server


@pytest.mark.parametrize("local", [local for local, _name, _role in DEMO_USERS])
def test_every_page_of_every_role_answers_without_error_axe_violation_or_code_name(
        browser, after_admin_actions, local):
    base = after_admin_actions
    context = browser.new_context(base_url=base, locale="nl-NL",
                                  viewport={"width": 1280, "height": 800})
    answer_code_step(context)
    page = context.new_page()
    try:
        log_in(page, local)
        problems: list[str] = []
        seen_kinds: set[str] = set()
        queue = deque([base + "/"])
        visited = 0
        while queue and visited < PAGES_PER_ROLE:
            url = queue.popleft()
            kind = _kind_of_page(url)
            if kind in seen_kinds:
                continue
            seen_kinds.add(kind)
            try:
                response = page.goto(url)
            except PlaywrightError as error:
                if "Download is starting" in str(error):  # a file, not a page
                    continue
                raise
            visited += 1
            path = urlsplit(url).path
            if response is None or response.status >= 400:
                problems.append(f"{path}: HTTP {response.status if response else '?'}")
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            for violation in Axe().run(page).response["violations"]:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                problems.append(f"{path}: axe {violation['id']} ({violation['impact']}): "
                                f"{targets}")
            # <code> holds what API users type (a trigger's name beside its Dutch label).
            text = page.eval_on_selector("main", """main => {
                const copy = main.cloneNode(true);
                copy.querySelectorAll("code").forEach(code => code.remove());
                document.body.appendChild(copy);
                const text = copy.innerText;
                copy.remove();
                return text;
            }""")
            for code in sorted(set(CODE_NAME.findall(text))):
                problems.append(f"{path}: code name {code!r} shown")
            queue.extend(_links(page, base))
        assert visited > 3, "the crawl found almost no pages"
        assert visited < PAGES_PER_ROLE, f"{local}: more kinds of page than the crawl visits"
        assert not problems, f"{local} ({visited} pages):\n" + "\n".join(problems)
    finally:
        context.close()
