"""Workflow definitions: the plain dicts of workflows/ turned into checked, frozen objects."""
import copy
from dataclasses import dataclass, field

from wtforms import Form

from app.engine import subjects
from app.engine.validation import date_fields, field_kinds

OPEN = "*"


class DefinitionError(ValueError):
    """A workflow definition contradicts itself; raised at start-up, never at request time."""


@dataclass(frozen=True)
class State:
    name: str
    zh: str
    en: str
    main: bool = False
    final: bool = False
    reset_vars: tuple = ()
    # A case date set, when the state is entered, to the date of the step entering it (its occurred_on).
    stamps: str | None = None
    # What being in the state means to readers outside the engine (the reports): words the definition
    # documents; the engine only carries them.
    marks: frozenset = frozenset()


@dataclass(frozen=True)
class Trigger:
    name: str
    zh: str
    sources: tuple
    dest: str | None
    roles: tuple
    form: type | None
    guards: tuple = ()
    effects: tuple = ()
    kind: str = "transition"  # transition | action | off_ramp
    en: str = ""
    # When the step happened in the world: the form's date field naming it (None: the day it is recorded).
    occurred_on: str | None = None
    records: tuple = ()     # form date fields kept as case dates of the same name
    dates: tuple = ()       # (form date field, (case dates it may not be before, ...)) pairs
    # Guards that read only the case (never the form): also evaluated when the case lists what it offers,
    # so an action that can only fail is not offered.
    preconditions: tuple = ()
    marks: frozenset = frozenset()  # what the step means to the reports, as a state's marks
    # A case of another workflow the step opens once it has committed: {"workflow": name, "payload":
    # f(form data, case, today as ISO text) -> that workflow's open form}; one already open for the
    # subject is kept.
    then_open: dict | None = None


@dataclass(frozen=True)
class Clock:
    name: str
    zh: str
    starts_on: str
    due: tuple          # one dict per due point: {"working_days": n}, {"months": n} or {"day_of_month": n}
    met_by: frozenset
    while_in: frozenset
    remind: tuple
    ladder: tuple
    remind_before: int = 1  # working days before the due day that the reminder goes out
    en: str = ""
    # A clock whose due points are named checkpoints: the meeting step names one in this form field and
    # meets that point, not before `window` working days before its due day (also by `date_field`).
    checkpoint_field: str | None = None
    date_field: str | None = None
    window: int = 3
    # The case date the due points count from (a follow-up counts from the return date the re-enrolment
    # gives, however late it is typed); None: the day the state was entered.
    counts_from: str | None = None
    # Whose turn the clock is, for its reminder: "subject" (the case's own unit) or "also" (the
    # subject's second unit, a transfer's receiving school, when the case has one).
    remind_side: str = "subject"

    def point_names(self) -> list:
        return [p.get("name") for p in self.due]


@dataclass(frozen=True)
class Section:
    """A group of records on the case page: the steps of `actions` ("open" is the opening), in order."""
    name: str
    zh: str
    en: str
    actions: tuple


@dataclass(frozen=True)
class Document:
    """A printed form the workflow declares (an official form as filled): its template under
    app/templates/ and the records it is filled from, `records` mapping the template's own names to
    actions ("open" is the opening)."""
    name: str
    zh: str
    en: str
    template: str
    records: tuple      # (name in the template, action) pairs


