"""A scheme's lifecycle drawn from the very workflow definition the engine fires triggers on.

Nothing here is kept by hand: the states, the arrows and who may fire what all come from a
`Workflow` (grants.workflows.engine), so the picture cannot drift from the code. Pure functions,
no Flask: `edges` lists the transitions one source at a time, `layout` puts the states in rows
and `render_svg` draws them as a self-contained SVG (no scripts, no external assets).

The layout is a small layered drawing: states are ranked from the first state (draft) along the
state changes, by the longest path once the arrows that lead back (information provided, say)
are set aside; an arrow that skips rows runs through waypoints of its own, the rows are ordered
to keep arrows from crossing, and the arrow labels are placed so they overlap neither each other
nor other arrows. Transitions that keep the state are listed in the state's box.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from grants.i18n import N_
from grants.models import ROLE_LABELS, ApplicationState, Role
from grants.workflows.engine import Transition, Workflow
from grants.workflows.labels import TRIGGER_LABELS

# Dutch descriptions of the canonical triggers (the codes are what the API and the audit use).

# When a transition is taken only if its condition holds (keyed by the condition's name).
CONDITION_LABELS = {
    "quorum_reached": N_("als het quorum is bereikt"),
}
OTHERWISE = N_("anders")
UNDER_CONDITION = N_("onder voorwaarde")
STAYS = N_("blijft")


class Edge(NamedTuple):
    """One transition from one source state."""

    source: ApplicationState
    trigger: str
    # The source itself when the application stays in its state.
    dest: ApplicationState
    roles: frozenset[Role]

    @property
    def stays(self) -> bool:
        return self.source == self.dest


def trigger_label(trigger: str) -> str:
    return TRIGGER_LABELS.get(trigger, trigger)


def _condition_note(item: Transition, earlier: list[Transition], source) -> str | None:
    if item.condition is not None:
        name = getattr(item.condition, "__name__", "")
        return CONDITION_LABELS.get(name, UNDER_CONDITION)
    # Taken when an earlier transition of the same trigger and source did not hold.
    if any(t.trigger == item.trigger and source in t.sources and t.condition is not None
           for t in earlier):
        return OTHERWISE
    return None


def _edges_with_notes(workflow: Workflow) -> list[tuple[Edge, str | None]]:
    result = []
    for index, item in enumerate(workflow.transitions):
        for source in item.sources:
            edge = Edge(source, item.trigger, item.dest or source, item.roles)
            result.append((edge, _condition_note(item, list(workflow.transitions[:index]),
                                                 source)))
    return result


def edges(workflow: Workflow) -> list[Edge]:
    """Every transition, one edge per source state, in the order of the definition."""
    return [edge for edge, _note in _edges_with_notes(workflow)]


def roles_label(roles) -> str:
    ordered = sorted(roles, key=list(Role).index)
    return ", ".join(ROLE_LABELS.get(role, str(role)) for role in ordered)


class Row(NamedTuple):
    """One line of the table of transitions that goes with the picture."""

    source: str
    trigger: str
    trigger_label: str
    dest: str
    note: str | None
    roles: str


def table_rows(workflow: Workflow, labels: Mapping) -> list[Row]:
    rows = []
    for edge, note in _edges_with_notes(workflow):
        rows.append(Row(
            source=labels.get(edge.source, str(edge.source)),
            trigger=edge.trigger,
            trigger_label=trigger_label(edge.trigger),
            dest=STAYS if edge.stays else labels.get(edge.dest, str(edge.dest)),
            note=note,
            roles=roles_label(edge.roles),
        ))
    return rows


# -- layout ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Waypoint:
    """Where an arrow that skips rows passes through a row."""

    link: int
    rank: int


@dataclass(frozen=True)
class Link:
    """The arrow for every state change from one state to another."""

    source: ApplicationState
    dest: ApplicationState
    triggers: tuple[str, ...]
    notes: tuple[str | None, ...]
    # From the source to the dest, through the waypoints of the rows in between.
    path: tuple
    # Drawn upwards, against the flow from the first state down.
    upward: bool
    # The state changes the other way, from dest back to source: one line, arrows at both ends.
    returns: tuple[str, ...] = ()
    return_notes: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Layout:
    ranks: dict
    # Each row from left to right: states and the waypoints of arrows that pass through.
    rows: tuple[tuple, ...]
    links: tuple[Link, ...]
    stays: dict  # state -> ((trigger, note), ...) of the transitions that keep it
    # The state changes of the main line, kept straight.
    spine: frozenset = frozenset()

    def position(self, state: ApplicationState) -> tuple[int, int]:
        """(row, column) of a state."""
        rank = self.ranks[state]
        return rank, self.rows[rank].index(state)

    def rank_of(self, node) -> int:
        return node.rank if isinstance(node, Waypoint) else self.ranks[node]


def _links(workflow: Workflow) -> tuple[list[tuple], dict]:
    grouped: dict[tuple, list] = {}
    stays: dict = defaultdict(list)
    for edge, note in _edges_with_notes(workflow):
        if edge.stays:
            if (edge.trigger, note) not in stays[edge.source]:
                stays[edge.source].append((edge.trigger, note))
            continue
        pairs = grouped.setdefault((edge.source, edge.dest), [])
        if (edge.trigger, note) not in pairs:
            pairs.append((edge.trigger, note))
    return [(source, dest, pairs) for (source, dest), pairs in grouped.items()], stays


def _ranks(workflow: Workflow, pairs: list[tuple]) -> tuple[dict, set]:
    """Longest-path ranks once the arrows that close a cycle are set aside; and those arrows."""
    states = list(workflow.states)
    successors: dict = defaultdict(list)
    for source, dest in pairs:
        successors[source].append(dest)
    root = ApplicationState.DRAFT if ApplicationState.DRAFT in states else states[0]

    backward: set = set()
    seen: set = set()

    def visit(state, stack: list) -> None:
        seen.add(state)
        stack.append(state)
        for dest in successors[state]:
            if dest in stack:
                backward.add((state, dest))
            elif dest not in seen:
                visit(dest, stack)
        stack.pop()

    visit(root, [])
    reachable = set(seen)
    for state in states:
        if state not in seen:
            visit(state, [])
    forward = [(s, d) for s, d in pairs if (s, d) not in backward]

    def longest(group: list, offset: int) -> dict:
        ranks = {}
        inside = set(group)
        incoming = {s: [a for a, b in forward if b == s and a in inside] for s in group}
        remaining = list(group)
        while remaining:  # Kahn's order, in the order of the states: deterministic
            state = next(s for s in remaining if all(a in ranks for a in incoming[s]))
            ranks[state] = max((ranks[a] + 1 for a in incoming[state]), default=offset)
            remaining.remove(state)
        return ranks

    ranks = longest([s for s in states if s in reachable], 0)
    # States that cannot be reached from the first state go below all the others.
    ranks.update(longest([s for s in states if s not in reachable],
                         max(ranks.values(), default=-1) + 1))
    return ranks, backward


def _main_line_first(workflow: Workflow, pairs: list[tuple], backward: set) -> tuple[list, set]:
    """The states depth first, the longest way on first; and the main line it follows.

    Drawn straight down on the left, the main line keeps the picture calm; side branches
    (incomplete, withdrawn) go to the right.
    """
    states = list(workflow.states)
    successors: dict = defaultdict(list)
    for source, dest in pairs:
        if (source, dest) not in backward:
            successors[source].append(dest)
    heights: dict = {}

    def height(state) -> int:
        if state not in heights:
            heights[state] = max((height(d) + 1 for d in successors[state]), default=0)
        return heights[state]

    order: list = []
    spine: set = set()

    def visit(state) -> None:
        order.append(state)
        first = True
        for dest in sorted(successors[state], key=lambda d: (-height(d), states.index(d))):
            if dest not in order:
                if first:
                    spine.add((state, dest))
                first = False
                visit(dest)

    for state in states:
        if state not in order:
            visit(state)
    return order, spine


def _crossings(rows: list[list], segments: list[tuple]) -> int:
    index = {node: (r, i) for r, row in enumerate(rows) for i, node in enumerate(row)}
    by_gap: dict = defaultdict(list)
    for upper, lower in segments:
        rank, i = index[upper]
        by_gap[rank].append((i, index[lower][1]))
    total = 0
    for items in by_gap.values():
        for n, (a1, b1) in enumerate(items):
            for a2, b2 in items[n + 1:]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def _order(rows: list[list], segments: list[tuple]) -> list[list]:
    """Order each row to keep arrows from crossing: barycentre sweeps and swaps, best kept."""
    up: dict = defaultdict(list)
    down: dict = defaultdict(list)
    for upper, lower in segments:
        down[upper].append(lower)
        up[lower].append(upper)

    def sweep(rows: list[list], downwards: bool) -> list[list]:
        rows = [list(row) for row in rows]
        indices = range(1, len(rows)) if downwards else range(len(rows) - 2, -1, -1)
        for r in indices:
            fixed = rows[r - 1] if downwards else rows[r + 1]
            place = {node: i for i, node in enumerate(fixed)}
            neighbours = up if downwards else down
            scale = len(fixed) / max(len(rows[r]), 1)

            def key(item, place=place, neighbours=neighbours, scale=scale):
                i, node = item
                others = [place[n] for n in neighbours[node] if n in place]
                return sum(others) / len(others) if others else i * scale

            rows[r] = [node for _i, node in sorted(enumerate(rows[r]), key=key)]
        return rows

    def transpose(rows: list[list]) -> list[list]:
        rows = [list(row) for row in rows]
        improved = True
        while improved:
            improved = False
            for row in rows:
                for i in range(len(row) - 1):
                    before = _crossings(rows, segments)
                    row[i], row[i + 1] = row[i + 1], row[i]
                    if _crossings(rows, segments) < before:
                        improved = True
                    else:
                        row[i], row[i + 1] = row[i + 1], row[i]
        return rows

    best, best_crossings = rows, _crossings(rows, segments)
    current = rows
    for _ in range(6):
        current = transpose(sweep(sweep(current, True), False))
        crossings = _crossings(current, segments)
        if crossings < best_crossings:
            best, best_crossings = current, crossings
    return best


def layout(workflow: Workflow) -> Layout:
    """Rows of states (and of the waypoints of long arrows), ordered; deterministic."""
    groups, stays = _links(workflow)
    ranks, backward = _ranks(workflow, [(s, d) for s, d, _pairs in groups])
    rows: list[list] = [[] for _ in range(max(ranks.values(), default=-1) + 1)]
    order, spine = _main_line_first(workflow, [(s, d) for s, d, _p in groups], backward)
    for state in order:
        rows[ranks[state]].append(state)

    links = []
    segments = []
    found = {(source, dest): pairs for source, dest, pairs in groups}
    for source, dest, pairs in groups:
        back = found.get((dest, source), []) if (dest, source) in backward else []
        if (source, dest) in backward and (dest, source) in found:
            continue  # drawn on the line of the opposite state change
        step = 1 if ranks[dest] > ranks[source] else -1
        waypoints = [Waypoint(len(links), rank)
                     for rank in range(ranks[source] + step, ranks[dest], step)]
        for waypoint in waypoints:
            rows[waypoint.rank].append(waypoint)
        path = (source, *waypoints, dest)
        links.append(Link(source, dest, tuple(t for t, _n in pairs), tuple(n for _t, n in pairs),
                          path, upward=step < 0, returns=tuple(t for t, _n in back),
                          return_notes=tuple(n for _t, n in back)))
        for a, b in zip(path, path[1:], strict=False):
            segments.append((a, b) if step > 0 else (b, a))

    rows = _order(rows, segments)
    return Layout(ranks=ranks, rows=tuple(tuple(row) for row in rows), links=tuple(links),
                  stays={state: tuple(items) for state, items in stays.items()},
                  spine=frozenset(spine))


# -- drawing --------------------------------------------------------------------------------

FONT = "'Noto Sans', 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
BLUE = "#154273"
TEXT = "#1a1a1a"
MUTED = "#4b4b4b"
LINE = "#b4b4b4"
SOFT = "#f3f3f3"
ARROW = "#4b4b4b"

STATE_SIZE = 15
LABEL_SIZE = 13
STAY_SIZE = 12.5
NOTE_SIZE = 12
LABEL_LINE = 16
ARROW_HEAD = 12
BOX_MIN_WIDTH = 190
BOX_PADDING = 14
WAYPOINT_WIDTH = 14
MARGIN = 16
STAY_MARK = "↻ "

# Advance widths (thousandths of an em) of Helvetica/Arial, with room for wider fonts.
_WIDTHS = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
    "abcdefghijklmnopqrstuvwxyz{|}~",
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
     *[556] * 10, 278, 278, 584, 584, 584, 556, 1015,
     667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778,
     722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333,
     556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556,
     333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584), strict=True))
_SAFETY = 1.12


def text_width(text: str, size: float, bold: bool = False) -> float:
    units = sum(_WIDTHS.get(char, 1000 if ord(char) > 0x2000 else 600) for char in text)
    return units / 1000 * size * _SAFETY * (1.08 if bold else 1)


def _wrap(items: list[str], width: float, size: float) -> list[tuple[str, bool]]:
    """Lines of "↻ a, b, c" no wider than ``width``; (text, continues the line above)."""
    lines: list[tuple[str, bool]] = []
    current = ""
    for n, item in enumerate(items):
        token = item + ("," if n < len(items) - 1 else "")
        candidate = f"{current} {token}" if current else token
        # Every line starts with the mark or is indented as far.
        if current and text_width(STAY_MARK + candidate, size) > width:
            lines.append((current, bool(lines)))
            current = token
        else:
            current = candidate
    lines.append((current, bool(lines)))
    return lines


def esc(text: str) -> str:
    """Escape text for XML content and double-quoted attributes."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass
