"""The case timeline as a picture: server-side SVG, one row per state, a shared local-date axis.

Print-friendly and readable in black and white: deadlines are told apart by glyph and dash as well as
colour (✓ met, ! overdue with its level, × cancelled, dashed ○ open), escalations are triangles.
Every piece of text goes through markupsafe.escape.
"""
from datetime import date, datetime, time, timedelta

from markupsafe import Markup

from app.deadlines import calendar
from app.auth.roles import role_label
from app.drawing.text import FONT, fit, text_width
from app.drawing.text import esc as e
from app.timeline.model import (
    ESCALATIONS,
    SYSTEM_LABELS,
    Band,
    DeadlineSpan,
    Escalation,
    Mark,
    Timeline,
    definition,
)

TOP, ROW_H, AXIS_H, PAD_R = 40, 34, 30, 16
MIN_BAR = 4.0
MIN_AXIS = timedelta(days=1)
# GREY marks cancelled deadlines in text too: #666 is 5.3:1 on the light rows (#8a8a8a was 3.2:1, below WCAG AA)
INK, MET, LATE, GREY, BAR, BAR_EDGE = "#222", "#1a7f37", "#c62828", "#666666", "#cfdbe8", "#35526e"
DAY_STEPS = (1, 2, 3, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12)

WORDS = {
    "zh": {"met": "按期完成", "overdue": "逾期", "cancelled": "已取消", "open": "未到期", "now": "现在",
           "visit": "停留", "transition": "状态变更", "action": "操作", "escalation": "升级督办",
           "due": "到期", "closed": "完成于", "current": "进行中", "by": "操作人", "point": "第{}次",
           "overdue_n": "项逾期"},
    "en": {"met": "met", "overdue": "overdue", "cancelled": "cancelled", "open": "open", "now": "now",
           "visit": "time in state", "transition": "state change", "action": "action",
           "escalation": "escalation", "due": "due", "closed": "closed", "current": "current", "by": "by",
           "point": "point {}", "overdue_n": "overdue"},
}
GLYPH = {"met": "✓", "overdue": "!", "cancelled": "×", "open": "○"}


def local(t: datetime) -> str:
    return calendar.to_local(t).strftime("%Y-%m-%d %H:%M")


