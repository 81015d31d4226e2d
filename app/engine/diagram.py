"""A workflow definition drawn as SVG, from the definition alone (any workflow), in the reader's language.

Layout (so that every transition is a visible arrow whose label covers no box and stays inside):
- the main-path states in a row, left to right; each box lists the state's deadline clocks (◆) and its
  in-place actions (·) under its name, so nothing is written where arrows run;
- a step to the next state of the row is a straight arrow in the gap between the two boxes, its label
  wrapped to the gap's width above it;
- any other step between states of the row (skipping ahead: 劝返中 → 已复学; going back: a relapse) runs
  in a lane of its own above the row, its label on the lane;
- the other states (the off-ramps) in a row below; each step to one is an arrow from each of its own
  source states, and its label sits once, just above the state it leads to.
A definition that marks no state `main` has its open states as the path and its final states below.
`layout()` returns the geometry (tests check it); `render()` draws it.
"""
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from app.drawing.text import text_width, wrap

BOX_W, GAP, MARGIN = 140, 110, 16
SIZE, NAME_SIZE, LINE = 12, 13, 15
LANE_H = 2 * LINE + 6          # one lane above the row: room for a two-line label
BAND = 56                      # above the lower row: its labels
UNDER = 10                     # below the lower row: each step between two of its states rounds there
FONT = 'font-family="Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif"'
ANYWHERE = {"zh": "任一未结状态", "en": "In any open state"}


def _label(obj, lang):
    return getattr(obj, lang, None) or getattr(obj, "zh", "") or obj.name


@dataclass
class Label:
    lines: list
    x: float          # centre
    y: float          # top
    colour: str = "#3e4c59"

    @property
    def box(self):
        w = max(text_width(t) for t in self.lines) + 6
        return (self.x - w / 2, self.y, w, len(self.lines) * LINE + 4)


@dataclass
class Edge:
    trigger: str
    source: str
    dest: str
    points: list      # a polyline, the arrow head at the last point
    dashed: bool = False
    colour: str = "#52606d"


@dataclass
class Layout:
    width: float
    height: float
    boxes: dict = field(default_factory=dict)    # state -> (x, y, w, h)
    box_lines: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)
    labels: list = field(default_factory=list)   # (trigger, Label)
    footer: list = field(default_factory=list)