class _Box:
    state: ApplicationState
    label: str
    stays: list[tuple[str, bool]]
    width: float
    height: float
    x: float = 0.0  # centre
    y: float = 0.0  # top


def _boxes(workflow: Workflow, plan: Layout, labels: Mapping) -> dict:
    boxes = {}
    for state in workflow.states:
        label = labels.get(state, str(state))
        stays = [t + (f" ({n})" if n else "") for t, n in plan.stays.get(state, ())]
        widest_stay = max((text_width(STAY_MARK + s + ",", STAY_SIZE) for s in stays), default=0)
        width = max(BOX_MIN_WIDTH, text_width(label, STATE_SIZE, bold=True) + 2 * BOX_PADDING,
                    widest_stay + 2 * BOX_PADDING)
        lines = _wrap(stays, width - 2 * BOX_PADDING, STAY_SIZE) if stays else []
        height = 44 + (len(lines) * 16 + 10 if lines else 0)
        boxes[state] = _Box(state, label, lines, width, height)
    return boxes


def _width_of(node, boxes: dict) -> float:
    return WAYPOINT_WIDTH if isinstance(node, Waypoint) else boxes[node].width


def _separation(a, b, boxes: dict) -> float:
    gap = 20 if isinstance(a, Waypoint) and isinstance(b, Waypoint) else (
        30 if isinstance(a, Waypoint) or isinstance(b, Waypoint) else 56)
    return (_width_of(a, boxes) + _width_of(b, boxes)) / 2 + gap


