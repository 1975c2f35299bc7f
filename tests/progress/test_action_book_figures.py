"""The action book in the open data and in the report for parliament: each action with its
steps counted at the day of the figures (a step done later was still open then)."""

import csv
import io
import json
from datetime import UTC, date, datetime

from grants.i18n import SESSION_KEY
from grants.services.action_book import summarise
from grants.services.progress import compute_progress
from grants.services.progress_report import report_pdf
from tests.actions.test_action_book import _with_steps, keeper  # noqa: F401 (fixture)
from tests.progress.test_figures import _pdf_text

# _with_steps makes, around 1 April 2014: "Partners gevonden" due 22 March, done 20 March;
# "Pact ondertekend" due 31 March, open; "Projecten gestart" due 2 April, open.
APRIL_FIRST = datetime(2014, 4, 1, 10, tzinfo=UTC)


def test_the_json_and_csv_hold_each_action(client, keeper, clock):  # noqa: F811
    clock.moment = APRIL_FIRST
    action = _with_steps(keeper, clock)
    data = json.loads(client.get("/voortgang/data.json").get_data(as_text=True))
    (row,) = data["actions"]
    assert (row["id"], row["title"], row["region"]) == (action.id, "Meer werkleerplaatsen", "Noord")
    assert (row["steps_total"], row["steps_done"], row["steps_overdue"]) == (3, 1, 1)
    assert row["theme_label"] == "Regionale techniekpacten" and row["is_example"] is True

    rows = list(csv.DictReader(io.StringIO(client.get("/voortgang/data.csv").get_data(
        as_text=True))))
    (line,) = [r for r in rows if r["record_type"] == "action"]
    assert line["action_id"] == str(action.id) and line["name"] == "Meer werkleerplaatsen"
    assert (line["theme"], line["kind"], line["region"], line["status"]) == (
        "regionaal", "regional", "Noord", "on_schedule")
    assert line["parties"] == "Ministerie van OCW; SBB"
    assert (line["steps_total"], line["steps_done"], line["steps_overdue"],
            line["next_due_on"], line["is_example"]) == ("3", "1", "1", "2014-03-31", "true")


def test_a_reader_of_the_english_pages_gets_the_same_file(client, keeper, clock):  # noqa: F811
    clock.moment = APRIL_FIRST
    _with_steps(keeper, clock)
    with client.session_transaction() as session:
        session[SESSION_KEY] = "en"
    assert '<html lang="en">' in client.get("/voortgang").get_data(as_text=True)
    row = json.loads(client.get("/voortgang/data.json").get_data(as_text=True))["actions"][0]
    assert (row["theme_label"], row["status_label"]) == ("Regionale techniekpacten", "Op schema")


def test_a_step_done_after_the_day_was_still_open_then(keeper, clock):  # noqa: F811
    clock.moment = APRIL_FIRST
    action = _with_steps(keeper, clock)
    # On 21 March the step done on 20 March is done; on 19 March it was open (due 22 March).
    assert summarise(action, date(2014, 3, 21)).steps_done == 1
    before = summarise(action, date(2014, 3, 19))
    assert (before.steps_done, before.steps_overdue) == (0, 0)
    # On 25 March it would have been overdue had it not been done on 20 March.
    assert summarise(action, date(2014, 3, 25)).steps_overdue == 0
    figures = compute_progress(date(2014, 3, 19))
    assert figures.actions[0]["steps_done"] == 0


def test_the_report_lists_the_actions(app, keeper, clock):  # noqa: F811
    clock.moment = APRIL_FIRST
    _with_steps(keeper, clock)
    with app.test_request_context():
        text = " ".join(_pdf_text(report_pdf(None)).split())
    assert "Actieboek" in text and "Meer werkleerplaatsen (voorbeeld)" in text
    # Done 1 of 3 now; none of them existed at the previous report, six months earlier.
    assert "1 / 3 (0 / 3)" in text
