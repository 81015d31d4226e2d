"""What the help pages (/help, /help/<role>) say that the definitions and the calendar already know:
the stages of each workflow in order, its clocks (durations, who is reminded, the escalation ladder),
what each role may do in which stage, and this year's holidays and make-up working days. The prose
around it is hand-written in app/templates/help/; nothing here names a workflow, a state or a trigger.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from app.auth.roles import ROLES
from app.deadlines import calendar
from app.engine import machine


@dataclass
class Stage:
    state: object                                  # a definition State (label() reads .zh / .en)
    exits: list = field(default_factory=list)      # the triggers that move a case on from it
    actions: list = field(default_factory=list)    # the steps recorded in it that leave it where it is
    clocks: list = field(default_factory=list)     # the clocks that start when a case enters it


@dataclass
class ClockGuide:
    clock: object
    starts_on: object                              # the State whose entry starts it
    counts_from: tuple | None                      # (中文, English) of the case date it counts from, if any
    met_by: list                                   # Triggers
    ladder: list                                   # [{"level", "after_working_days", "notify"}], in order


@dataclass
class RoleWork:
    role: str
    workflow: object
    opens: bool
    steps: list = field(default_factory=list)      # [(Trigger, [States it is offered in], everywhere?)]
    reminded: list = field(default_factory=list)   # Clocks whose reminder goes to the role
    escalated: list = field(default_factory=list)  # [(Clock, level)] ladder steps that notify the role


def workflows() -> list:
    return list(machine.registered().values())


def stages(defn) -> list[Stage]:
    """The main path in its order, each stage with its way on and the clocks it starts."""
    out = []
    for name, state in defn.states.items():
        if not state.main:
            continue
        leaving = [t for t in defn.triggers.values() if name in t.sources]
        out.append(Stage(state, [t for t in leaving if t.kind == "transition"],
                         [t for t in leaving if t.kind == "action" and not _everywhere(defn, t)],
                         defn.clocks_starting(name)))
    return out


def off_ramps(defn) -> list:
    """The closures off the main path (each with its evidence and the bureau's approval)."""
    return [t for t in defn.triggers.values() if t.kind == "off_ramp"]


def anytime(defn) -> list:
    """Steps offered in every stage that is not closed (assign, notes, partners)."""
    return [t for t in defn.triggers.values() if t.kind == "action" and _everywhere(defn, t)]


def _everywhere(defn, t) -> bool:
    return set(t.sources) == {n for n, s in defn.states.items() if not s.final}


def clocks(defn) -> list[ClockGuide]:
    return [ClockGuide(c, defn.states[c.starts_on], defn.case_dates.get(c.counts_from) if c.counts_from else None,
                       [defn.triggers[t] for t in defn.triggers if t in c.met_by],
                       sorted(c.ladder, key=lambda s: s["level"])) for c in defn.clocks]


def levels() -> list[int]:
    """Every escalation level some clock's ladder reaches, in order (1..3 in the shipped workflows)."""
    return sorted({s["level"] for d in workflows() for c in d.clocks for s in c.ladder})


def role_work(role: str) -> list[RoleWork]:
    """Per workflow: whether the role opens cases, the steps it may take and where, the reminders and
    the escalation notices it receives."""
    if role not in ROLES:
        raise KeyError(role)
    out = []
    for defn in workflows():
        work = RoleWork(role, defn, role in defn.open_roles)
        for t in defn.triggers.values():
            if role in t.roles:
                work.steps.append((t, [defn.states[s] for s in t.sources], _everywhere(defn, t)))
        for c in defn.clocks:
            if role in c.remind:
                work.reminded.append(c)
            work.escalated += [(c, s["level"]) for s in c.ladder if role in s["notify"]]
        out.append(work)
    return out


N_ = str  # a message id the page translates

# The official holidays by the names the `chinesecalendar` package gives them (English), in Chinese.
HOLIDAY_NAMES = {"New Year's Day": N_("元旦"), "Spring Festival": N_("春节"), "Tomb-sweeping Day": N_("清明节"),
                 "Labour Day": N_("劳动节"), "Dragon Boat Festival": N_("端午节"), "National Day": N_("国庆节"),
                 "Mid-autumn Festival": N_("中秋节"), "Anti-Fascist 70th Day": N_("中国人民抗日战争胜利70周年纪念日")}
MAKEUP = " 调休上班"  # how calendar.describe notes a weekend working day


@dataclass
class Holiday:
    name: str          # a HOLIDAY_NAMES value, or the note of an admin's override
    first: date
    last: date


def _name(note: str) -> str:
    note = (note or "").removesuffix(MAKEUP).strip()
    return HOLIDAY_NAMES.get(note, note)


def year_calendar(year: int) -> tuple[list[Holiday], list[tuple[date, str]], bool]:
    """The year's holidays (consecutive days off with a name: official, or an admin's override), the
    weekend days that are working days (调休 make-up days, with the holiday they make up for), and
    whether the official data covers the year. Read day by day from the calendar the deadlines use
    (~140 ms a year, measured), so kept until the admin's overrides change."""
    holidays, makeup, official = _year_calendar(year, frozenset(calendar.overrides().items()))
    return [Holiday(h.name, h.first, h.last) for h in holidays], list(makeup), official


@lru_cache(maxsize=8)
def _year_calendar(year: int, _overrides: frozenset) -> tuple[tuple, tuple, bool]:
    holidays, makeup = [], []
    day = date(year, 1, 1)
    while day.year == year:
        info = calendar.describe(day)
        weekend = day.weekday() >= 5
        if info["workday"] and weekend:
            makeup.append((day, _name(info["note"])))
        elif not info["workday"] and (info["note"] or not weekend):
            name = _name(info["note"])
            if holidays and holidays[-1].last == day - timedelta(days=1) and holidays[-1].name == name:
                holidays[-1].last = day
            else:
                holidays.append(Holiday(name, day, day))
        day += timedelta(days=1)
    return tuple(holidays), tuple(makeup), calendar.has_official_data(year)


@dataclass
class Example:
    start: date
    working_days: int
    due: date
    skipped: list  # the days between that do not count, each (day, note)


def example(today: date, working_days: int = 3, holidays: list | None = None) -> Example:
    """A deadline of `working_days` counted from the last working day before a holiday — the next one
    this year, else this year's last — so the page shows what the calendar does to a deadline; over a
    plain weekend if the year has no holiday data."""
    holidays = year_calendar(today.year)[0] if holidays is None else holidays
    coming = [h for h in holidays if h.first >= today] or holidays[-1:]
    start = today
    if coming:
        start = coming[0].first - timedelta(days=1)
        while not calendar.is_workday(start):
            start -= timedelta(days=1)
    due = calendar.add_working_days(start, working_days)
    skipped = []
    day = start + timedelta(days=1)
    while day < due:
        info = calendar.describe(day)
        if not info["workday"]:
            skipped.append((day, _name(info["note"])))
        day += timedelta(days=1)
    return Example(start, working_days, due, skipped)