def layout(defn, lang: str = "zh") -> Layout:
    main = [n for n, s in defn.states.items() if s.main] or [n for n, s in defn.states.items() if not s.final]
    lower = [n for n in defn.states if n not in main]
    open_states = {n for n, s in defn.states.items() if not s.final}
    col = {n: i for i, n in enumerate(main)}

    # what each main box lists: its clocks and in-place actions (those of every open state: once, below)
    actions, anywhere = {}, []
    for t in defn.triggers.values():
        if t.dest is None:
            if len(open_states) > 1 and set(t.sources) == open_states:
                anywhere.append(_label(t, lang))
            else:
                for s in t.sources:
                    actions.setdefault(s, []).append("· " + _label(t, lang))
    lines = {}
    for n in defn.states:
        name = wrap(_label(defn.states[n], lang), BOX_W - 12, NAME_SIZE)
        extra = [f"◆ {_label(c, lang)}" for c in defn.clocks if c.starts_on == n] + actions.get(n, [])
        lines[n] = (name, [w for e in extra for w in wrap(e, BOX_W - 12, SIZE)])
    def height(names):
        return max([12 + len(lines[n][0]) * (NAME_SIZE + 3) + (8 + len(lines[n][1]) * LINE if lines[n][1] else 0) + 6
                    for n in names] or [0])
    box_h, lower_h = height(main), height(lower)

    moves = [(t, s) for t in defn.triggers.values() if t.dest is not None for s in t.sources]
    in_row = [(t, s) for t, s in moves if s in col and t.dest in col]
    adjacent = [(t, s) for t, s in in_row if col[t.dest] == col[s] + 1]
    laned = [(t, s) for t, s in in_row if (t, s) not in adjacent]
    down = [(t, s) for t, s in moves if (t, s) not in in_row]

    width = 2 * MARGIN + len(main) * BOX_W + (len(main) - 1) * GAP
    step_lower = (width - 2 * MARGIN - BOX_W) / max(len(lower) - 1, 1)
    if lower and step_lower < BOX_W + 30:
        width = 2 * MARGIN + len(lower) * (BOX_W + 30) - 30
        step_lower = BOX_W + 30
    # the labels of the row's adjacent steps, wrapped to the gap: the tallest sets the row's top room
    gap_labels = [(t, s, wrap(_label(t, lang), GAP - 12, SIZE)) for t, s in adjacent]
    above = max([len(ls) * LINE + 10 for *_, ls in gap_labels] + [0])
    lanes_top = MARGIN
    row_y = lanes_top + len(laned) * LANE_H + max(above - box_h / 2, 0) + 14
    lay = Layout(width=width, height=0, footer=[])
    for n in main:
        lay.boxes[n] = (MARGIN + col[n] * (BOX_W + GAP), row_y, BOX_W, box_h)
    lower_y = row_y + box_h + 60 + BAND
    for i, n in enumerate(lower):
        x = MARGIN + (i * step_lower if len(lower) > 1 else (width - 2 * MARGIN - BOX_W) / 2)
        lay.boxes[n] = (x, lower_y, BOX_W, lower_h)
    lay.box_lines = lines

    mid = row_y + box_h / 2
    for t, s, ls in gap_labels:
        x1 = lay.boxes[s][0] + BOX_W
        x2 = lay.boxes[t.dest][0]
        lay.edges.append(Edge(t.name, s, t.dest, [(x1, mid), (x2, mid)]))
        lay.labels.append((t.name, Label(ls, (x1 + x2) / 2, mid - 6 - len(ls) * LINE)))

    # lanes: the longest span highest, each edge on its own lane; the ends spread along the box tops
    ends = {}
    laned.sort(key=lambda ts: -abs(col[ts[0].dest] - col[ts[1]]))
    for t, s in laned:
        ends.setdefault(s, []).append((t, s, "from"))
        ends.setdefault(t.dest, []).append((t, s, "to"))
    end_x = {}
    for n, items in ends.items():
        x0 = lay.boxes[n][0]
        for k, item in enumerate(items):
            end_x[item] = x0 + BOX_W * (k + 1) / (len(items) + 1)
    for i, (t, s) in enumerate(laned):
        y = lanes_top + i * LANE_H + LANE_H - 4
        xa, xb = end_x[(t, s, "from")], end_x[(t, s, "to")]
        back = col[t.dest] < col[s]
        colour = "#c53030" if back else "#52606d"
        lay.edges.append(Edge(t.name, s, t.dest, [(xa, row_y), (xa, y), (xb, y), (xb, row_y)], colour=colour))
        ls = wrap(_label(t, lang), max(abs(xb - xa) - 16, BOX_W), SIZE)
        if len(ls) > 2:  # a lane has room for two lines: a long label takes more of the width instead
            ls = wrap(_label(t, lang), width - 2 * MARGIN - 8, SIZE)
        label = Label(ls, (xa + xb) / 2, y - 4 - len(ls) * LINE, "#9b2c2c" if back else "#3e4c59")
        _keep_inside(label, width)
        lay.labels.append((t.name, label))

    # down to the lower row: from each source's bottom, spread; one label per (trigger, dest) above the dest
    outs = {}
    for t, s in down:
        outs.setdefault(s, []).append(t)
    ins = {}
    for t, s in down:
        if t.name not in ins.setdefault(t.dest, []):
            ins[t.dest].append(t.name)
    arriving = {}  # each dest's incoming arrows, ordered by where they come from: they do not cross there
    for t, s in sorted(down, key=lambda ts: lay.boxes[ts[1]][0]):
        arriving.setdefault(t.dest, []).append((t.name, s))
    under = 0
    for t, s in down:
        sx, sy, sw, sh = lay.boxes[s]
        k = outs[s].index(t)
        xa = sx + sw * (k + 1) / (len(outs[s]) + 1)
        dx, dy, dw, dh = lay.boxes[t.dest]
        here = arriving[t.dest]
        xb = dx + 10 + (dw - 20) * (here.index((t.name, s)) + 0.5) / len(here)
        if dy > sy:
            pts = [(xa, sy + sh), (xb, dy)]
        elif dy == sy:  # between two states off the path: round below the row, into the dest's bottom
            under += 1  # each on its own level, so two of them never share a stretch
            below = sy + max(sh, dh) + UNDER * under
            pts = [(xa, sy + sh), (xa, below), (xb, below), (xb, dy + dh)]
        else:  # from the lower row back up (a state off the path that is not final)
            pts = [(xa, sy), (xb, dy + dh)]
        lay.edges.append(Edge(t.name, s, t.dest, pts, dashed=True))
    for dest, names in ins.items():
        dx, dy, dw, _ = lay.boxes[dest]
        top = dy - 4
        for name in reversed(names):
            ls = wrap(_label(defn.triggers[name], lang), dw + 10, SIZE)
            top -= len(ls) * LINE + 6
            lay.labels.append((name, Label(ls, dx + dw / 2, top)))

    bottom = max(y + h for _, y, _, h in lay.boxes.values()) + 10 + UNDER * under
    if anywhere:
        text = ANYWHERE.get(lang, ANYWHERE["en"]) + (": " if lang != "zh" else "：") + \
            (", " if lang != "zh" else "、").join(anywhere)
        lay.footer = wrap(text, width - 2 * MARGIN, SIZE)
        bottom += len(lay.footer) * LINE + 6
    lay.height = bottom + MARGIN / 2
    return lay