def _place_row(desired: list[float], weights: list[float], seps: list[float]) -> list[float]:
    """Closest positions (weighted least squares) keeping the order and the separations."""
    offsets = [0.0]
    for sep in seps:
        offsets.append(offsets[-1] + sep)
    blocks: list[list[float]] = []  # [value, weight, count]
    for target, weight in zip((d - o for d, o in zip(desired, offsets, strict=True)), weights,
                              strict=True):
        blocks.append([target, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    values = [value for value, _w, count in blocks for _ in range(int(count))]
    return [v + o for v, o in zip(values, offsets, strict=True)]


def _x_positions(plan: Layout, boxes: dict) -> dict:
    neighbours: dict = defaultdict(list)  # node -> [(other, weight)]
    for link in plan.links:
        for a, b in zip(link.path, link.path[1:], strict=False):
            weight = (8 if isinstance(a, Waypoint) and isinstance(b, Waypoint) else
                      1 if isinstance(a, Waypoint) or isinstance(b, Waypoint) else
                      10000 if {(a, b), (b, a)} & plan.spine else 4)
            neighbours[a].append((b, weight))
            neighbours[b].append((a, weight))

    x: dict = {}
    for row in plan.rows:
        position = 0.0
        for n, node in enumerate(row):
            if n:
                position += _separation(row[n - 1], node, boxes)
            x[node] = position

    def relax(row: list, sides: set[int]) -> None:
        desired, weights = [], []
        for node in row:
            others = [(o, w) for o, w in neighbours[node]
                      if plan.rank_of(o) - plan.rank_of(node) in sides]
            total = sum(w for _o, w in others)
            desired.append(sum(x[o] * w for o, w in others) / total if total else x[node])
            weights.append(total or 0.25)
        seps = [_separation(a, b, boxes) for a, b in zip(row, row[1:], strict=False)]
        for node, value in zip(row, _place_row(desired, weights, seps), strict=True):
            x[node] = value

    rows = [list(row) for row in plan.rows]
    for _ in range(12):
        for row in rows[1:]:
            relax(row, {-1})
        for row in reversed(rows[:-1]):
            relax(row, {1})
    for _ in range(4):
        for row in rows:
            relax(row, {-1, 1})

    left = min(x[node] - _width_of(node, boxes) / 2 for node in x)
    return {node: value - left + MARGIN for node, value in x.items()}


def _bezier(x0: float, y0: float, x1: float, y1: float, t: float) -> tuple[float, float]:
    """The point at t of the S-curve with vertical tangents from (x0, y0) to (x1, y1)."""
    s = 3 * t * t - 2 * t * t * t
    return x0 + (x1 - x0) * s, y0 + (y1 - y0) * (1.5 * t - 1.5 * t * t + t * t * t)


def _x_at(x0: float, x1: float, height: float, y: float) -> float:
    """x of that curve (from y=0 to y=height) at height y."""
    low, high = 0.0, 1.0
    for _ in range(30):
        middle = (low + high) / 2
        if _bezier(x0, 0, x1, height, middle)[1] < y:
            low = middle
        else:
            high = middle
    return _bezier(x0, 0, x1, height, low)[0]


@dataclass
class _Label:
    link: int
    lines: list[tuple[str, bool]]  # (text, is a note)
    width: float
    height: float
    x: float = 0.0  # left
    y: float = 0.0  # top, within the gap


def _fit_labels(curves: list[tuple[int, float, float]], labels: list[_Label], height: float,
                canvas: float) -> float:
    """Place the labels of one gap; returns the penalty (0 when nothing overlaps)."""
    samples = {index: [_bezier(x0, 0, x1, height, i / 40) for i in range(41)]
               for index, x0, x1 in curves}
    placed: list[tuple[float, float, float, float]] = []
    penalty = 0.0
    own = {label.link: (x0, x1) for label in labels for i, x0, x1 in curves if i == label.link}
    for label in sorted(labels, key=lambda item: own[item.link][0]):
        x0, x1 = own[label.link]
        best = None
        for fraction in (0.5, 0.38, 0.62, 0.26, 0.74, 0.16, 0.84):
            top = 6 + fraction * (height - 12) - label.height / 2
            # Clear of the arrow heads at either end of the gap.
            if top < ARROW_HEAD or top + label.height > height - ARROW_HEAD:
                continue
            span = [_x_at(x0, x1, height, top + k * label.height / 4) for k in range(5)]
            for mode, cost in (("centre", 0.0), ("right", 6.0), ("left", 6.0)):
                if mode == "centre":
                    left = _x_at(x0, x1, height, top + label.height / 2) - label.width / 2
                elif mode == "right":
                    left = max(span) + 5
                else:
                    left = min(span) - 5 - label.width
                rect = (left - 2, top - 1, left + label.width + 2, top + label.height + 1)
                score = cost + abs(fraction - 0.5) * 6
                if rect[0] < 2 or rect[2] > canvas - 2:
                    score += 1000
                # Apart enough that no two labels read as one.
                if any(rect[0] - 10 < p[2] and p[0] < rect[2] + 10 and rect[1] - 4 < p[3]
                       and p[1] < rect[3] + 4 for p in placed):
                    score += 1000
                for index, points in samples.items():
                    crossed = any(rect[0] - 3 <= px <= rect[2] + 3 and rect[1] <= py <= rect[3]
                                  for px, py in points)
                    # A label sits on its own arrow, or beside it: never on another.
                    if crossed and (index != label.link or mode != "centre"):
                        score += 100
                if best is None or score < best[0]:
                    best = (score, left, top, rect)
        if best is None:  # not even room for the text
            penalty += 10000
            continue
        score, label.x, label.y, rect = best
        placed.append(rect)
        penalty += score
    return penalty


def render_svg(workflow: Workflow, labels: Mapping, *, title: str | None = None,
               description: str | None = None, id_prefix: str = "levensloop") -> str:
    """The lifecycle as an SVG image: boxes per state, arrows per state change.

    ``labels`` names the states (STATE_LABELS); ``id_prefix`` keeps the ids of the title and
    the arrow head unique on the page. Every text is escaped.
    """
    drawing = _Drawing(workflow, layout(workflow), labels)
    title = title or f"Levensloop van een aanvraag ({workflow.scheme})"
    description = description or (
        "Statussen van een aanvraag als vakken, handelingen die de status veranderen als "
        "pijlen, en in een vak de handelingen waarbij de status blijft.")
    ids = esc(id_prefix)
    width, height = _num(drawing.width), _num(drawing.height)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle__svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ids}-title {ids}-desc" font-family="{esc(FONT)}">',
        f'<title id="{ids}-title">{esc(title)}</title>',
        f'<desc id="{ids}-desc">{esc(description)}</desc>',
        f'<defs><marker id="{ids}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{ARROW}"/>'
        '</marker></defs>',
        *drawing.arrows(f"{ids}-arrow"),
        *drawing.labels(),
        *drawing.states(),
        "</svg>",
    ])