class Axis:
    def __init__(self, tl: Timeline, left: float, right: float):
        start, end = tl.start, max(tl.end, tl.start + MIN_AXIS)
        pad = (end - start) * 0.02
        self.a0, self.a1 = start - pad, end + pad
        self.left, self.right = left, right

    def x(self, t: datetime) -> float:
        frac = (t - self.a0) / (self.a1 - self.a0)
        return self.left + min(max(frac, 0.0), 1.0) * (self.right - self.left)

    def inside(self, t: datetime) -> bool:
        return self.a0 <= t <= self.a1

    def ticks(self) -> list[tuple[datetime, str]]:
        """Local midnights, a step chosen so labels do not collide."""
        first, last = calendar.local_date(self.a0), calendar.local_date(self.a1)
        span = (last - first).days + 1
        room = max(2, int((self.right - self.left) // 72))
        step = next((s for s in DAY_STEPS if span / s <= room), None)
        days: list[date] = []
        if step is not None:
            day = first if step != 7 else first + timedelta(days=-first.weekday() % 7)
            while day <= last:
                days.append(day)
                day += timedelta(days=step)
        else:
            months = span / 30.44
            mstep = next((s for s in MONTH_STEPS if months / s <= room), 12 * (int(months / 12 / room) + 1))
            y, m = first.year, first.month
            while date(y, m, 1) <= last:
                if (y * 12 + m - 1) % mstep == 0:
                    days.append(date(y, m, 1))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out, prev = [], None
        for day in days:
            at = calendar.to_utc(day, time(0))
            if self.a0 <= at <= self.a1:
                if step is None:
                    text = day.strftime("%Y-%m")
                else:  # the year on the first tick and where it changes
                    text = day.isoformat() if prev is None or prev.year != day.year else day.strftime("%m-%d")
                out.append((at, text))
                prev = day
        return out


class Names:
    """The tooltips' words for the case's steps, clocks and roles in the reader's language: the
    definition's own zh/en labels, and `translate` (the page's gettext) for the role and system labels,
    which are message ids."""

    def __init__(self, workflow: str, lang: str, translate=None):
        defn = definition(workflow)
        self.lang, self.translate = lang, translate or (lambda text: text)
        self.triggers, self.clocks = defn.triggers, {c.name: c for c in defn.clocks}

    def _pick(self, obj) -> str:
        return getattr(obj, self.lang, None) or obj.zh

    def action(self, name) -> str:
        if name in self.triggers:
            return self._pick(self.triggers[name])
        return self.translate(SYSTEM_LABELS.get(name, name)) if name else ""

    def clock(self, name, fallback="") -> str:
        return self._pick(self.clocks[name]) if name in self.clocks else fallback or name

    def role(self, name) -> str:
        return self.translate(role_label(name))


def render_svg(timeline: Timeline, labels: dict, *, title: str, lang: str = "zh", width: int = 960,
               translate=None) -> Markup:
    """The timeline as an <svg> (role="img"), safe to put in a page as it is."""
    w = WORDS.get(lang, WORDS["en"])
    say = Names(timeline.workflow, lang, translate)
    tl = timeline
    names = {}
    for state in tl.rows:
        n = len(tl.visits(state))
        names[state] = labels.get(state, state) + (f" ×{n}" if n > 1 else "")
    max_label = width * 0.3
    label_w = min(max_label, max([80.0] + [text_width(n, 11) + 16 for n in names.values()]))
    axis = Axis(tl, label_w, width - PAD_R)
    row_y = {s: TOP + i * ROW_H for i, s in enumerate(tl.rows)}
    plot_bottom = TOP + len(tl.rows) * ROW_H
    legend, legend_h = _legend(plot_bottom + AXIS_H + 12, width, w)
    height = plot_bottom + AXIS_H + legend_h + 8
    pid = f"bxtl{e(tl.case_id if tl.case_id is not None else 0)}"
    overdue_n = sum(1 for d in tl.deadlines if d.overdue)
    summary = f"{title} — {labels.get(tl.state, tl.state)}, {overdue_n} {w['overdue_n']}"
    hatch = (f'<pattern id="{pid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{BAR}"/>'
             f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAR_EDGE}" stroke-width="1.5"/></pattern>')
    root = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{e(summary)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f"font-family='{FONT}' font-size=\"11\" class=\"case-timeline\">")

    out = [root, f"<title>{e(title)}</title><desc>{e(summary)}</desc>", f"<defs>{hatch}</defs>",
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
           f'<text x="8" y="22" font-size="14" font-weight="bold" fill="{INK}">{e(title)}</text>']

    # rows, their labels and the date grid
    for i, state in enumerate(tl.rows):
        y = row_y[state]
        name = fit(names[state], label_w - 16, 11)
        out.append(f'<g class="row" data-state="{e(state)}">'
                   f'<rect x="0" y="{y}" width="{width}" height="{ROW_H}" fill="{"#f5f5f5" if i % 2 else "#fff"}"/>'
                   f'<text x="{label_w - 8:.1f}" y="{y + ROW_H / 2 + 4:.1f}" text-anchor="end" fill="{INK}">'
                   f'{e(name)}<title>{e(names[state])}</title></text></g>')
    out.append('<g class="axis">')
    for at, text in axis.ticks():
        x = axis.x(at)
        half = text_width(text, 10) / 2
        tx = min(max(x, label_w + half), width - half - 2)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{plot_bottom + 4}" stroke="#d0d0d0" '
                   f'stroke-width="0.8"/><text x="{tx:.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
                   f'fill="{INK}" font-size="10">{e(text)}</text>')
    out.append(f'<line x1="{label_w}" y1="{plot_bottom}" x2="{width - PAD_R}" y2="{plot_bottom}" stroke="{INK}"/>'
               '</g>')

    out.append('<g class="bands">')
    out += [_band(b, axis, row_y, labels, pid, w, tl, say) for b in tl.bands if b.state in row_y]
    out.append('</g><g class="deadlines">')
    out += [_deadline(d, axis, row_y, w, say) for d in tl.deadlines if d.state in row_y]
    out.append('</g><g class="escalations">')
    out += [_escalation(x, axis, row_y, w, say) for x in tl.escalations if x.state in row_y]
    out.append('</g><g class="marks">')
    out += [_mark(m, axis, row_y, labels, say) for m in tl.marks
            if m.state in row_y and m.action not in ESCALATIONS]
    out.append('</g>')
    if tl.closed_at is None:
        x = axis.x(tl.now)
        out.append(f'<g class="now"><line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{plot_bottom}" '
                   f'stroke="{INK}" stroke-dasharray="2,3"/><text x="{x:.1f}" y="{TOP - 6}" text-anchor="middle" '
                   f'font-size="10" fill="{INK}">{e(w["now"])}</text></g>')
    out.append(legend)
    out.append("</svg>")
    return Markup("".join(out))


def _band(b: Band, axis: Axis, row_y, labels, pid, w, tl: Timeline, say: Names) -> str:
    y = row_y[b.state]
    x1 = axis.x(b.entered_at)
    x2 = axis.x(b.left_at or (tl.now if tl.closed_at is None else b.entered_at))
    width = max(x2 - x1, MIN_BAR)
    current = b.current and tl.closed_at is None
    fill = f"url(#{pid}-hatch)" if current else BAR
    until = local(b.left_at) if b.left_at else w["current"] if current else ""
    tip = (f"{labels.get(b.state, b.state)} #{b.visit}: {local(b.entered_at)} → {until}\n"
           f"{w['by']}: {b.entered_actor} ({say.action(b.entered_by)})"
           + (f" → {b.left_actor} ({say.action(b.left_by)})" if b.left_by else ""))
    return (f'<rect class="band" data-state="{e(b.state)}" data-visit="{b.visit}" x="{x1:.1f}" y="{y + 9}" '
            f'width="{width:.1f}" height="{ROW_H - 18}" fill="{fill}" stroke="{BAR_EDGE}" stroke-width="1" rx="2">'
            f'<title>{e(tip)}</title></rect>')


def _deadline(d: DeadlineSpan, axis: Axis, row_y, w, say: Names) -> str:
    y = row_y[d.state]
    x = axis.x(d.due_at)
    colour = {"met": MET, "overdue": LATE, "cancelled": GREY, "open": INK}[d.outcome]
    dash = {"cancelled": ' stroke-dasharray="2,2"', "open": ' stroke-dasharray="4,2"'}.get(d.outcome, "")
    glyph = GLYPH[d.outcome] + (f"L{d.level}" if d.level else "")
    if not axis.inside(d.due_at):
        glyph = ("‹" if d.due_at < axis.a0 else "›") + glyph
    point = f" ({w['point'].format(d.point + 1)})" if d.point else ""
    lines = [f"{say.clock(d.clock, d.clock_label)}{point}: {w[d.outcome]}", f"{w['due']} {local(d.due_at)}"]
    if d.closed_at:
        lines.append(f"{w['closed'] if d.status == 'met' else w['cancelled']} {local(d.closed_at)} ({say.action(d.closed_by)})")
    lines += [f"L{esc.level} {local(esc.at)}" for esc in d.escalations]
    anchor = "end" if x > axis.right - 30 else "start"
    tx = x - 3 if anchor == "end" else x + 3
    return (f'<g class="deadline {e(d.outcome)}" data-clock="{e(d.clock)}" data-point="{d.point}" '
            f'data-level="{d.level}"><title>{e(chr(10).join(lines))}</title>'
            f'<line x1="{x:.1f}" y1="{y + 3}" x2="{x:.1f}" y2="{y + ROW_H - 3}" stroke="{colour}" '
            f'stroke-width="{3 if d.outcome == "overdue" else 2}"{dash}/>'
            f'<text x="{tx:.1f}" y="{y + 11}" text-anchor="{anchor}" font-size="10" font-weight="bold" '
            f'fill="{colour}" stroke="#fff" stroke-width="2.5" paint-order="stroke">{e(glyph)}</text></g>')


def _escalation(x: Escalation, axis: Axis, row_y, w, say: Names) -> str:
    y = row_y[x.state] + ROW_H - 3
    cx = axis.x(x.at)
    tip = f"L{x.level} {w['escalation']} {say.clock(x.clock)}: {local(x.at)}"
    return (f'<path class="escalation" data-level="{x.level}" d="M{cx - 5:.1f},{y} L{cx + 5:.1f},{y} '
            f'L{cx:.1f},{y - 9} Z" fill="{LATE}" stroke="{INK}" stroke-width="0.6"><title>{e(tip)}</title></path>')


def _mark(m: Mark, axis: Axis, row_y, labels, say: Names) -> str:
    cy = row_y[m.state] + ROW_H / 2
    cx = axis.x(m.at)
    tip = f"{say.action(m.action) or m.label} — {m.actor} ({say.role(m.role)}) {local(m.at)}" + (f"\n{m.note}" if m.note else "")
    if m.kind == "transition":
        shape = f'r="4" fill="{INK}" stroke="#fff" stroke-width="1"'
    elif m.kind == "action":
        shape = f'r="2.6" fill="#fff" stroke="{INK}" stroke-width="1"'
    else:
        shape = f'r="1.8" fill="{GREY}"'
    return (f'<circle class="mark {e(m.kind)}" data-seq="{m.seq}" cx="{cx:.1f}" cy="{cy:.1f}" {shape}>'
            f'<title>{e(tip)}</title></circle>')


def _legend(y: float, width: int, w) -> tuple[str, float]:
    """The key, wrapped to the width; returns it and its height."""
    items = [
        (f'<rect x="0" y="-8" width="16" height="9" fill="{BAR}" stroke="{BAR_EDGE}"/>', 20, w["visit"]),
        (f'<circle cx="5" cy="-4" r="4" fill="{INK}"/>', 14, w["transition"]),
        (f'<circle cx="5" cy="-4" r="2.6" fill="#fff" stroke="{INK}"/>', 14, w["action"]),
        (f'<text x="0" y="0" fill="{MET}" font-weight="bold">✓</text>', 14, w["met"]),
        (f'<text x="0" y="0" fill="{LATE}" font-weight="bold">!L1–3</text>', 34, w["overdue"]),
        (f'<path d="M0,0 L10,0 L5,-9 Z" fill="{LATE}" stroke="{INK}" stroke-width="0.6"/>', 14, w["escalation"]),
        (f'<text x="0" y="0" fill="{GREY}" font-weight="bold">×</text>', 14, w["cancelled"]),
        (f'<text x="0" y="0" fill="{INK}" font-weight="bold">○</text>', 14, w["open"]),
    ]
    parts, x, line = [f'<g class="legend" font-size="10" fill="{INK}">'], 8.0, 0
    for symbol, offset, text in items:
        step = offset + text_width(text, 10) + 18
        if x > 8 and x + step > width - 8:
            x, line = 8.0, line + 1
        parts.append(f'<g transform="translate({x:.1f},{y + line * 16})">{symbol}'
                     f'<text x="{offset}" y="0">{e(text)}</text></g>')
        x += step
    parts.append("</g>")
    return "".join(parts), (line + 1) * 16.0
