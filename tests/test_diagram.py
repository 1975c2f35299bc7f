"""The lifecycle picture and table are drawn from the workflow definition the engine runs.

The picture is transitions' own drawing (its diagrams extension, with graphviz): these tests
read the SVG that `dot` makes, where each state's and each arrow's group has a <title> with its
name ("draft", "draft->submitted"), and hold it against the engine's `transitions` Machine.
"""

import dataclasses
import re
import types
import xml.etree.ElementTree as ET  # noqa: S405  (parses SVG we generate ourselves)

import pytest

from grants.models import ROLE_LABELS, STATE_LABELS, TRIGGER_LABELS, ApplicationState, Role
from grants.workflows import REGISTRY, workflow_for
from grants.workflows.diagram import machine, render_svg
from grants.workflows.engine import Workflow, transition
from grants.workflows.lifecycle import edges, table_rows
from tests.factories import UserFactory

S = ApplicationState
SVG = "{http://www.w3.org/2000/svg}"
CODES = sorted(REGISTRY)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own output, not untrusted input)


def draw(workflow: Workflow, translate=str, title: str = "Levensloop") -> ET.Element:
    return parse(render_svg(workflow, translate, title=title, description="Statussen en pijlen"))


def text_of(element: ET.Element) -> str:
    """The lines of text in an element, each on a line of its own."""
    return "\n".join("".join(text.itertext()) for text in element.iter(f"{SVG}text"))


def groups(root: ET.Element, kind: str) -> dict[str, str]:
    """{title: text} of graphviz's groups of one kind ("node" or "edge")."""
    return {group.find(f"{SVG}title").text: text_of(group) for group in root.iter(f"{SVG}g")
            if group.get("class") == kind}


def arrows(root: ET.Element) -> dict[tuple[str, str], str]:
    """{(source, dest): label} of every arrow drawn."""
    return {tuple(title.split("->")): text for title, text in groups(root, "edge").items()}


def engine_edges(workflow: Workflow) -> set[tuple[str, str, str]]:
    """(trigger, source, dest) of every transition of the engine's own machine."""
    return {(name, item.source, item.dest) for name, event in workflow.machine.events.items()
            for items in event.transitions.values() for item in items}


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
    # with extend_decision_term (Awb 4:14), the hearing (7:2) and a committee member's
    # declaration of a conflict of interest (not a trigger, but on the audit trail)
    assert len(TRIGGER_LABELS) == 28
    for workflow in REGISTRY.values():
        assert set(workflow.triggers) <= set(TRIGGER_LABELS)


@pytest.mark.no_db
@pytest.mark.parametrize("code", CODES)
def test_the_picture_machine_has_the_engines_states_and_transitions(code):
    workflow = workflow_for(code)
    drawn = machine(workflow)
    assert list(drawn.states) == list(workflow.machine.states)
    assert engine_edges(workflow) == {
        (name, item.source, item.dest) for name, event in drawn.events.items()
        for items in event.transitions.values() for item in items}


# -- the picture ----------------------------------------------------------------------------

@pytest.mark.no_db
@pytest.mark.parametrize("code", CODES)
def test_picture_draws_the_machines_states_and_edges_with_dutch_labels(code):
    workflow = workflow_for(code)
    root = draw(workflow)
    nodes, drawn = groups(root, "node"), arrows(root)
    assert set(nodes) == {state.value for state in workflow.states}
    for state in workflow.states:
        assert STATE_LABELS[state] in nodes[state.value].splitlines()

    transitions = engine_edges(workflow)
    # An arrow for every pair of states a trigger moves between, and for nothing else ...
    assert set(drawn) == {(source, dest) for _t, source, dest in transitions if source != dest}
    for trigger, source, dest in transitions:
        label = TRIGGER_LABELS[trigger]
        if source != dest:  # ... with the Dutch labels of its triggers on it,
            assert label in " ".join(drawn[source, dest].split()), (trigger, source, dest)
        else:  # and the triggers that keep the state listed in its box.
            assert f"↻ {label}" in nodes[source], (trigger, source)
    # Once each: no trigger code in the picture, no loops drawn beside the list.
    for trigger in workflow.triggers:
        assert not re.search(rf"\b{trigger}\b", text_of(root)), trigger


@pytest.mark.no_db
@pytest.mark.parametrize("code", CODES)
def test_picture_is_inline_accessible_svg_in_the_sites_style(code):
    svg = render_svg(workflow_for(code), title="Levensloop: A < B", description="Pijlen",
                     id_prefix="levensloop")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<!--" not in svg
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "levensloop-title levensloop-desc"
    assert root.find(f"{SVG}title").get("id") == "levensloop-title"
    assert root.find(f"{SVG}title").text == "Levensloop: A < B"
    assert root.find(f"{SVG}desc").get("id") == "levensloop-desc"
    assert root.find(f"{SVG}desc").text == "Pijlen"
    assert "lifecycle__svg" in root.get("class")
    assert [title.text for title in root.iter(f"{SVG}title")].count("Levensloop: A < B") == 1
    # Pixels as wide as the drawing, so the page only ever shrinks it.
    width = float(root.get("width"))
    assert width == pytest.approx(float(root.get("viewBox").split()[2]), abs=1)
    assert 'stroke="#154273"' in svg  # the site's blue around the states