class _Drawing:
    """Where everything goes: boxes, the ends of the arrows, the labels, the row heights."""

    def __init__(self, workflow: Workflow, plan: Layout, labels: Mapping):
        self.workflow = workflow
        self.plan = plan
        self.state_labels = labels
        self.boxes = _boxes(workflow, plan, labels)
        self.x = _x_positions(plan, self.boxes)
        for state, box in self.boxes.items():
            box.x = self.x[state]
        self.width = max(self.x[node] + _width_of(node, self.boxes) / 2
                         for node in self.x) + MARGIN
        self.band = [max((self.boxes[n].height for n in row if not isinstance(n, Waypoint)),
                         default=44) for row in plan.rows]
        self.ends = self._ends()
        self.gap_labels, gaps = self._place_labels()
        self.tops = []
        y = MARGIN
        for rank, band in enumerate(self.band):
            self.tops.append(y)
            y += band + (gaps[rank] if rank < len(gaps) else 0)
        self.height = y + MARGIN
        for state, box in self.boxes.items():
            box.y = self.tops[plan.ranks[state]]

    def _ends(self) -> dict:
        """Where arrows leave and enter a box: spread along its side, in the order of where
        their other ends lie; the main line in the middle."""
        plan, ends = self.plan, {}
        for state, box in self.boxes.items():
            for below in (False, True):
                attached = []
                for number, link in enumerate(plan.links):
                    for k, node in enumerate(link.path):
                        if node != state:
                            continue
                        for other in link.path[max(k - 1, 0):k] + link.path[k + 1:k + 2]:
                            if (plan.rank_of(other) > plan.rank_of(state)) == below:
                                attached.append((self.x[other], number, other))
                attached.sort(key=lambda item: (item[0], item[1]))
                count = len(attached)
                spacing = min(26.0, (box.width - 30) / max(count - 1, 1))
                offsets = [(n - (count - 1) / 2) * spacing for n in range(count)]
                for n, (_x, _number, other) in enumerate(attached):
                    if {(state, other), (other, state)} & plan.spine:
                        room = (box.width - 30) / 2
                        shift = max(-room - offsets[0], min(room - offsets[-1], -offsets[n]))
                        offsets = [offset + shift for offset in offsets]
                for offset, (_x, number, other) in zip(offsets, attached, strict=True):
                    ends[(number, state, other)] = box.x + offset
        return ends

    def end_x(self, number: int, node, other) -> float:
        if isinstance(node, Waypoint):
            return self.x[node]
        return self.ends[(number, node, other)]

    def _place_labels(self) -> tuple[dict, list[float]]:
        """Each arrow's label in the gap below (or above) its source, and each gap's height:
        as low as lets every label sit on its own arrow without touching another."""
        plan = self.plan
        labels: dict = defaultdict(list)
        curves: dict = defaultdict(list)
        for number, link in enumerate(plan.links):
            for a, b in zip(link.path, link.path[1:], strict=False):
                upper, lower = (b, a) if link.upward else (a, b)
                curves[plan.rank_of(upper)].append(
                    (number, self.end_x(number, upper, lower), self.end_x(number, lower, upper)))
            lines = _label_lines(link)
            width = max(text_width(text, NOTE_SIZE if is_note else LABEL_SIZE)
                        for text, is_note in lines)
            gap = plan.rank_of(link.source) - (1 if link.upward else 0)
            labels[gap].append(_Label(number, lines, width + 8, len(lines) * LABEL_LINE + 4))

        heights = []
        for gap in range(len(plan.rows) - 1):
            lowest = max(52, max((label.height for label in labels[gap]), default=0)
                         + 2 * ARROW_HEAD + 4)
            best = None
            for height in range(int(lowest), 241, 12):
                penalty = _fit_labels(curves[gap], labels[gap], height, self.width)
                if best is None or penalty < best[0]:
                    best = (penalty, height)
                if penalty <= 1.5 * len(labels[gap]):  # on their arrows, near the middle
                    break
            _fit_labels(curves[gap], labels[gap], best[1], self.width)
            heights.append(best[1])
        return labels, heights

    def arrows(self, marker: str) -> list[str]:
        out = ['<g class="lifecycle__arrows" fill="none" '
               f'stroke="{ARROW}" stroke-width="1.75">']
        for number, link in enumerate(self.plan.links):
            both_ways = (f' data-back="{esc(" ".join(link.returns))}" '
                         f'marker-start="url(#{marker})"') if link.returns else ""
            out.append(f'<path d="{self._path(number, link)}" data-from="{esc(link.source)}" '
                       f'data-to="{esc(link.dest)}" '
                       f'data-triggers="{esc(" ".join(link.triggers))}"{both_ways} '
                       f'marker-end="url(#{marker})"/>')
        out.append("</g>")
        return out

    def _path(self, number: int, link: Link) -> str:
        """Straight through the rows (out of a short box, through a waypoint), curved
        across the gaps between them."""
        plan, path, pen = self.plan, link.path, _Pen()
        for k, node in enumerate(path):
            rank = plan.rank_of(node)
            top, bottom = self.tops[rank], self.tops[rank] + self.band[rank]
            from_above = k > 0 and plan.rank_of(path[k - 1]) < rank
            if isinstance(node, Waypoint):
                enter, leave = (top, bottom) if from_above else (bottom, top)
                pen.curve(self.x[node], enter) if k else pen.move(self.x[node], enter)
                pen.line(self.x[node], leave)
                continue
            box = self.boxes[node]
            x = self.end_x(number, node, path[1] if k == 0 else path[k - 1])
            if k == 0 and plan.rank_of(path[1]) > rank:  # leaves downwards
                pen.move(x, box.y + box.height)
                pen.line(x, bottom)
            elif k == 0:
                pen.move(x, box.y)
            elif from_above:
                pen.curve(x, box.y)
            else:
                pen.curve(x, bottom)
                pen.line(x, box.y + box.height)
        return pen.path()

    def labels(self) -> list[str]:
        """The arrow labels, on a white ground so that they stay legible."""
        out = [f'<g class="lifecycle__labels" font-size="{LABEL_SIZE}" fill="{TEXT}">']
        for gap, items in sorted(self.gap_labels.items()):
            base = self.tops[gap] + self.band[gap]
            for label in items:
                top = base + label.y
                out.append(f'<rect x="{_num(label.x)}" y="{_num(top)}" '
                           f'width="{_num(label.width)}" height="{_num(label.height)}" rx="3" '
                           'fill="#fff" fill-opacity="0.94"/>')
                for n, (text, is_note) in enumerate(label.lines):
                    style = (f' font-style="italic" font-size="{NOTE_SIZE}" fill="{MUTED}"'
                             if is_note else "")
                    out.append(f'<text x="{_num(label.x + 4)}" '
                               f'y="{_num(top + (n + 1) * LABEL_LINE - 2)}"{style}>'
                               f'{esc(text)}</text>')
        out.append("</g>")
        return out

    def states(self) -> list[str]:
        """A box per state; the states nothing leads on from on a grey ground."""
        moving_on = {edge.source for edge in edges(self.workflow) if not edge.stays}
        indent = text_width(STAY_MARK, STAY_SIZE)
        out = ['<g class="lifecycle__states">']
        for state in self.workflow.states:
            box = self.boxes[state]
            left = box.x - box.width / 2
            out.append(f'<g data-state="{esc(state)}">')
            out.append(f'<rect x="{_num(left)}" y="{_num(box.y)}" width="{_num(box.width)}" '
                       f'height="{_num(box.height)}" rx="8" '
                       f'fill="{"#fff" if state in moving_on else SOFT}" stroke="{BLUE}" '
                       'stroke-width="2"/>')
            out.append(f'<text x="{_num(box.x)}" y="{_num(box.y + 27)}" text-anchor="middle" '
                       f'font-size="{STATE_SIZE}" font-weight="600" fill="{TEXT}">'
                       f'{esc(box.label)}</text>')
            if box.stays:
                out.append(f'<line x1="{_num(left + 8)}" y1="{_num(box.y + 40)}" '
                           f'x2="{_num(left + box.width - 8)}" y2="{_num(box.y + 40)}" '
                           f'stroke="{LINE}"/>')
            for n, (line, continued) in enumerate(box.stays):
                x = left + BOX_PADDING + (indent if continued else 0)
                out.append(f'<text x="{_num(x)}" y="{_num(box.y + 58 + n * 16)}" '
                           f'font-size="{STAY_SIZE}" fill="{MUTED}">'
                           f'{esc(line if continued else STAY_MARK + line)}</text>')
            out.append("</g>")
        out.append("</g>")
        return out


