"""A scheme's lifecycle drawn by `transitions` itself: its diagrams extension, with graphviz.

The picture's machine is a `GraphMachine` with the states and transitions of the very `Workflow`
the engine fires triggers on (grants.workflows.engine), one transition per source state as in the
table (grants.workflows.lifecycle), labelled in the reader's language. Graphviz's `dot` lays it
out as SVG, which is made fit to embed in a page: no XML prolog, an accessible name and
description, the site's colours. Transitions that keep the state are listed in its box (↻).
"""

import re
from collections import defaultdict
from collections.abc import Callable

from markupsafe import escape
from transitions import State
from transitions.extensions import GraphMachine
from transitions.extensions.diagrams_graphviz import Graph

from grants.models import STATE_LABELS
from grants.workflows.engine import Workflow
from grants.workflows.lifecycle import edges_with_notes, trigger_label

# The site's font and colours (grants/static/css/grants.css); the page's CSS sets the font of
# the text, `dot` measures it with this one or the nearest it has.
FONT = "Noto Sans"
BLUE, TEXT, MUTED, LINE, SOFT = "#154273", "#1a1a1a", "#4b4b4b", "#b4b4b4", "#f3f3f3"


class LabelledState(State):
    """A state with a label, which transitions' diagrams print instead of its name."""

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label


class LifecycleGraph(Graph):
    """transitions' graphviz drawing, with the transitions that keep a state listed in its box
    (as loops, a long list of them would stand in the way of the other arrows)."""

    def _convert_state_attributes(self, state: dict) -> str:
        stays = dict.fromkeys(item["label"] for item in self._get_elements()[1]
                              if item["source"] == state["name"] == item.get("dest"))
        # Left-aligned above a list: it lines up whatever font the browser measures it in.
        align = ' align="left"' if stays else ""
        rows = f'<tr><td{align}><b>{escape(state.get("label", state["name"]))}</b></td></tr>'
        if stays:
            lines = "<br/>".join(f"↻ {escape(label)}" for label in stays)
            rows += (f'<hr/><tr><td align="left" balign="left"><font point-size="12" '
                     f'color="{MUTED}">{lines}</font></td></tr>')
        return f'<<table border="0" cellspacing="2" color="{LINE}">{rows}</table>>'

    def _add_edges(self, transitions: list, container) -> None:
        """An arrow per two states, with every trigger between them on a line of its own."""
        labels = defaultdict(list)
        for item in transitions:
            if item["source"] != item["dest"]:
                labels[item["source"], item["dest"]].append(item["label"].replace(" (", r"\n("))
        for (source, dest), lines in labels.items():
            container.edge(source, dest, label=r"\n".join(lines))


class LifecycleMachine(GraphMachine):
    """The picture's machine: drawn top down, in the site's style; the states nothing leads on
    from (set to the "final" style) on grey."""

    state_cls = LabelledState
    machine_attributes = {"directed": "true", "strict": "false", "rankdir": "TB",
                          "bgcolor": "transparent", "pad": "0.1", "nodesep": "0.3",
                          "ranksep": "0.6", "fontname": FONT}
    style_attributes = {
        "node": {
            "default": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff",
                        "color": BLUE, "penwidth": "2", "fontname": FONT,
                        "fontsize": "15", "fontcolor": TEXT, "margin": "0.2,0.1"},
            "final": {"fillcolor": SOFT},
        },
        "edge": {"default": {"color": MUTED, "penwidth": "1.4", "arrowsize": "0.8",
                             "fontname": FONT, "fontsize": "13", "fontcolor": TEXT}},
        "graph": {"default": {}},
    }

    def _init_graphviz_engine(self, graph_engine: str) -> type:
        return LifecycleGraph  # graphviz (the `dot` program), drawing as above


def machine(workflow: Workflow, translate: Callable[[str], str] = str) -> LifecycleMachine:
    """The workflow's states and transitions, without guards or effects, labelled.

    ``translate`` gives the page's language for a Dutch label (grants.i18n.translated). A note
    says which of a trigger's transitions from a state is taken only where they lead apart.
    """
    found = edges_with_notes(workflow)
    ends = defaultdict(set)
    for edge, _note in found:
        ends[edge.source, edge.trigger].add(edge.dest)
    transitions: dict[tuple, dict] = {}
    for edge, note in found:
        label = translate(trigger_label(edge.trigger))
        if note and len(ends[edge.source, edge.trigger]) > 1:
            label += f" ({translate(note)})"
        transitions.setdefault((edge.trigger, edge.source, edge.dest), {
            "trigger": edge.trigger, "source": edge.source.value, "dest": edge.dest.value,
            "label": label})
    states = [{"name": state.value, "label": translate(STATE_LABELS.get(state, state.value))}
              for state in workflow.states]
    return LifecycleMachine(model=None, states=states, transitions=list(transitions.values()),
                            initial=workflow.states[0].value, auto_transitions=False,
                            title=workflow.scheme)


def graph(workflow: Workflow, translate: Callable[[str], str] = str):
    """The `graphviz.Digraph` transitions draws of the workflow's machine."""
    drawing = machine(workflow, translate)
    diagram = drawing.graph_cls(drawing)
    moving_on = {edge.source for edge, _note in edges_with_notes(workflow) if not edge.stays}
    for state in workflow.states:
        if state not in moving_on:
            diagram.set_node_style(state.value, "final")
    digraph = diagram.get_graph()
    del digraph.graph_attr["label"]  # the page has the title
    return digraph


def render_svg(workflow: Workflow, translate: Callable[[str], str] = str, *, title: str,
               description: str, id_prefix: str = "levensloop") -> str:
    """The lifecycle as inline SVG (graphviz escapes the labels; we escape what we add)."""
    svg = graph(workflow, translate).pipe(format="svg", encoding="utf-8")
    svg = re.sub(r"<!--.*?-->\s*", "", svg[svg.index("<svg"):], flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>\s*", "", svg, count=1)  # the graph's: its name
    # A point of graphviz's a pixel: the text as large as the page's, shrunk only to fit.
    svg = re.sub(r'(width|height)="([\d.]+)pt"', r'\1="\2"', svg, count=2)
    ids = escape(id_prefix)
    svg = svg.replace("<svg", f'<svg class="lifecycle__svg" role="img" '
                              f'aria-labelledby="{ids}-title {ids}-desc"', 1)
    end = svg.index(">") + 1
    return (f'{svg[:end]}\n<title id="{ids}-title">{escape(title)}</title>\n'
            f'<desc id="{ids}-desc">{escape(description)}</desc>{svg[end:]}').strip()
