"""The approver's queue in a real browser: a first-come-first-served window's assessed
applications in the order of completeness, with the room left under the ceiling beside each,
and the draft of the letter before signing (a PDF marked CONCEPT, nothing decided or stored).
axe-core finds no serious or critical violation on the queue and the decision page, at laptop
and at phone width.

The demo's moment is Wednesday 2 July 2014, noon in Amsterdam: T2's sector plans SP-T2-00001,
-00002, -00003 and -00006 are assessed and none is decided yet (the first grant follows on
4 July). A live server of its own, so no other browser test sees this moment. With
GRANTS_DATABASE_URL set it runs on that PostgreSQL database, in a schema of its own that is
dropped afterwards; otherwise on a SQLite file of its own.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from grants.clock import RunningClock
from tests.browser.conftest import demo_server, own_postgresql_schema
from tests.browser.test_pages import assert_no_serious_violations, log_in
from tests.decisions.letter_checks import pdf_text

NOON = datetime(2014, 7, 2, 10, 0, tzinfo=UTC)
SCHEMA = "browser_approver"
QUEUE = "/beoordelen/besluiten"
PHONE = {"width": 390, "height": 844}

# Written out from the demo's history (grants/demo.py), not read from the code under test:
# complete on 14 April (00002), 29 April (00001, after its information came), 2 May (00003),
# 20 May (00004, still in assessment: it keeps its place but waits for no decision yet) and
# 30 May (00006). T2's ceiling is € 200 mln and nothing is committed on it yet; the room beside
# each is the ceiling minus what the applications before it asked for.
EXPECTED = [
    # (reference, place, requested, room under the ceiling)
    ("SP-T2-00002", "1", "€ 3.250.000,00", "€ 200.000.000,00"),
    ("SP-T2-00001", "2", "€ 2.500.000,00", "€ 196.750.000,00"),  # 200 mln − 3,25 mln
    ("SP-T2-00003", "3", "€ 4.000.000,00", "€ 194.250.000,00"),  # − 2,5 mln
    ("SP-T2-00006", "5", "€ 1.800.000,00", "€ 185.500.000,00"),  # − 4 mln − 4,75 mln (00004)
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with own_postgresql_schema(SCHEMA) as database_url, demo_server(
            tmp_path_factory.mktemp("approver-instance"), "approver",
            clock=RunningClock(NOON), database_url=database_url) as running:
        from grants.extensions import db

        with running.app.app_context():
            assert db.engine.dialect.name == ("postgresql" if database_url else "sqlite")
        yield running


def accessible(page: Page, what: str) -> None:
    assert_no_serious_violations(page, what)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_no_serious_violations(page, f"{what} (phone)")
    page.set_viewport_size(size)


def cells(row) -> tuple[str, str, str, str]:
    def cell(label: str) -> str:
        return " ".join(row.locator(f'[data-label="{label}"]').inner_text().split())

    return (row.get_attribute("data-reference"), cell("Plaats"), cell("Gevraagd"),
            cell("Ruimte onder het plafond"))


def stored_for(server, reference: str) -> tuple[str, int, int]:
    """The application's state, its decision rows and ledger entries, read in the database."""
    from grants.extensions import db
    from grants.models import Application, Decision, LedgerEntry

    with server.app.app_context():
        application = db.session.scalars(
            sa.select(Application).where(Application.reference == reference)).one()
        found = (application.state.value,
                 db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
                     Decision.application_id == application.id)),
                 db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
                     LedgerEntry.application_id == application.id)))
        db.session.remove()
        return found


def test_the_queue_in_order_of_completeness_with_room_and_a_draft_letter(open_page, server,
                                                                         screenshot):
    approver = open_page(server.url)
    log_in(approver, "beslisser")
    approver.goto(QUEUE)
    expect(approver.get_by_role("heading", level=1)).to_have_text("Besluiten")
    order = approver.get_by_role("region", name="Volgorde van Tweede aanvraagtijdvak")
    expect(order).to_be_visible()
    rows = order.locator("tbody tr")
    expect(rows).to_have_count(len(EXPECTED))
    assert [cells(rows.nth(i)) for i in range(len(EXPECTED))] == EXPECTED
    main = approver.get_by_role("main")
    expect(main).to_contain_text("Nu over: € 200.000.000,00")
    # Each fits the room left before it: none is marked short.
    expect(main).not_to_contain_text("minder dan gevraagd")
    accessible(approver, QUEUE)
    screenshot(approver, "approver-queue")
    assert approver.errors == []

    # The draft of SP-T2-00003's grant: the letter as it would go out, with the amount asked.
    before = stored_for(server, "SP-T2-00003")
    draft = order.get_by_role("link", name="Concept van de brief bekijken voor SP-T2-00003")
    expect(draft).to_have_attribute("target", "_blank")
    answer = approver.request.get(draft.get_attribute("href"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    letter = pdf_text(answer.body())
    assert "CONCEPT" in letter and "4.000.000,00" in letter
    # Nothing decided, stored or booked by reading it.
    assert before[0] == "assessed"
    assert stored_for(server, "SP-T2-00003") == before

    # The decision page of the first in line offers the drafts of both decisions.
    order.get_by_role("link", name="Besluiten over SP-T2-00002").click()
    expect(approver.get_by_role("button", name="Subsidie verlenen")).to_be_visible()
    expect(approver.get_by_role("main")).to_contain_text("SP-T2-00002")
    accessible(approver, "/beoordelen/besluiten/<SP-T2-00002>")
    screenshot(approver, "approver-decide")
    refusal = approver.get_by_role("link", name="Concept van de afwijzingsbrief bekijken")
    answer = approver.request.get(refusal.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert "CONCEPT" in pdf_text(answer.body())
    assert approver.errors == []
    assert stored_for(server, "SP-T2-00002")[0] == "assessed"