def _keep_inside(label: Label, width: float) -> None:
    bx, _, bw, _ = label.box
    label.x += max(MARGIN / 2 - bx, 0) - max(bx + bw - (width - MARGIN / 2), 0)


def render(defn, lang: str = "zh") -> Markup:
    lay = layout(defn, lang)
    title = escape(defn.title.get(lang) or defn.title.get("zh") or defn.name)
    w, h = round(lay.width), round(lay.height)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
             f'class="workflow" aria-label="{title}" {FONT} font-size="{SIZE}">', f'<title>{title}</title>',
             '<defs>' + "".join(
                 f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
                 f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
                 for k, c in (("n", "#52606d"), ("b", "#c53030"))) + '</defs>']
    for name, (x, y, bw, bh) in lay.boxes.items():
        s = defn.states[name]
        fill = "#e6f4ea" if s.main or not s.final else "#fde8e8"
        name_lines, extra = lay.box_lines[name]
        parts.append(f'<g class="state" data-state="{escape(name)}"><rect x="{x:.1f}" y="{y:.1f}" width="{bw}" '
                     f'height="{bh:.1f}" rx="6" fill="{fill}" stroke="#52606d"/>')
        for i, t in enumerate(name_lines):
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{y + 12 + NAME_SIZE + i * (NAME_SIZE + 3) - 2:.1f}" '
                         f'text-anchor="middle" font-weight="bold" font-size="{NAME_SIZE}" fill="#1f2933">'
                         f'{escape(t)}</text>')
        if extra:
            top = y + 12 + len(name_lines) * (NAME_SIZE + 3) + 4
            parts.append(f'<line x1="{x + 6:.1f}" y1="{top:.1f}" x2="{x + bw - 6:.1f}" y2="{top:.1f}" stroke="#b7c4d1"/>')
            for i, t in enumerate(extra):
                parts.append(f'<text x="{x + 6:.1f}" y="{top + LINE + i * LINE - 2:.1f}" fill="#3e4c59">{escape(t)}</text>')
        parts.append('</g>')
    for e in lay.edges:
        dash = ' stroke-dasharray="5 3"' if e.dashed else ""
        marker = "b" if e.colour != "#52606d" else "n"
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in e.points)
        parts.append(f'<polyline class="edge" data-trigger="{escape(e.trigger)}" data-source="{escape(e.source)}" '
                     f'data-dest="{escape(e.dest)}" points="{pts}" fill="none" stroke="{e.colour}" stroke-width="1.5"'
                     f'{dash} marker-end="url(#arrow-{marker})"/>')
    for trigger, lab in lay.labels:  # last, over the arrows, on a white ground
        bx, by, bw, bh = lab.box
        parts.append(f'<g class="edge-label" data-trigger="{escape(trigger)}"><rect x="{bx:.1f}" y="{by:.1f}" '
                     f'width="{bw:.1f}" height="{bh:.1f}" fill="#fff" fill-opacity="0.9"/>')
        for i, t in enumerate(lab.lines):
            parts.append(f'<text x="{lab.x:.1f}" y="{by + 2 + SIZE + i * LINE - 1:.1f}" text-anchor="middle" '
                         f'fill="{lab.colour}">{escape(t)}</text>')
        parts.append('</g>')
    y = lay.height - MARGIN / 2 - len(lay.footer) * LINE
    for i, t in enumerate(lay.footer):
        parts.append(f'<text x="{MARGIN}" y="{y + i * LINE + SIZE - 2:.1f}" fill="#3e4c59">{escape(t)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
