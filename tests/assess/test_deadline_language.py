"""A term's name and how far off its end is, in the page's language: Dutch by default, English
after the switch, one day told apart from more days in both; the command line stays Dutch."""

import re
from datetime import UTC, datetime

import pytest
from flask import session

from grants.services.deadlines import DeadlineKind, days_status, kind_label
from tests.assess.conftest import ok, text
from tests.test_i18n import choose

QUEUE = "/beoordelen/"
DEADLINES = "/aanvragen/termijnen"


def says(page: str, words: str) -> bool:
    """``words`` on the page as a whole: "nog 1 dag" is not in "nog 1 dagen" nor "nog 11 dag"."""
    return re.search(rf"(?<![\w]){re.escape(words)}(?![\w])", page) is not None


# The decision on an application sent on 1 April 2014 is due Monday 1 September 2014.
@pytest.mark.parametrize("moment, dutch, english", [
    (datetime(2014, 8, 25, 10, tzinfo=UTC), "nog 7 dagen", "7 days left"),
    (datetime(2014, 8, 31, 10, tzinfo=UTC), "nog 1 dag", "1 day left"),
    (datetime(2014, 9, 1, 10, tzinfo=UTC), "vandaag", "today"),
    (datetime(2014, 9, 2, 10, tzinfo=UTC), "1 dag te laat", "1 day overdue"),
    (datetime(2014, 9, 4, 10, tzinfo=UTC), "3 dagen te laat", "3 days overdue"),
])
def test_staff_pages_tell_the_term_in_the_pages_language(world, flow, login_as, clock, moment,
                                                         dutch, english):
    number = flow.in_assessment()
    clock.moment = moment
    client = login_as(world.assessor.user)
    pages = (QUEUE, f"/aanvragen/{number}", DEADLINES)

    for page in pages:
        shown = text(client.get(page))
        assert says(shown, "Beslistermijn") and says(shown, dutch), page
        assert not says(shown, english) and not says(shown, "Decision term"), page

    choose(client, "en", QUEUE)
    for page in pages:
        shown = text(client.get(page))
        assert says(shown, "Decision term") and says(shown, english), page
        assert not says(shown, dutch) and not says(shown, "Beslistermijn"), page


def repair_term_overdue(world, flow, clock) -> int:
    """An application asked to complete, whose repair term (to 15 April 2014) ran out a day
    ago."""
    asked = flow.submitted()
    ok(world.assessor.fire(asked, "request_information", {"reason": "Begroting ontbreekt"}))
    clock.moment = datetime(2014, 4, 16, 10, tzinfo=UTC)
    return asked


def test_deadlines_page_in_english_names_the_overdue_repair_term(world, flow, login_as,
                                                                  clock):
    repair_term_overdue(world, flow, clock)
    client = login_as(world.assessor.user)

    dutch = text(client.get(DEADLINES))
    assert "1 dag te laat (verlopen) Hersteltermijn aanvrager SP-T2-00001" in dutch
    assert "Vandaag is het 16 april 2014." in dutch

    choose(client, "en", DEADLINES)
    english = text(client.get(DEADLINES))
    assert "1 day overdue (expired) Applicant's repair term SP-T2-00001" in english
    assert "Today is 16 April 2014." in english
    assert "Incomplete" in english and "Onvolledig" not in english


def test_applicants_status_page_names_the_terms_in_the_pages_language(world, flow, login_as,
                                                                       clock):
    asked = repair_term_overdue(world, flow, clock)
    client = login_as(world.applicant.user)
    page = f"/portaal/aanvragen/{asked}"

    assert "Aanvullen uiterlijk 15 april 2014 (verstreken)" in text(client.get(page))
    choose(client, "en", page)
    assert "Supplement by 15 April 2014 (expired)" in text(client.get(page))


@pytest.mark.parametrize("language, kinds, extended, statuses", [
    ("nl", ["Beslistermijn", "Hersteltermijn aanvrager", "Beslissing op bezwaar",
            "Rapportage aanvrager"], "Beslissing op bezwaar (verlengd)",
     ["3 dagen te laat", "1 dag te laat", "vandaag", "nog 1 dag", "nog 2 dagen"]),
    ("en", ["Decision term", "Applicant's repair term", "Decision on objection",
            "Applicant's report"], "Decision on objection (extended)",
     ["3 days overdue", "1 day overdue", "today", "1 day left", "2 days left"]),
])
def test_every_term_and_status_in_both_languages(app, language, kinds, extended, statuses):
    with app.test_request_context():
        session["language"] = language
        assert [kind_label(kind) for kind in DeadlineKind] == kinds
        assert kind_label(DeadlineKind.OBJECTION, extended=True) == extended
        assert [days_status(days) for days in (-3, -1, 0, 1, 2)] == statuses


def test_command_line_stays_dutch_with_one_day_and_more(app, world, flow, clock):
    flow.submitted()  # decision due 1 September 2014
    asked = flow.submitted()  # repair term to 15 April 2014
    ok(world.assessor.fire(asked, "request_information", {"reason": "Begroting ontbreekt"}))
    runner = app.test_cli_runner()

    clock.moment = datetime(2014, 4, 14, 10, tzinfo=UTC)
    soon = runner.invoke(args=["grants", "deadlines"])
    assert soon.exit_code == 0, soon.output
    assert "nog 1 dag " in soon.output and "Hersteltermijn aanvrager" in soon.output

    clock.moment = datetime(2014, 4, 15, 10, tzinfo=UTC)
    assert "vandaag" in runner.invoke(args=["grants", "deadlines"]).output

    clock.moment = datetime(2014, 4, 18, 10, tzinfo=UTC)
    late = runner.invoke(args=["grants", "deadlines"]).output
    assert "3 dagen te laat" in late

    clock.moment = datetime(2014, 9, 2, 10, tzinfo=UTC)
    (decision,) = [line for line in runner.invoke(args=["grants", "deadlines"]).output
                   .splitlines() if "SP-T2-00001" in line]
    assert "1 dag te laat " in decision and "Beslistermijn" in decision
