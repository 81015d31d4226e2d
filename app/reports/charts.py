"""Server-side SVG charts for the dashboard: no JavaScript, readable on a phone and a laptop, printable.

Pure functions of their data, returning Markup. Every piece of text that comes from data (labels,
series names, titles) goes through escape(); numbers are formatted here. Each chart is an
accessible image: role="img", an aria-label and a <title>, and a <desc> listing the values so a
screen reader gets the numbers, not only the shapes. Labels arrive in the user's language.
"""
import math

from markupsafe import Markup

from app.drawing.text import FONT, esc, text_width, wrap
# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999")
TARGET_TEXT = "#A34400"  # the target line's label: PALETTE[3] darkened to 6.2:1 on white (#D55E00 is 3.9:1)
# Drawn at a phone's content width (a 390 px screen leaves ~316 px inside a card) so the browser never
# scales a chart down by more than a few per cent: a 600-wide chart in a 340 px card showed its 12 px
# labels 7 px tall. Wider cards show the chart at this size. Every text is ≥ SMALL units, so ≥ 11 px.
WIDTH = 320
PAD = 8             # inner margin on every side
SIZE = 13           # category labels, values, legend
SMALL = 12          # axis ticks, the target line's label
TITLE_SIZE = 15
LINE = 16           # line height of SIZE text
BAR_H = 14
ROW_GAP = 10        # space between two bars
LABEL_MAX = 0.45    # the label column takes at most this share of the width; longer labels wrap
NO_DATA = "无数据 / no data"


def _num(value) -> float:
    """A value to draw: None, NaN and negatives draw as 0 (the figures are counts and rates)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return 0.0
    return v if math.isfinite(v) and v > 0 else 0.0


def _fmt(value) -> str:
    v = _num(value)
    return str(int(v)) if v == int(v) else f"{v:.2f}".rstrip("0").rstrip(".")


def _lines(lines: list[str], x: float, y: float, attrs: str = "", line: float = LINE) -> str:
    """One <text> per line, the first baseline at y."""
    return "".join(f'<text x="{x:.1f}" y="{y + i * line:.1f}"{attrs}>{esc(t)}</text>' for i, t in enumerate(lines))


def _title(title: str) -> tuple[str, int]:
    """The chart's title, wrapped to the width; returns the markup and the height it takes."""
    lines = wrap(title, WIDTH - 2 * PAD, TITLE_SIZE)
    markup = _lines(lines, PAD, PAD + TITLE_SIZE, f' font-size="{TITLE_SIZE}" font-weight="bold"', TITLE_SIZE + 4)
    return markup, PAD + len(lines) * (TITLE_SIZE + 4) + 8


def _svg(title: str, height: float, body: list[str], desc: str = "", title_markup: str = "") -> Markup:
    t = esc(title)
    height = math.ceil(height)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" class="chart-svg" '
            f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family=\'{FONT}\' '
            f'font-size="{SIZE}" fill="#222"><title>{t}</title>')
    if desc:
        head += f"<desc>{esc(desc)}</desc>"
    head += title_markup or _title(title)[0]
    return Markup(head + "".join(body) + "</svg>")


def _empty(title: str) -> Markup:
    markup, top = _title(title)
    return _svg(title, top + 40, [f'<text x="{WIDTH / 2:.1f}" y="{top + 20}" text-anchor="middle" fill="#595959">'
                                  f'{esc(NO_DATA)}</text>'], NO_DATA, markup)