@dataclass
class Definition:
    name: str
    title: dict
    initial: str
    states: dict
    triggers: dict
    clocks: tuple
    open_roles: tuple
    open_form: type
    reminder_working_days_before: int = 1
    # Invited partners lose the case when it leaves one of these states (and whenever it closes).
    partners_leave_with: frozenset = frozenset()
    # The case's own dates a step's dates are ordered against: name -> (中文, English) for messages.
    # The open date (opened_on_name) is the case's column; the others are recorded by triggers (`records`)
    # or states (`stamps`).
    case_dates: dict = field(default_factory=dict)
    open_occurred_on: str | None = None
    # The case page's record sections; none declared: one section of every record.
    sections: tuple = ()
    machine: object = field(default=None, repr=False)
    # Read out of the machine when it is compiled (app/engine/machine.py): (state, trigger) -> next state,
    # and state -> its triggers.
    moves: dict = field(default_factory=dict, repr=False)
    offered: dict = field(default_factory=dict, repr=False)
    # What a case is about (app/engine/subjects.py) and the open form's date it counts from (None: the
    # day it is opened), shown and ordered against under that field's name.
    subject: dict = field(default_factory=lambda: dict(subjects.PUPIL))
    open_dated_by: str | None = None
    # The workflow's case-level fields: name -> default (stored in cases.fields, set by effects).
    fields: dict = field(default_factory=dict)
    # The printed case file: the official forms it declares, and who signs it ({"zh", "en"} each);
    # none declared: the file alone, signed by the roles that recorded its steps.
    documents: tuple = ()
    signatures: tuple = ()
    file_title: dict = field(default_factory=dict)  # the printed file's title ({"zh", "en"})
    # A registry mismatch (app/registers) a case of this workflow is opened from: {"opens_for": "pupil" |
    # "unenrolled", "payload": f(mismatch dict, today) -> the open form's data}; empty: none.
    registry: dict = field(default_factory=dict)
    # A sample the county draws of the pupils struck off the ledgers (app/rechecks) opens a case of this
    # workflow for each pupil drawn: {"payload": f(drawn dict, today) -> the open form's data}; empty: none.
    draws: dict = field(default_factory=dict)

    @property
    def opened_on_name(self) -> str:
        return self.open_dated_by or "opened_on"

    def field_values(self, stored: dict | None) -> dict:
        """Every field of the definition: its stored value, else (a copy of) its default."""
        stored = stored or {}
        return {name: stored[name] if name in stored else copy.deepcopy(default)
                for name, default in self.fields.items()}

    def states_marked(self, mark: str) -> list[str]:
        return [n for n, s in self.states.items() if mark in s.marks]

    def triggers_marked(self, mark: str) -> list[str]:
        return [n for n, t in self.triggers.items() if mark in t.marks]

    def clocks_starting(self, state: str) -> list[Clock]:
        return [c for c in self.clocks if c.starts_on == state]

    def clock(self, name: str) -> Clock:
        found = next((c for c in self.clocks if c.name == name), None)
        if found is None:  # a row of a clock since removed from the definition: say which
            raise KeyError(f"workflow {self.name} has no clock {name!r}")
        return found


def _listify(value) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


# How a due point counts from its clock's start: working days, calendar months, or the next such day of
# a month (app/deadlines/clocks.py due_date).
DUE_KINDS = frozenset({"working_days", "months", "day_of_month"})
CHECKPOINT_WINDOW = 3  # working days before a checkpoint's due day that it may be logged from


def _checkpoints(spec) -> tuple:
    """(form field, date field, window) of a checkpoint clock's "checkpoints" entry (none: a plain clock)."""
    if not spec:
        return None, None, CHECKPOINT_WINDOW
    return spec["field"], spec.get("date_field"), spec.get("window_working_days", CHECKPOINT_WINDOW)


def build(raw: dict, known_roles) -> Definition:
    """Check a raw definition and return it frozen; every inconsistency is a DefinitionError."""
    try:
        states = {s["name"]: State(s["name"], s.get("zh", s["name"]), s.get("en", s["name"]),
                                   s.get("main", False), s.get("final", False), _listify(s.get("reset_vars")),
                                   s.get("stamps"), frozenset(_listify(s.get("marks"))))
                  for s in raw["states"]}
        open_states = tuple(n for n, s in states.items() if not s.final)
        triggers = {}
        for t in raw["triggers"]:
            sources = open_states if t["source"] == OPEN else _listify(t["source"])
            dest = t.get("dest")
            kind = ("action" if dest is None else
                    "off_ramp" if states.get(dest) and states[dest].final and not states[dest].main
                    else "transition")
            if t["name"] in triggers:
                raise DefinitionError(f"trigger {t['name']} defined twice")
            triggers[t["name"]] = Trigger(t["name"], t.get("zh", t["name"]), sources, dest, _listify(t["roles"]),
                                          t.get("form"), _listify(t.get("guards")), _listify(t.get("effects")), kind,
                                          t.get("en", t["name"]), t.get("occurred_on"), _listify(t.get("records")),
                                          tuple((name, _listify(rule.get("not_before")))
                                                for name, rule in (t.get("dates") or {}).items()),
                                          _listify(t.get("preconditions")), frozenset(_listify(t.get("marks"))),
                                          t.get("then_open"))
        default_lead = raw.get("reminder_working_days_before", 1)
        clocks = tuple(Clock(c["name"], c.get("zh", c["name"]), c["starts_on"], tuple(c["due"]),
                             frozenset(c.get("met_by", ())), frozenset(c.get("while_in", (c["starts_on"],))),
                             _listify(c.get("remind")),
                             tuple({**step, "notify": _listify(step.get("notify"))} for step in c.get("ladder", ())),
                             c.get("remind_before_working_days", default_lead), c.get("en", c["name"]),
                             *_checkpoints(c.get("checkpoints")), c.get("counts_from"),
                             c.get("remind_side", "subject"))
                       for c in raw.get("clocks", ()))
        defn = Definition(raw["name"], raw.get("title", {}), raw["initial"], states, triggers, clocks,
                          _listify(raw["open"]["roles"]), raw["open"]["form"],
                          raw.get("reminder_working_days_before", 1),
                          frozenset(_listify(raw.get("partners_leave_with"))),
                          {name: tuple(labels) for name, labels in (raw.get("case_dates") or {}).items()},
                          raw["open"].get("occurred_on"),
                          tuple(Section(x["name"], x.get("zh", x["name"]), x.get("en", x["name"]),
                                        _listify(x["actions"])) for x in raw.get("sections", ())),
                          subject=dict(raw.get("subject") or subjects.PUPIL),
                          open_dated_by=raw["open"].get("dated_by"),
                          fields={name: (spec or {}).get("default")
                                  for name, spec in (raw.get("fields") or {}).items()},
                          documents=tuple(Document(d["name"], d.get("zh", d["name"]), d.get("en", d["name"]),
                                                   d["template"], tuple((d.get("records") or {}).items()))
                                          for d in raw.get("documents", ())),
                          signatures=tuple(dict(x) for x in raw.get("signatures", ())),
                          file_title=dict(raw.get("file_title") or {}),
                          registry=dict(raw.get("registry") or {}), draws=dict(raw.get("draws") or {}))
    except KeyError as e:
        raise DefinitionError(f"workflow definition lacks {e}") from e
    validate(defn, known_roles)
    return defn


