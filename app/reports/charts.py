"""Server-side SVG charts for the dashboard: no JavaScript, readable at ~600 px, printable.

Pure functions of their data, returning Markup. Every piece of text that comes from data (labels,
series names, titles) goes through escape(); numbers are formatted here. Each chart is an
accessible image: role="img", an aria-label and a <title>, and a <desc> listing the values so a
screen reader gets the numbers, not only the shapes. Labels arrive in the user's language.
"""
import math

from markupsafe import Markup, escape

FONT = '"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif'
# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999")
TARGET_TEXT = "#A34400"  # the target line's label: PALETTE[3] darkened to 6.2:1 on white (#D55E00 is 3.9:1)
WIDTH = 600
LABEL_W = 150       # left column for category labels
ROW_H = 26          # one horizontal bar
TITLE_H = 34
NO_DATA = "无数据 / no data"


def esc(text) -> str:
    return str(escape("" if text is None else text))


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


def text_width(text: str, size: float = 12) -> float:
    """A rough width: CJK glyphs are about one em wide, Latin ones about 0.6 em (charts and timelines)."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def fit(text, width: float, size: float = 12) -> str:
    """Shorten a label to fit `width` px, with an ellipsis (the full label stays in the <title>)."""
    text = "" if text is None else str(text)
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _svg(title: str, height: int, body: list[str], desc: str = "") -> Markup:
    t = esc(title)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" width="{WIDTH}" '
            f'height="{height}" viewBox="0 0 {WIDTH} {height}" font-family=\'{FONT}\' font-size="12" '
            f'fill="#222"><title>{t}</title>')
    if desc:
        head += f"<desc>{esc(desc)}</desc>"
    head += f'<text x="8" y="22" font-size="15" font-weight="bold">{t}</text>'
    return Markup(head + "".join(body) + "</svg>")


def _empty(title: str) -> Markup:
    return _svg(title, 90, [f'<text x="{WIDTH // 2}" y="62" text-anchor="middle" fill="#666">{esc(NO_DATA)}</text>'],
                NO_DATA)


def _legend(names: list[str], y: int) -> tuple[list[str], int]:
    """Colour keys in rows that wrap at the chart's width; returns the markup and the height used."""
    parts, x, row = [], 8.0, 0
    for i, name in enumerate(names):
        w = 18 + text_width(fit(name, 160)) + 14
        if x + w > WIDTH - 8 and x > 8:
            x, row = 8.0, row + 1
        yy = y + row * 18
        parts.append(f'<rect x="{x:.1f}" y="{yy}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 16:.1f}" y="{yy + 10}">{esc(fit(name, 160))}</text>')
        x += w
    return parts, (row + 1) * 18 + 6


def bar_chart(items, *, title: str, unit: str = "", target=None, target_label: str = "目标 / target") -> Markup:
    """Horizontal bars, one per (label, value), with an optional dashed target line."""
    items = list(items or [])
    if not items:
        return _empty(title)
    top = max([_num(v) for _, v in items] + [_num(target)]) or 1.0
    x0, x1 = LABEL_W, WIDTH - 70
    span = x1 - x0
    y0 = TITLE_H + (18 if target is not None else 4)
    height = y0 + len(items) * ROW_H + 10
    body = []
    for i, (label, value) in enumerate(items):
        y, w = y0 + i * ROW_H, _num(value) / top * span
        shown = f"{_fmt(value)}{unit}"
        body.append(f'<g><title>{esc(label)}: {esc(shown)}</title>'
                     f'<text x="{x0 - 6}" y="{y + 16}" text-anchor="end">{esc(fit(label, LABEL_W - 12))}</text>'
                     f'<rect x="{x0}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" fill="{PALETTE[0]}"/>'
                     f'<text x="{x0 + w + 4:.1f}" y="{y + 16}">{esc(shown)}</text></g>')
    body.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{height - 10}" stroke="#888"/>')
    if target is not None:
        tx = x0 + _num(target) / top * span
        body.append(f'<line x1="{tx:.1f}" y1="{y0 - 4}" x2="{tx:.1f}" y2="{height - 10}" stroke="{PALETTE[3]}" '
                    f'stroke-width="2" stroke-dasharray="5 3"/>'
                    f'<text x="{tx:.1f}" y="{y0 - 6}" text-anchor="middle" fill="{TARGET_TEXT}" font-size="11">'
                    f'{esc(target_label)} {esc(_fmt(target) + unit)}</text>')
    desc = "; ".join(f"{label}: {_fmt(value)}{unit}" for label, value in items)
    if target is not None:
        desc += f"; {target_label}: {_fmt(target)}{unit}"
    return _svg(title, height, body, desc)