def _legend(names: list[str], y: float) -> tuple[list[str], float]:
    """Colour keys in rows that wrap at the chart's width (a name wider than a row wraps itself);
    returns the markup and the height used."""
    parts, x, row_y, row_h = [], float(PAD), float(y), LINE
    for i, name in enumerate(names):
        lines = wrap(name, WIDTH - 2 * PAD - 16, SIZE)
        w = 16 + max(text_width(t, SIZE) for t in lines) + 12
        if x + w > WIDTH - PAD + 12 and x > PAD:
            x, row_y, row_h = float(PAD), row_y + row_h + 4, LINE
        parts.append(f'<rect x="{x:.1f}" y="{row_y + 2:.1f}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     + _lines(lines, x + 16, row_y + SIZE))
        row_h = max(row_h, len(lines) * LINE)
        x += w
    return parts, row_y + row_h + 8 - y


def _label_column(labels) -> float:
    """The category labels' column: as wide as the widest label, at most LABEL_MAX of the chart."""
    widest = max((text_width(str(label), SIZE) for label in labels), default=0)
    return min(widest, WIDTH * LABEL_MAX)


def _rows(labels, y0: float, label_w: float) -> list[tuple[float, list[str], float]]:
    """Each category's (top, label lines, row height): a wrapped label makes its row taller."""
    out, y = [], y0
    for label in labels:
        lines = wrap(label, label_w, SIZE)
        h = max(BAR_H + ROW_GAP, len(lines) * LINE + ROW_GAP - 2)
        out.append((y, lines, h))
        y += h
    return out


def _category(lines: list[str], right: float, top: float, h: float) -> str:
    """A category's label lines, right-aligned at `right`, centred on its row."""
    first = top + (h - len(lines) * LINE) / 2 + SIZE - 1
    return _lines(lines, right, first, ' text-anchor="end"')


def bar_chart(items, *, title: str, unit: str = "", target=None, target_label: str = "目标 / target") -> Markup:
    """Horizontal bars, one per (label, value), with an optional dashed target line."""
    items = list(items or [])
    if not items:
        return _empty(title)
    title_markup, top_y = _title(title)
    top = max([_num(v) for _, v in items] + [_num(target)]) or 1.0
    shown = [f"{_fmt(value)}{unit}" for _, value in items]
    label_w = _label_column(label for label, _ in items)
    x0 = PAD + label_w + 6
    span = WIDTH - PAD - x0 - max(text_width(s, SIZE) for s in shown) - 6
    y0 = top_y + (SMALL + 8 if target is not None else 0)
    rows = _rows([label for label, _ in items], y0, label_w)
    height = rows[-1][0] + rows[-1][2] + PAD
    body = []
    for (label, value), text, (y, lines, h) in zip(items, shown, rows):
        w = _num(value) / top * span
        bar_y = y + (h - BAR_H) / 2
        body.append(f'<g><title>{esc(label)}: {esc(text)}</title>' + _category(lines, x0 - 6, y, h)
                    + f'<rect x="{x0:.1f}" y="{bar_y:.1f}" width="{w:.1f}" height="{BAR_H}" fill="{PALETTE[0]}"/>'
                    f'<text x="{x0 + w + 4:.1f}" y="{bar_y + BAR_H - 2:.1f}">{esc(text)}</text></g>')
    body.append(f'<line x1="{x0:.1f}" y1="{y0}" x2="{x0:.1f}" y2="{height - PAD}" stroke="#888"/>')
    if target is not None:
        tx = x0 + _num(target) / top * span
        label = f"{target_label} {_fmt(target)}{unit}"
        half = text_width(label, SMALL) / 2
        lx = min(max(tx, PAD + half), WIDTH - PAD - half)  # the label stays inside the chart
        body.append(f'<line x1="{tx:.1f}" y1="{y0 - 4}" x2="{tx:.1f}" y2="{height - PAD}" stroke="{PALETTE[3]}" '
                    f'stroke-width="2" stroke-dasharray="5 3"/>'
                    f'<text x="{lx:.1f}" y="{y0 - 6}" text-anchor="middle" fill="{TARGET_TEXT}" font-size="{SMALL}">'
                    f'{esc(label)}</text>')
    desc = "; ".join(f"{label}: {_fmt(value)}{unit}" for label, value in items)
    if target is not None:
        desc += f"; {target_label}: {_fmt(target)}{unit}"
    return _svg(title, height, body, desc, title_markup)


def stacked_bars(categories, series: dict, *, title: str) -> Markup:
    """One horizontal bar per category, stacked by series (e.g. schools x states), with a legend."""
    categories, names = list(categories or []), list((series or {}).keys())
    if not categories or not names:
        return _empty(title)
    title_markup, top_y = _title(title)
    values = {n: [_num(v) for v in list(series[n])[:len(categories)]] + [0.0] * (len(categories) - len(series[n]))
              for n in names}
    totals = [sum(values[n][i] for n in names) for i in range(len(categories))]
    top = max(totals) or 1.0
    legend, legend_h = _legend(names, top_y)
    label_w = _label_column(categories)
    x0 = PAD + label_w + 6
    span = WIDTH - PAD - x0 - max(text_width(_fmt(t), SIZE) for t in totals) - 6
    y0 = top_y + legend_h
    rows = _rows(categories, y0, label_w)
    height = rows[-1][0] + rows[-1][2] + PAD
    body = legend
    for i, (category, (y, lines, h)) in enumerate(zip(categories, rows)):
        x, bar_y = float(x0), y + (h - BAR_H) / 2
        body.append(f'<g><title>{esc(category)}</title>' + _category(lines, x0 - 6, y, h) + '</g>')
        for j, name in enumerate(names):
            w = values[name][i] / top * span
            if w > 0:
                body.append(f'<rect x="{x:.1f}" y="{bar_y:.1f}" width="{w:.1f}" height="{BAR_H}" '
                            f'fill="{PALETTE[j % len(PALETTE)]}"><title>{esc(category)} · {esc(name)}: '
                            f'{_fmt(values[name][i])}</title></rect>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{bar_y + BAR_H - 2:.1f}">{_fmt(totals[i])}</text>')
    body.append(f'<line x1="{x0:.1f}" y1="{y0}" x2="{x0:.1f}" y2="{height - PAD}" stroke="#888"/>')
    desc = "; ".join(f"{c}: " + ", ".join(f"{n} {_fmt(values[n][i])}" for n in names)
                     for i, c in enumerate(categories))
    return _svg(title, height, body, desc, title_markup)


def _nice_scale(top: float) -> tuple[float, float]:
    """A round upper bound and step for the y axis: the step is 1, 2 or 5 times a power of ten, at
    most 5 steps, and not below 1 when the values reach 1 (counts get whole-number ticks)."""
    if top <= 0:
        return 1.0, 1.0
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if top >= 1:
        step = max(step, 1.0)
    return math.ceil(top / step - 1e-9) * step, step


def line_chart(labels, series: dict, *, title: str) -> Markup:
    """One line per series over the labels (e.g. the monthly trend), with a y-axis grid and a legend."""
    labels, names = list(labels or []), list((series or {}).keys())
    if not labels or not names:
        return _empty(title)
    title_markup, top_y = _title(title)
    values = {n: [_num(v) for v in list(series[n])[:len(labels)]] + [0.0] * (len(labels) - len(series[n]))
              for n in names}
    top, step = _nice_scale(max(max(v) for v in values.values()))
    legend, legend_h = _legend(names, top_y)
    ticks = round(top / step)
    widest_tick = max(text_width(_fmt(k * step), SMALL) for k in range(ticks + 1))
    widest = max(text_width(str(label), SMALL) for label in labels)
    x0 = PAD + max(widest_tick + 6, widest / 2)   # the first label, centred on x0, stays inside too
    x1 = WIDTH - PAD - widest / 2
    y_top = top_y + legend_h + 8
    y_bottom = y_top + 160
    height = y_bottom + SMALL + 12
    body = legend

    def ypos(v):
        return y_bottom - v / top * (y_bottom - y_top)

    spacing = (x1 - x0) / max(len(labels) - 1, 1)
    xs = [x0 + i * spacing for i in range(len(labels))] if len(labels) > 1 else [(x0 + x1) / 2]
    for k in range(ticks + 1):
        v = k * step
        body.append(f'<line x1="{x0:.1f}" y1="{ypos(v):.1f}" x2="{x1:.1f}" y2="{ypos(v):.1f}" stroke="#ddd"/>'
                    f'<text x="{x0 - 6:.1f}" y="{ypos(v) + 4:.1f}" text-anchor="end" font-size="{SMALL}">{_fmt(v)}</text>')
    every = max(1, math.ceil((widest + 6) / spacing)) if len(labels) > 1 else 1
    for i, (x, label) in enumerate(zip(xs, labels)):
        if (len(labels) - 1 - i) % every == 0:  # thinned from the latest label back: it matters most
            body.append(f'<text x="{x:.1f}" y="{y_bottom + SMALL + 6}" text-anchor="middle" font-size="{SMALL}">'
                        f'{esc(label)}</text>')
    for j, name in enumerate(names):
        colour = PALETTE[j % len(PALETTE)]
        points = " ".join(f"{x:.1f},{ypos(v):.1f}" for x, v in zip(xs, values[name]))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, v, label in zip(xs, values[name], labels):
            body.append(f'<circle cx="{x:.1f}" cy="{ypos(v):.1f}" r="3" fill="{colour}">'
                        f'<title>{esc(label)} · {esc(name)}: {_fmt(v)}</title></circle>')
    desc = "; ".join(f"{n}: " + ", ".join(f"{label} {_fmt(v)}" for label, v in zip(labels, values[n]))
                     for n in names)
    return _svg(title, height, body, desc, title_markup)
