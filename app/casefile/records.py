"""Every record of a case, grouped by the stage it belongs to, in the order the case went through them.

A record is a step that was recorded with a form (the opening, a transition, an internal action): what
was typed into it is the record. The stage of a record is the state the step left the case in (the
opening: the initial state; an internal action: the state it happened in; a transition: the stage it
began, so a plan that starts the home visits belongs to the visits, a return's data to the return).
A case that comes back to a stage (a relapse: re-enrolled -> visiting again) has that stage twice,
each round with its own records: the file reads in the order things happened.

Within a stage round, the definition's `sections` group the records of their actions; the records of
steps in no section are one group, each under its own action's name; the groups in the order their
first record was made (a relapse's note before the visits that followed it).
"""
from dataclasses import dataclass, field

from app.casefile import fields
from app.engine import definition

OPENING = "open"  # the action of a case's first event; its form is the definition's open form
# A definition that declares no sections: the records of a stage in one group.
OTHER = definition.Section("other", "其他记录", "Other records", ())


def form_of(defn, action: str):
    """The form a step of `action` was recorded with (None: a system step, or a step without a form)."""
    if action == OPENING:
        return defn.open_form
    t = defn.triggers.get(action)
    return t.form if t is not None else None


def is_record(defn, event) -> bool:
    """A step with a form, or one whose stored data holds a form (its trigger since removed)."""
    return form_of(defn, event.action) is not None or bool((event.data or {}).get("form"))


@dataclass
class Group:
    """Records under one heading: a declared section, or the stage's other records."""
    section: definition.Section
    anchor: str          # the element id: records-<section>, -<round> from a stage's second round on
    records: list = field(default_factory=list)

    @property
    def declared(self) -> bool:
        return self.section is not OTHER


@dataclass
class Stage:
    """One round of one stage: the state, which time the case is in it (1, 2...), its groups."""
    state: object        # the definition's State
    round: int
    anchor: str
    groups: list = field(default_factory=list)
    started_at: object = None

    @property
    def count(self) -> int:
        return sum(len(g.records) for g in self.groups)


def stage_of(defn, event, current: str | None) -> str:
    """The state a step left the case in; a system note naming none stays in the stage it came in."""
    return event.to_state or event.from_state or current or defn.initial


def stages(defn, events) -> list[Stage]:
    """The case's records as rounds of stages, in the order the case went through them (stages without
    a record left out); see the module docstring."""
    section_of = {a: s for s in defn.sections for a in s.actions}
    rounds, used = [], {}
    current = None
    for e in events:
        state = stage_of(defn, e, current[0] if current else None)
        if current is None or current[0] != state:
            current = (state, [], e.at)
            rounds.append(current)
        if is_record(defn, e):
            current[1].append(e)
    out = []
    counts = {}
    for state, records, started in rounds:
        counts[state] = counts.get(state, 0) + 1
        if not records:
            continue
        n = counts[state]
        groups = {}
        for e in records:
            s = section_of.get(e.action, OTHER)
            if s.name not in groups:
                used[s.name] = used.get(s.name, 0) + 1
                suffix = "" if used[s.name] == 1 else f"-{used[s.name]}"
                anchor = f"records-{s.name}{suffix}" if s is not OTHER else f"records-{state}-{n}-other"
                groups[s.name] = Group(s, anchor)
            groups[s.name].records.append(e)
        out.append(Stage(defn.states.get(state) or definition.State(state, state, state), n,
                         f"stage-{state}-{n}", list(groups.values()), started))
    return out


def made_by(events, action: str, after_seq: int) -> int | None:
    """The seq of the event a step of `action` wrote after `after_seq` (a step may write more events:
    an ended invitation, a deadline's note); None if there is none."""
    return next((e.seq for e in events if e.seq > after_seq and e.action == action), None)


def shown_fields(defn, event) -> list[tuple[str, str]]:
    """A record's fields as (label, value): every field recorded, except on the opening the fields that
    name the case's subject (a pupil's id says nothing a reader needs: the pupil card says who)."""
    data = dict((event.data or {}).get("form") or {})
    if event.action == OPENING:
        for name in (defn.subject.get("field"), *defn.subject.get("key", ())):
            data.pop(name, None)
    return fields.describe(form_of(defn, event.action), data)