def _label_lines(link: Link) -> list[tuple[str, bool]]:
    """(text, is a note) per line: the triggers, each with its condition; on a line both
    ways, ↓ and ↑ tell the directions apart."""
    both_ways = bool(link.returns)
    there, back = ("↑ ", "↓ ") if link.upward else ("↓ ", "↑ ")
    lines = []
    for arrow, triggers, notes in ((there, link.triggers, link.notes),
                                   (back, link.returns, link.return_notes)):
        for trigger, note in zip(triggers, notes, strict=True):
            lines.append(((arrow if both_ways else "") + trigger, False))
            if note:
                lines.append((note, True))
    return lines


class _Pen:
    """An SVG path of straight runs and S-curves with vertical tangents."""

    def __init__(self):
        self.parts: list[str] = []
        self.at = (0.0, 0.0)

    def move(self, x: float, y: float) -> None:
        self.parts.append(f"M{_num(x)},{_num(y)}")
        self.at = (x, y)

    def line(self, x: float, y: float) -> None:
        if (x, y) != self.at:
            self.parts.append(f"L{_num(x)},{_num(y)}")
            self.at = (x, y)

    def curve(self, x: float, y: float) -> None:
        x0, y0 = self.at
        middle = (y0 + y) / 2
        self.parts.append(f"C{_num(x0)},{_num(middle)} {_num(x)},{_num(middle)} "
                          f"{_num(x)},{_num(y)}")
        self.at = (x, y)

    def path(self) -> str:
        return " ".join(self.parts)
