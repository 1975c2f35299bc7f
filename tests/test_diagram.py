"""The lifecycle picture and table are drawn from the workflow definition the engine runs."""

import dataclasses
import re
import types
import xml.etree.ElementTree as ET  # noqa: S405  (parses SVG we generate ourselves)

import pytest

from grants.models import ROLE_LABELS, STATE_LABELS, ApplicationState, Role
from grants.workflows import REGISTRY, workflow_for
from grants.workflows.diagram import (
    TRIGGER_LABELS,
    edges,
    layout,
    render_svg,
    table_rows,
)
from grants.workflows.engine import Workflow, transition
from tests.factories import UserFactory

S = ApplicationState
SVG = "{http://www.w3.org/2000/svg}"
CODES = sorted(REGISTRY)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own output, not untrusted input)


def texts(root: ET.Element) -> str:
    return "\n".join("".join(element.itertext()) for element in root.iter(f"{SVG}text"))


def arrows(root: ET.Element) -> list[dict]:
    return [path.attrib for path in root.iter(f"{SVG}path") if "data-from" in path.attrib]


def arrow(root: ET.Element, source: ApplicationState, dest: ApplicationState) -> dict:
    """The arrow between two states, either way round (a line back is drawn on its pair)."""
    for attrib in arrows(root):
        ends = (attrib["data-from"], attrib["data-to"])
        if ends == (source.value, dest.value):
            return {"triggers": attrib["data-triggers"].split(), "both_ways": False}
        if ends == (dest.value, source.value) and "data-back" in attrib:
            return {"triggers": attrib["data-back"].split(), "both_ways": True}
    raise AssertionError(f"no arrow from {source} to {dest}")


def stays_in(root: ET.Element, state: ApplicationState) -> str:
    for group in root.iter(f"{SVG}g"):
        if group.get("data-state") == state.value:
            return "".join(group.itertext())
    raise AssertionError(f"no box for {state}")


def small_workflow(*extra, states=(S.DRAFT, S.SUBMITTED, S.APPROVED, S.CLOSED)) -> Workflow:
    return Workflow(
        scheme="proef", states=states,
        transitions=(
            transition("submit", S.DRAFT, S.SUBMITTED, Role.APPLICANT),
            transition("approve", S.SUBMITTED, S.APPROVED, Role.APPROVER),
            transition("close", S.APPROVED, S.CLOSED, Role.FINANCE),
            *extra,
        ),
        fields=types.ModuleType("proef_fields"), default_rules={})


# -- the definition -------------------------------------------------------------------------

@pytest.mark.no_db
@pytest.mark.parametrize("code", CODES)
def test_edges_are_the_transitions_one_source_at_a_time(code):
    workflow = workflow_for(code)
    expected = [(source, t.trigger, t.dest or source, t.roles)
                for t in workflow.transitions for source in t.sources]
    assert [tuple(edge) for edge in edges(workflow)] == expected
    assert {edge.trigger for edge in edges(workflow)} == set(workflow.triggers)


@pytest.mark.no_db
def test_rif_assessment_moves_on_or_stays():
    found = [(edge.dest, edge.stays) for edge in edges(workflow_for("rif"))
             if edge.trigger == "record_assessment"]
    assert found == [(S.ASSESSED, False), (S.IN_ASSESSMENT, True)]


@pytest.mark.no_db
def test_every_trigger_has_a_dutch_description():
    assert len(TRIGGER_LABELS) == 23
    for workflow in REGISTRY.values():
        assert set(workflow.triggers) <= set(TRIGGER_LABELS)


@pytest.mark.no_db
@pytest.mark.parametrize("code", CODES)
def test_layout_places_every_state_once_from_draft_down(code):
    workflow = workflow_for(code)
    plan = layout(workflow)
    placed = [node for row in plan.rows for node in row if isinstance(node, ApplicationState)]
    assert sorted(placed) == sorted(workflow.states)
    assert plan.position(S.DRAFT) == (0, 0)
    # Every state change but the ones leading back goes down the picture.
    downward = [link for link in plan.links if not link.upward]
    assert all(plan.ranks[link.dest] > plan.ranks[link.source] for link in downward)
    assert layout(workflow) == plan  # deterministic


@pytest.mark.no_db
def test_unreachable_states_go_last():
    workflow = small_workflow(transition("pay", S.PAID, S.CLOSED, Role.FINANCE),
                              states=(S.DRAFT, S.SUBMITTED, S.APPROVED, S.CLOSED, S.PAID))
    plan = layout(workflow)
    assert plan.ranks[S.PAID] > max(plan.ranks[s] for s in workflow.states if s != S.PAID)
    parse(render_svg(workflow, STATE_LABELS))


# -- the picture ----------------------------------------------------------------------------

@pytest.mark.no_db
@pytest.mark.parametrize("code", CODES)
def test_picture_shows_every_state_and_trigger(code):
    workflow = workflow_for(code)
    root = parse(render_svg(workflow, STATE_LABELS, title="Levensloop"))
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Levensloop"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    words = texts(root)
    for state in workflow.states:
        assert STATE_LABELS[state] in words
    for trigger in workflow.triggers:
        assert re.search(rf"\b{trigger}\b", words), trigger
    # Every state change has its arrow, labelled with its trigger; every stay is in the box.
    for edge in edges(workflow):
        if edge.stays:
            assert edge.trigger in stays_in(root, edge.source)
        else:
            assert edge.trigger in arrow(root, edge.source, edge.dest)["triggers"]
    width = float(root.get("viewBox").split()[2])
    assert width <= 1100