@pytest.mark.no_db
def test_states_nothing_leads_on_from_are_grey():
    root = draw(workflow_for("sectorplan"))
    fills = {group.find(f"{SVG}title").text: group.find(f"{SVG}path").get("fill")
             for group in root.iter(f"{SVG}g") if group.get("class") == "node"}
    assert fills["withdrawn"] == fills["closed"] == "#f3f3f3"
    assert fills["draft"] == fills["approved"] == "#ffffff"


@pytest.mark.no_db
def test_a_change_to_the_definition_shows_in_the_picture():
    assert ("draft", "approved") not in arrows(draw(small_workflow()))

    changed = small_workflow(
        transition("fast_track", S.DRAFT, S.APPROVED, Role.APPROVER),
        transition("audit", S.APPROVED, None, Role.FINANCE),
    )
    labels = {"fast_track": "Snel verlenen", "audit": "Controleren"}
    root = draw(changed, lambda text: labels.get(text, text))
    assert arrows(root)[("draft", "approved")] == "Snel verlenen"
    assert "↻ Controleren" in groups(root, "node")["approved"]

    # And so for a real scheme: a transition added to its definition gets its arrow.
    sectorplan = workflow_for("sectorplan")
    reopened = dataclasses.replace(sectorplan, transitions=(
        *sectorplan.transitions, transition("reopen", S.REJECTED, S.SUBMITTED, Role.APPROVER)))
    assert ("rejected", "submitted") not in arrows(draw(sectorplan))
    assert arrows(draw(reopened))[("rejected", "submitted")] == "reopen"


@pytest.mark.no_db
def test_rif_picture_shows_the_assessment_both_moving_on_and_staying():
    root = draw(workflow_for("rif"))
    assert arrows(root)[("in_assessment", "assessed")] == \
        "Beoordeling vastleggen\n(als het quorum is bereikt)"
    assert "↻ Beoordeling vastleggen (anders)" in groups(root, "node")["in_assessment"]


@pytest.mark.no_db
def test_triggers_between_the_same_states_share_an_arrow_a_line_each():
    root = draw(workflow_for("rif"))
    assert arrows(root)[("approved", "monitored")] == "Voorschot betalen\nRapportage indienen"
    # A condition is noted only where the trigger's transitions lead apart.
    assert "↻ Beslissen op bezwaar\n" in groups(root, "node")["approved"] + "\n"


@pytest.mark.no_db
def test_text_is_escaped():
    root = draw(small_workflow(), lambda text: 'In <behandeling> & "zo"'
                if text == STATE_LABELS[S.SUBMITTED] else text, title="A < B & C")
    assert 'In <behandeling> & "zo"' in groups(root, "node")["submitted"]
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
    assert root.find(f"{SVG}title").text == f"Levensloop van een aanvraag: {name}"
    assert set(arrows(root)) == {(s, d) for _t, s, d in engine_edges(workflow) if s != d}
    words = " ".join(text_of(root).split())
    for state in workflow.states:
        assert STATE_LABELS[state] in words
    for trigger in workflow.triggers:
        assert TRIGGER_LABELS[trigger] in words

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


def test_each_picture_is_drawn_once_per_scheme_and_language(client, login_as, schemes):
    from grants.views.workflows import _picture

    login_as(UserFactory(role=Role.ASSESSOR))
    def picture() -> str:
        return re.search(r"<svg.*?</svg>", page_of(client, "rif"), re.S).group(0)

    first = picture()
    drawn = _picture.cache_info()
    assert picture() == first
    assert (_picture.cache_info().hits, _picture.cache_info().misses) == \
        (drawn.hits + 1, drawn.misses)


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


def test_without_graphviz_the_page_keeps_its_table_and_says_why(client, login_as, schemes,
                                                                  monkeypatch):
    import graphviz

    from grants.views import workflows as lifecycle_page

    def no_dot(*_args, **_kwargs):
        raise graphviz.ExecutableNotFound(("dot", "-Tsvg"))

    lifecycle_page._picture.cache_clear()
    monkeypatch.setattr(lifecycle_page, "render_svg", no_dot)
    login_as(UserFactory(role=Role.ASSESSOR))
    html = page_of(client, "sectorplan")
    lifecycle_page._picture.cache_clear()
    assert "<svg" not in html
    assert "op de server ontbreekt het programma Graphviz" in html
    table = html[html.index('<table class="lifecycle-table"'):html.index("</table>")]
    assert len(re.findall(r"<tr>", table)) == 1 + len(edges(workflow_for("sectorplan")))
