"""The work queue's rows are written from texts worked out once a page (issue 16: at 100,000
applications the per-row gettext, Babel and url_for calls were most of the page's time). They
must read exactly as the per-row template wrote them, in both languages, and name the same
assessor as the whole queue's statement does."""

import re

import pytest
from flask import render_template_string, session

from grants.extensions import db
from grants.models import ApplicationState, AuditEvent
from grants.services.work_queue import QueueFilters, queue_items, queue_page, work_queue
from grants.timefmt import AMSTERDAM
from tests.assess.conftest import ok
from tests.conftest import START, csrf_token

QUEUE = "/beoordelen/"

# The rows as the queue's template wrote them before, one filter, macro and url_for per row
# (only current_user.id became viewer_id: this renders outside a logged-in request).
PER_ROW = """{% from "assess/_macros.html" import deadline_status %}
{% for item in items %}
    {% set deadline = item.deadline %}
    <tr role="row" class="{% if deadline and deadline.overdue %}queue__row--overdue{% elif item.due_soon %}queue__row--soon{% endif %}">
      <td role="cell" class="queue__due" data-label="{{ _('Termijn') }}">
        {% if deadline %}<span class="queue__date">{{ deadline.due_on | day }}</span><br><span class="queue__kind">{{ deadline.label }}</span><br>{% endif %}
        {{ deadline_status(deadline, due_soon_days) }}
      </td>
      <th scope="row" role="rowheader" class="reference card-table__key"><a href="{{ url_for('applications.show', application_id=item.application.id) }}">{{ item.application.reference }}</a></th>
      <td role="cell" class="card-table__wide">{{ item.application.title }}<br><span class="muted">{{ item.application.organisation.name }} · {{ item.application.scheme.name }}, {{ item.application.window.name }} · {{ item.application.region.value }}</span></td>
      <td role="cell" data-label="{{ _('Status') }}"><span class="state state--{{ item.application.state.value }}">{{ item.application.state | state_label }}</span></td>
      <td role="cell" data-label="{{ _('Beoordelaar') }}">{% if item.started_by %}{{ item.started_by.name }}{% if item.started_by.id == viewer_id %} <span class="muted">({{ _("u") }})</span>{% endif %}{% else %}<span class="muted">{{ _("nog niemand") }}</span>{% endif %}</td>
      <td role="cell" class="num" data-label="{{ _('Gevraagd') }}">{{ item.application.requested_cents | eur }}</td>
    </tr>
{% endfor %}"""  # noqa: E501  (the template as it was, lines and all)


def _rows_html(html: str) -> str:
    body = re.search(r'<tbody role="rowgroup">(.*?)</tbody>', html, re.S)
    assert body, "no rows on the page"
    return " ".join(body.group(1).split())


def _per_row(app, viewer, language: str, today, soon: int = 7) -> str:
    with app.test_request_context():
        session["language"] = language
        rows = db.session.execute(work_queue(viewer, QueueFilters(), today, soon)).all()
        html = render_template_string(PER_ROW, items=queue_items(rows, today, soon),
                                      due_soon_days=soon, viewer_id=viewer.id)
    return " ".join(html.split())


@pytest.fixture
def spread(world, flow, clock):
    """A queue with a term run out, one soon, one later, assessors of every kind: the viewer,
    another, the viewer replaced by another (the latest start counts), and no one."""
    asked = flow.submitted()  # SP-T2-00001: repair term to 15 April 2014
    ok(world.assessor.fire(asked, "request_information", {"reason": "Begroting ontbreekt"}))
    mine = flow.in_assessment()  # SP-T2-00002, decision due 1 September 2014
    ok(world.assessor2.fire(flow.submitted(), "start_assessment"))  # SP-T2-00003
    taken_over = flow.in_assessment()  # SP-T2-00004
    flow.submitted("rif")  # RIF-2014-00001, decision due 8 September 2014
    db.session.add(AuditEvent(
        application_id=taken_over, trigger="start_assessment",
        from_state=ApplicationState.IN_ASSESSMENT, to_state=ApplicationState.IN_ASSESSMENT,
        actor_id=world.assessor2.user.id, at=clock(), reason="", data={}))
    db.session.commit()
    # 1 September is then 4 days off (soon), 8 September 11 (later), 15 April long gone.
    clock.moment = START.replace(month=8, day=28)
    return {"mine": mine, "taken_over": taken_over}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_rows_read_as_the_per_row_template_wrote_them(app, world, spread, login_as, clock,
                                                       language):
    client = login_as(world.assessor.user)
    if language == "en":
        client.post("/taal", data={"language": "en", "next": QUEUE,
                                   "csrf_token": csrf_token(client, QUEUE)})
    page = client.get(QUEUE).get_data(as_text=True)
    today = clock().astimezone(AMSTERDAM).date()

    expected = _per_row(app, world.assessor.user, language, today)
    assert _rows_html(page) == expected
    # Every kind of row is on it, so the comparison covers each branch.
    for marked in ("queue__row--overdue", "queue__row--soon", "/aanvragen/"):
        assert marked in expected
    assert expected.count("<tr ") == 5
    assert ("(u)" if language == "nl" else "(you)") in expected


def test_the_page_names_the_latest_starter_of_each_application(world, spread, clock):
    assessor = world.assessor.user
    today = clock().date()
    whole = {application.id: starter for application, _due, starter
             in db.session.execute(work_queue(assessor, QueueFilters(), today, 7))}
    page = {application.id: starter
            for application, _due, starter in queue_page(assessor, QueueFilters(), today, 7,
                                                          offset=0, limit=50)}
    assert page == whole
    assert page[spread["taken_over"]].id == world.assessor2.user.id
    assert page[spread["mine"]].id == assessor.id
    assert sum(starter is None for starter in page.values()) == 2