def stacked_bars(categories, series: dict, *, title: str) -> Markup:
    """One horizontal bar per category, stacked by series (e.g. schools x states), with a legend."""
    categories, names = list(categories or []), list((series or {}).keys())
    if not categories or not names:
        return _empty(title)
    values = {n: [_num(v) for v in list(series[n])[:len(categories)]] + [0.0] * (len(categories) - len(series[n]))
              for n in names}
    totals = [sum(values[n][i] for n in names) for i in range(len(categories))]
    top = max(totals) or 1.0
    legend, legend_h = _legend(names, TITLE_H)
    x0, span = LABEL_W, WIDTH - 70 - LABEL_W
    y0 = TITLE_H + legend_h
    height = y0 + len(categories) * ROW_H + 10
    body = legend
    for i, category in enumerate(categories):
        y, x = y0 + i * ROW_H, float(x0)
        body.append(f'<g><title>{esc(category)}</title><text x="{x0 - 6}" y="{y + 16}" text-anchor="end">'
                    f'{esc(fit(category, LABEL_W - 12))}</text></g>')
        for j, name in enumerate(names):
            w = values[name][i] / top * span
            if w > 0:
                body.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" '
                            f'fill="{PALETTE[j % len(PALETTE)]}"><title>{esc(category)} · {esc(name)}: '
                            f'{_fmt(values[name][i])}</title></rect>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + 16}">{_fmt(totals[i])}</text>')
    body.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{height - 10}" stroke="#888"/>')
    desc = "; ".join(f"{c}: " + ", ".join(f"{n} {_fmt(values[n][i])}" for n in names)
                     for i, c in enumerate(categories))
    return _svg(title, height, body, desc)


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
    values = {n: [_num(v) for v in list(series[n])[:len(labels)]] + [0.0] * (len(labels) - len(series[n]))
              for n in names}
    top, step = _nice_scale(max(max(v) for v in values.values()))
    legend, legend_h = _legend(names, TITLE_H)
    x0, x1 = 48, WIDTH - 20
    y_top = TITLE_H + legend_h + 8
    y_bottom = y_top + 200
    height = y_bottom + 30
    body = legend

    def ypos(v):
        return y_bottom - v / top * (y_bottom - y_top)

    spacing = (x1 - x0) / max(len(labels) - 1, 1)
    xs = [x0 + i * spacing for i in range(len(labels))] if len(labels) > 1 else [(x0 + x1) / 2]
    ticks = round(top / step)
    for k in range(ticks + 1):
        v = k * step
        body.append(f'<line x1="{x0}" y1="{ypos(v):.1f}" x2="{x1}" y2="{ypos(v):.1f}" stroke="#ddd"/>'
                    f'<text x="{x0 - 6}" y="{ypos(v) + 4:.1f}" text-anchor="end" font-size="11">{_fmt(v)}</text>')
    widest = max(text_width(str(label), 11) for label in labels)
    every = max(1, math.ceil((widest + 6) / spacing)) if len(labels) > 1 else 1
    for i, (x, label) in enumerate(zip(xs, labels)):
        if (len(labels) - 1 - i) % every == 0:  # thinned from the latest label back: it matters most
            body.append(f'<text x="{x:.1f}" y="{y_bottom + 18}" text-anchor="middle" font-size="11">'
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
    return _svg(title, height, body, desc)