def validate(defn: Definition, known_roles) -> None:
    problems = []
    if defn.initial not in defn.states:
        problems.append(f"initial state {defn.initial!r} is not a state")
    for t in defn.triggers.values():
        for s in t.sources:
            if s not in defn.states:
                problems.append(f"trigger {t.name}: unknown source {s!r}")
            elif defn.states[s].final:
                problems.append(f"trigger {t.name}: source {s!r} is final")
        if t.dest is not None and t.dest not in defn.states:
            problems.append(f"trigger {t.name}: unknown destination {t.dest!r}")
        problems += [f"trigger {t.name}: unknown role {r!r}" for r in t.roles if r not in known_roles]
        if t.form is not None and not (isinstance(t.form, type) and issubclass(t.form, Form)):
            problems.append(f"trigger {t.name}: form must be a WTForms Form class")
        problems += [f"trigger {t.name}: guard/effect {g!r} is not callable"
                     for g in t.preconditions + t.guards + t.effects if not callable(g)]
    for c in defn.clocks:
        if c.starts_on not in defn.states:
            problems.append(f"clock {c.name}: unknown state {c.starts_on!r}")
        problems += [f"clock {c.name}: unknown trigger {m!r}" for m in c.met_by if m not in defn.triggers]
        problems += [f"clock {c.name}: unknown state {s!r}" for s in c.while_in if s not in defn.states]
        for point in c.due:
            length = set(point) & DUE_KINDS
            day = point.get("day_of_month", 1)
            if set(point) - DUE_KINDS - {"name", "zh", "en", "setting"} or len(length) != 1 or \
                    isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
                problems.append(f"clock {c.name}: a due point is {{'working_days': n}}, {{'months': n}} or "
                                "{'day_of_month': 1-31} (with a name, zh, en when it is a checkpoint, and a "
                                "unit `setting` that may replace its number)")
        if c.checkpoint_field:
            problems += _checkpoint_problems(defn, c)
        problems += _ladder_problems(c, known_roles)
    problems += _date_problems(defn)
    problems += [f"partners_leave_with: unknown state {s!r}" for s in defn.partners_leave_with
                 if s not in defn.states]
    problems += [f"open: unknown role {r!r}" for r in defn.open_roles if r not in known_roles]
    problems += _mark_problems(defn)
    if isinstance(defn.open_form, type) and issubclass(defn.open_form, Form):
        problems += subjects.problems(defn.subject, field_kinds(defn.open_form))
    if problems:
        raise DefinitionError(f"workflow {defn.name}: " + "; ".join(problems))