@pytest.mark.no_db
def test_a_change_to_the_definition_shows_in_the_picture():
    plain = parse(render_svg(small_workflow(), STATE_LABELS))
    assert "fast_track" not in texts(plain)

    changed = small_workflow(
        transition("fast_track", S.DRAFT, S.APPROVED, Role.APPROVER),
        transition("audit", S.APPROVED, None, Role.FINANCE),
    )
    root = parse(render_svg(changed, STATE_LABELS))
    assert arrow(root, S.DRAFT, S.APPROVED)["triggers"] == ["fast_track"]
    assert "audit" in stays_in(root, S.APPROVED)
    assert "fast_track" in texts(root)

    # And so for a real scheme: a transition added to its definition gets its arrow.
    sectorplan = workflow_for("sectorplan")
    reopened = dataclasses.replace(sectorplan, transitions=(
        *sectorplan.transitions, transition("reopen", S.REJECTED, S.SUBMITTED, Role.APPROVER)))
    assert "reopen" not in texts(parse(render_svg(sectorplan, STATE_LABELS)))
    assert arrow(parse(render_svg(reopened, STATE_LABELS)), S.REJECTED,
                 S.SUBMITTED)["triggers"] == ["reopen"]


@pytest.mark.no_db
def test_rif_picture_shows_the_assessment_both_moving_on_and_staying():
    root = parse(render_svg(workflow_for("rif"), STATE_LABELS))
    assert "record_assessment" in arrow(root, S.IN_ASSESSMENT, S.ASSESSED)["triggers"]
    assert "record_assessment" in stays_in(root, S.IN_ASSESSMENT)
    assert "quorum" in texts(root)


@pytest.mark.no_db
def test_information_asked_and_provided_share_one_line():
    root = parse(render_svg(workflow_for("sectorplan"), STATE_LABELS))
    assert arrow(root, S.SUBMITTED, S.INCOMPLETE) == {
        "triggers": ["request_information"], "both_ways": False}
    assert arrow(root, S.INCOMPLETE, S.SUBMITTED) == {
        "triggers": ["provide_information"], "both_ways": True}


@pytest.mark.no_db
def test_text_is_escaped():
    labels = {**STATE_LABELS, S.SUBMITTED: 'In <behandeling> & "zo"'}
    root = parse(render_svg(small_workflow(), labels, title="A < B & C"))
    assert 'In <behandeling> & "zo"' in texts(root)
    assert root.find(f"{SVG}title").text == "A < B & C"


# -- the page -------------------------------------------------------------------------------

def page_of(client, code: str) -> str:
    response = client.get(f"/regelingen/{code}/levensloop")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("code", CODES)
def test_lifecycle_page_shows_picture_and_table(client, login_as, schemes, code):
    login_as(UserFactory(role=Role.ASSESSOR))
    html = page_of(client, code)
    workflow = workflow_for(code)
    name = schemes[code].name
    assert f"<h1>Levensloop van een aanvraag: {name}</h1>" in html
    assert f"<title>Levensloop van een aanvraag: {name} · " in html

    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = parse(svg)
    for state in workflow.states:
        assert STATE_LABELS[state] in texts(root)
    for trigger in workflow.triggers:
        assert trigger in texts(root)

    assert ('<div class="table-wrap" role="region" aria-label="Handelingen van '
            f'{name}" tabindex="0">') in html
    table = html[html.index('<table class="lifecycle-table"'):html.index("</table>")]
    cells = [re.sub(r"<[^>]+>", "", row) for row in re.findall(r"<tr>.*?</tr>", table, re.S)]
    body = cells[1:]
    assert len(body) == len(edges(workflow))
    for row, edge in zip(body, edges(workflow), strict=True):
        assert STATE_LABELS[edge.source] in row
        assert edge.trigger in row and TRIGGER_LABELS[edge.trigger] in row
        assert ("blijft" if edge.stays else STATE_LABELS[edge.dest]) in row
        for role in edge.roles:
            assert ROLE_LABELS[role] in row


def test_rif_table_lists_the_assessment_twice(client, login_as, schemes):
    login_as(UserFactory(role=Role.COMMITTEE))
    rows = [row for row in table_rows(workflow_for("rif"), STATE_LABELS)
            if row.trigger == "record_assessment"]
    assert [(row.source, row.dest, row.roles) for row in rows] == [
        ("In beoordeling", "Beoordeeld", "Lid beoordelingscommissie"),
        ("In beoordeling", "blijft", "Lid beoordelingscommissie")]
    assert [row.note for row in rows] == ["als het quorum is bereikt", "anders"]
    html = page_of(client, "rif")
    assert "(als het quorum is bereikt)" in html and "(anders)" in html


def test_unknown_scheme_is_not_found(client, login_as, schemes):
    login_as(UserFactory(role=Role.APPLICANT))
    assert client.get("/regelingen/onbekend/levensloop").status_code == 404


def test_scheme_without_a_record_is_not_found(client, login_as):
    # A workflow in the code, but no scheme of that code in the database.
    login_as(UserFactory(role=Role.ASSESSOR))
    assert client.get("/regelingen/rif/levensloop").status_code == 404


def test_anonymous_is_sent_to_login(client, schemes):
    response = client.get("/regelingen/sectorplan/levensloop")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
