"""The case timeline as data: state visits, deadlines with their escalations, every event as a mark.

build() is pure: it reads the rows it is given (and the compiled workflow definition, which is
in-process), never the database. The caller loads them in two queries, see load().
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from app import load_workflows
from app.audit import chain as audit
from app.engine import machine
from app.extensions import db
from app.models import Deadline

SYSTEM = "system"
ESCALATIONS = ("overdue", "escalated")  # overdue is level 1, escalated levels 2 and 3
SYSTEM_LABELS = {"reminder": "到期提醒", "overdue": "逾期(一级督办)", "escalated": "升级督办", "open": "新建个案",
                 "deadline_retimed": "时限重新计算",  # the calendar changed under an open deadline (repair.py)
                 "reminder_skipped": "到期提醒未发送(已逾期)"}  # a reminder that came after the due time
NOTE_FIELDS = ("text", "note", "content", "summary", "reason_analysis", "reason", "evidence", "action")
NOTE_MAX = 80
MIN_MARGIN = timedelta(days=1)


@dataclass
class Band:
    """One visit of a state: entered by one event, left by the next transition (None: still there)."""
    state: str
    visit: int                 # 1 for the first visit of this state, 2 after a relapse, ...
    entered_at: datetime
    entered_seq: int
    entered_by: str            # the action that entered it ('open' for the initial state)
    entered_actor: str         # who moved the case into it
    entered_role: str
    left_at: datetime | None = None
    left_seq: int | None = None
    left_by: str | None = None  # the trigger that left it
    left_actor: str | None = None
    left_role: str | None = None

    @property
    def current(self) -> bool:
        return self.left_at is None


@dataclass
class Escalation:
    """An 'overdue' (level 1) or 'escalated' (2, 3) system event of one deadline."""
    level: int
    at: datetime
    seq: int
    clock: str
    point: int
    state: str | None          # the row it is drawn on (the clock's starts_on state)
    notified_roles: list = field(default_factory=list)


@dataclass
class DeadlineSpan:
    id: int | None
    clock: str
    clock_label: str
    point: int
    state: str | None          # the row it is drawn on: the clock's starts_on state
    opened_at: datetime
    due_at: datetime
    status: str                # the row's: open | met | cancelled
    closed_at: datetime | None
    closed_by: str | None      # the trigger that met or cancelled it
    outcome: str               # met (in time) | overdue (went past due, met late or not) | cancelled | open
    level: int                 # escalation level reached (0: never overdue)
    escalations: list[Escalation] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        """Went past its due time at some point (a cancelled one may have too)."""
        return self.level > 0 or self.outcome == "overdue"

    def level_at(self, level: int) -> datetime | None:
        return next((e.at for e in self.escalations if e.level == level), None)


@dataclass
class Mark:
    """One audit event as a point in time."""
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    label: str                 # the trigger's Chinese name, or the system action's
    kind: str                  # transition | action | system
    state: str | None          # the row it is drawn on
    from_state: str | None
    to_state: str | None
    note: str = ""             # a short text from the form (escape it when shown)
    level: int | None = None   # system events: the deadline's level after it
    clock: str | None = None
    point: int | None = None


@dataclass
class Timeline:
    case_id: int | None
    workflow: str
    state: str                 # the case's current state
    closed_at: datetime | None
    now: datetime
    start: datetime            # the time axis
    end: datetime              # now for an open case, closed_at + a margin otherwise
    rows: list[str]            # states drawn, in order: the main path, then any other state visited
    bands: list[Band]
    deadlines: list[DeadlineSpan]
    marks: list[Mark]
    escalations: list[Escalation]

    def visits(self, state: str) -> list[Band]:
        return [b for b in self.bands if b.state == state]

    def deadlines_of(self, clock: str) -> list[DeadlineSpan]:
        return [d for d in self.deadlines if d.clock == clock]


def definition(workflow: str):
    try:
        return machine.get(workflow)
    except KeyError:  # not compiled yet in this process (a script or a unit test without an app)
        load_workflows()
        return machine.get(workflow)


def labels(workflow: str, lang: str = "zh") -> dict[str, str]:
    """{state: label} in `lang`, for render_svg()."""
    return {n: (s.zh if lang == "zh" else s.en) for n, s in definition(workflow).states.items()}


def load(case) -> tuple[list, list]:
    """The two queries build() needs (inside an app context)."""
    return audit.events(case.id), load_deadlines(case)


def load_deadlines(case) -> list:
    return db.session.execute(select(Deadline).where(Deadline.case_id == case.id)
                              .order_by(Deadline.opened_at, Deadline.id)).scalars().all()


def build(case, events, deadlines, now: datetime, *, defn=None) -> "Timeline":
    """The timeline of `case` from all its events and deadline rows. Pure: no database access."""
    defn = defn or definition(case.workflow)
    clocks = {c.name: c for c in defn.clocks}
    triggers = defn.triggers
    events = sorted(events, key=lambda e: e.seq)

    bands: list[Band] = []
    marks: list[Mark] = []
    escalations: list[Escalation] = []
    visits: dict[str, int] = {}
    for e in events:
        data = e.data or {}
        dl = data.get("deadline") if isinstance(data.get("deadline"), dict) else None
        clock_name = dl.get("clock") if dl else None
        moved = e.actor != SYSTEM and e.to_state is not None and (e.from_state != e.to_state or not bands)
        kind = SYSTEM if e.actor == SYSTEM else "transition" if moved else "action"
        row = (clocks[clock_name].starts_on if clock_name in clocks else e.to_state) if dl else e.to_state
        label = triggers[e.action].zh if e.action in triggers else SYSTEM_LABELS.get(e.action, e.action)
        mark = Mark(e.seq, e.at, e.actor, e.role, e.action, label, kind, row, e.from_state, e.to_state,
                    _note(data), data.get("level") if dl else None, clock_name, dl.get("point", 0) if dl else None)
        marks.append(mark)
        if moved:
            if bands:
                last = bands[-1]
                last.left_at, last.left_seq, last.left_by = e.at, e.seq, e.action
                last.left_actor, last.left_role = e.actor, e.role
            visits[e.to_state] = visits.get(e.to_state, 0) + 1
            bands.append(Band(e.to_state, visits[e.to_state], e.at, e.seq, e.action, e.actor, e.role))
        if kind == SYSTEM and e.action in ESCALATIONS and dl:
            level = data.get("level") or (1 if e.action == "overdue" else 2)
            escalations.append(Escalation(level, e.at, e.seq, clock_name, dl.get("point", 0), row,
                                          list(data.get("notified_roles") or [])))

    spans = [_span(d, clocks, now) for d in sorted(deadlines, key=lambda d: (d.opened_at, d.due_at, d.clock,
                                                                              d.point))]
    _attach(spans, escalations, events)
    for s in spans:
        s.level = max([s.level] + [x.level for x in s.escalations])
        if s.level and s.outcome == "open":
            s.outcome = "overdue"

    times = [e.at for e in events] + [d.opened_at for d in spans] + [d.due_at for d in spans]
    start = min(times) if times else case.opened_at
    last = max([e.at for e in events], default=start)
    if case.closed_at is None:
        end = max(now, last)
    else:
        end = case.closed_at + max(MIN_MARGIN, (case.closed_at - start) * 0.05)
    main = [n for n, s in defn.states.items() if s.main]
    visited = list(dict.fromkeys(b.state for b in bands))
    rows = main + [s for s in visited if s not in main]
    return Timeline(getattr(case, "id", None), case.workflow, case.state, case.closed_at, now, start, end, rows,
                    bands, spans, marks, escalations)


def _span(d, clocks, now) -> DeadlineSpan:
    clock = clocks.get(d.clock)
    if d.status == "cancelled":
        outcome = "cancelled"
    elif d.status == "met":
        outcome = "met" if d.closed_at is None or d.closed_at <= d.due_at else "overdue"
    else:
        outcome = "overdue" if (d.level or 0) > 0 or now > d.due_at else "open"
    return DeadlineSpan(getattr(d, "id", None), d.clock, clock.zh if clock else d.clock, d.point or 0,
                        clock.starts_on if clock else None, d.opened_at, d.due_at, d.status, d.closed_at,
                        d.closed_by, outcome, d.level or 0)


def _attach(spans: list[DeadlineSpan], escalations: list[Escalation], events) -> None:
    """Give each escalation to its deadline row: the same clock, point and due time (a clock opened again
    after a relapse has another due time); failing that, the latest such row opened before it."""
    due_of = {e.seq: (e.data.get("deadline") or {}).get("due_at") for e in events
              if e.actor == SYSTEM and isinstance((e.data or {}).get("deadline"), dict)}
    for x in escalations:
        same = [s for s in spans if s.clock == x.clock and s.point == x.point]
        exact = [s for s in same if s.due_at.isoformat() + "Z" == due_of.get(x.seq)]
        earlier = [s for s in same if s.opened_at <= x.at]
        target = (exact or earlier[-1:] or same[-1:] or [None])[0]
        if target is not None:
            target.escalations.append(x)


def _note(data: dict) -> str:
    form = data.get("form") if isinstance(data.get("form"), dict) else {}
    for name in NOTE_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= NOTE_MAX else text[:NOTE_MAX - 1] + "…"
    return ""