def _mark_problems(defn: Definition) -> list[str]:
    """Marks are words (a typo in a list of them would silently count nothing); sections show steps
    the definition has."""
    problems = [f"trigger {t.name}: then_open needs a workflow name and a callable payload"
                for t in defn.triggers.values() if t.then_open is not None and not (
                    isinstance(t.then_open, dict) and isinstance(t.then_open.get("workflow"), str)
                    and callable(t.then_open.get("payload")))]
    problems += [f"{kind} {item.name}: marks are words, not {m!r}"
                for kind, items in (("state", defn.states.values()), ("trigger", defn.triggers.values()))
                for item in items for m in item.marks if not (isinstance(m, str) and m.isidentifier())]
    names = [s.name for s in defn.sections]
    if len(set(names)) != len(names):
        problems.append("sections: every section needs its own name")
    problems += [f"section {s.name}: unknown action {a!r}" for s in defn.sections for a in s.actions
                 if a != "open" and a not in defn.triggers]
    docs = [d.name for d in defn.documents]
    if len(set(docs)) != len(docs) or not all(isinstance(n, str) and n.isidentifier() for n in docs):
        problems.append("documents: every document needs its own name, a word")
    problems += [f"document {d.name}: unknown action {a!r}" for d in defn.documents for _, a in d.records
                 if a != "open" and a not in defn.triggers]
    return problems


def _ladder_problems(c: Clock, known_roles) -> list[str]:
    """What would make a clock raise at its due time rather than now. A clock without a ladder is valid:
    it falls due (overdue, its reminder's people told) and escalates no further."""
    problems = [f"clock {c.name}: unknown remind role {r!r}" for r in c.remind if r not in known_roles]
    last = 0
    for i, step in enumerate(c.ladder, start=1):
        days = step.get("after_working_days")
        if not isinstance(days, int) or isinstance(days, bool) or days < last:
            problems.append(f"clock {c.name}: ladder step {i} needs after_working_days, a whole number "
                            f"not below the step before")
        else:
            last = days
        if step.get("level", i) != i:
            problems.append(f"clock {c.name}: ladder step {i} is level {step.get('level')!r}")
        if not step["notify"]:
            problems.append(f"clock {c.name}: ladder step {i} notifies nobody")
        problems += [f"clock {c.name}: ladder step {i}: unknown role {r!r}" for r in step["notify"]
                     if r not in known_roles]
    return problems


def _date_problems(defn: Definition) -> list[str]:
    """Every date a definition names must be a date field of the form, or a declared case date."""
    problems = []
    known = set(defn.case_dates) | {defn.opened_on_name}
    problems += [f"clock {c.name}: counts from unknown case date {c.counts_from!r}" for c in defn.clocks
                 if c.counts_from is not None and c.counts_from not in known]
    for s in defn.states.values():
        if s.stamps is not None and s.stamps not in known:
            problems.append(f"state {s.name}: stamps unknown case date {s.stamps!r}")
    checks = [("open", defn.open_form, defn.open_occurred_on, (), ())]
    checks += [(f"trigger {t.name}", t.form, t.occurred_on, t.records, t.dates) for t in defn.triggers.values()]
    for where, form, occurred, records, dates in checks:
        fields = date_fields(form) if isinstance(form, type) and issubclass(form, Form) else {}
        named = ([occurred] if occurred else []) + list(records) + [name for name, _ in dates]
        if where == "open" and defn.open_dated_by:
            named.append(defn.open_dated_by)
        problems += [f"{where}: {n!r} is not a date field of its form" for n in named if n not in fields]
        problems += [f"{where}: records unknown case date {n!r}" for n in records if n not in known]
        problems += [f"{where}: {name} is ordered after unknown case date {other!r}"
                     for name, others in dates for other in others if other not in known]
    return problems


def _checkpoint_problems(defn: Definition, c: Clock) -> list[str]:
    """A checkpoint clock names each point, and every trigger meeting it asks for one of those names."""
    problems = []
    names = c.point_names()
    if None in names or len(set(names)) != len(names):
        problems.append(f"clock {c.name}: every checkpoint needs its own name")
    if not isinstance(c.window, int) or c.window < 0:
        problems.append(f"clock {c.name}: window_working_days must be a whole number of days, 0 or more")
    for m in sorted(c.met_by):
        t = defn.triggers.get(m)
        form = t.form(meta={"csrf": False}) if t and t.form else None
        field = form[c.checkpoint_field] if form and c.checkpoint_field in form else None
        choices = [getattr(ch, "value", ch[0] if isinstance(ch, tuple) else ch) for ch in
                   (getattr(field, "choices", None) or [])]
        if field is None or choices != names:
            problems.append(f"clock {c.name}: trigger {m}'s form needs a field {c.checkpoint_field!r} choosing "
                            f"one of {names}")
        if c.date_field and (form is None or c.date_field not in form):
            problems.append(f"clock {c.name}: trigger {m}'s form has no date field {c.date_field!r}")
    return problems
