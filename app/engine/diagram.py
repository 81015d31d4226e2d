"""A workflow definition drawn as SVG, from the definition alone (any workflow): main-path states left
to right, off-ramp states below, transitions as arrows (backward ones arc above), and each state's
in-place actions and deadline clocks listed under its box. A definition that marks no state `main`
has its open states as the path and its final states below."""
from markupsafe import Markup, escape

BOX_W, BOX_H, GAP, TOP = 150, 46, 40, 90
FONT = 'font-family="Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif"'


def _label(obj, lang):
    return getattr(obj, lang, None) or getattr(obj, "zh", "") or obj.name


def render(defn, lang: str = "zh") -> Markup:
    main = [n for n, s in defn.states.items() if s.main] or [n for n, s in defn.states.items() if not s.final]
    others = [n for n in defn.states if n not in main]
    pos = {n: (20 + i * (BOX_W + GAP), TOP) for i, n in enumerate(main)}
    lower_y = TOP + BOX_H + 170
    step = max(BOX_W + 20, (len(main) * (BOX_W + GAP)) // max(len(others), 1))
    pos.update({n: (20 + i * step, lower_y) for i, n in enumerate(others)})
    width = max(x for x, _ in pos.values()) + BOX_W + 40
    height = lower_y + BOX_H + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'class="chart workflow" aria-label="{escape(defn.title.get(lang, defn.name))}" {FONT} font-size="12">',
             f'<title>{escape(defn.title.get(lang, defn.name))}</title>',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>']
    actions, arcs = {}, 0
    everywhere = {n for n, s in defn.states.items() if not s.final}
    for t in defn.triggers.values():
        if t.dest is None:
            for s in (["*"] if set(t.sources) == everywhere else t.sources):
                actions.setdefault(s, []).append(_label(t, lang))
            continue
        if len(everywhere) > 1 and set(t.sources) == everywhere:
            # allowed from every open state (the off-ramps): one arrow from the band
            parts.append(_arrow((pos[main[0]][0] + 30, TOP + BOX_H + 70), (pos[t.dest][0] + BOX_W / 2, pos[t.dest][1]),
                                _label(t, lang), dashed=True))
            continue
        for s in t.sources:
            (x1, y1), (x2, y2) = pos[s], pos[t.dest]
            if y1 == y2 and x2 > x1:
                parts.append(_arrow((x1 + BOX_W, y1 + BOX_H / 2), (x2, y2 + BOX_H / 2), _label(t, lang),
                                    span=(x2 - x1 - BOX_W)))
            elif y1 == y2:  # backwards along the main path (relapse): an arc above the boxes
                arcs += 1
                lift = 30 + 18 * arcs
                parts.append(f'<path d="M{x1 + BOX_W / 2},{y1} C{x1 + BOX_W / 2},{y1 - lift} {x2 + BOX_W / 2},'
                             f'{y1 - lift} {x2 + BOX_W / 2},{y2}" fill="none" stroke="#c53030" '
                             f'marker-end="url(#arrow)"/><text x="{(x1 + x2 + BOX_W) / 2}" y="{y1 - lift + 8}" '
                             f'text-anchor="middle" fill="#c53030">{escape(_label(t, lang))}</text>')
            else:
                parts.append(_arrow((x1 + BOX_W / 2, y1 + BOX_H), (x2 + BOX_W / 2, y2), _label(t, lang), dashed=True))
    clocks = {}
    for c in defn.clocks:
        clocks.setdefault(c.starts_on, []).append(c)
    for name, (x, y) in pos.items():
        s = defn.states[name]
        on_path = name in main
        fill = "#e6f4ea" if on_path else "#fde8e8"
        parts.append(f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="#52606d"/>'
                     f'<text x="{x + BOX_W / 2}" y="{y + 28}" text-anchor="middle" font-weight="bold" '
                     f'font-size="13">{escape(_label(s, lang))}</text>')
        if on_path:
            lines = [f"◆ {_label(c, lang)}" for c in clocks.get(name, [])] + [f"· {a}" for a in actions.get(name, [])]
            for i, line in enumerate(lines[:8]):
                parts.append(f'<text x="{x + 4}" y="{y + BOX_H + 16 + i * 15}" fill="#3e4c59" '
                             f'font-size="11">{escape(line)}</text>')
    if actions.get("*"):  # actions allowed in every open state: said once, not under every box
        anywhere = ("任一未结状态" if lang == "zh" else "In any open state") + ": " + ", ".join(actions["*"])
        parts.append(f'<text x="20" y="{height - 8}" fill="#3e4c59" font-size="11">{escape(anywhere)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _arrow(a, b, text, dashed=False, span=None) -> str:
    (x1, y1), (x2, y2) = a, b
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    mid_x, mid_y = (x1 + x2) / 2, (y1 + y2) / 2
    size = ' font-size="10"' if span is not None and span < 60 else ""
    return (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#52606d"{dash} marker-end="url(#arrow)"/>'
            f'<text x="{mid_x}" y="{mid_y - 5}" text-anchor="middle" fill="#3e4c59"{size}>{escape(text)}</text>')
