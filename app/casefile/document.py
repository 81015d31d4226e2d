"""What the printed case file holds, assembled from the case, its events and its deadlines as one
reader may see them (the records masked like the pupil card for a reader without need)."""
from dataclasses import dataclass

from sqlalchemy import select

from app import clock
from app.casefile import fields, people, records
from app.deadlines import calendar
from app.district import worklist
from app.extensions import db
from app.models import Deadline
from forms.pupils import PupilForm


@dataclass
class DeadlineRow:
    """One deadline of the case: when it was due, and met on time / late / missed / still open."""
    clock: object        # the definition's Clock
    point: int
    due_on: object
    done_on: object      # the day it was met (None: not met)
    status: str          # met | met_late | missed | open | cancelled
    late: int            # working days late (met late, or missed: until today)


def deadline_rows(defn, case_id: int, now) -> list[DeadlineRow]:
    """Every deadline the case had, in the order they opened (a clock since removed is left out)."""
    rows = db.session.execute(select(Deadline).where(Deadline.case_id == case_id)
                              .order_by(Deadline.opened_at, Deadline.id)).scalars()
    out = []
    known = {c.name: c for c in defn.clocks}
    for d in rows:
        if d.clock not in known:
            continue
        due = calendar.local_date(d.due_at)
        if d.status == "met":
            late = max(0, -worklist.working_days_left(d.due_at, d.closed_at))
            out.append(DeadlineRow(known[d.clock], d.point, due, calendar.local_date(d.closed_at),
                                   "met_late" if late else "met", late))
        elif d.status == "open":
            late = max(0, -worklist.working_days_left(d.due_at, now))
            out.append(DeadlineRow(known[d.clock], d.point, due, None, "missed" if d.due_at < now else "open",
                                   late))
        else:
            out.append(DeadlineRow(known[d.clock], d.point, due, None, "cancelled", 0))
    return out


def signatures(defn, events) -> list:
    """The definition's signature lines, else one per role that recorded a step (the system aside)."""
    if defn.signatures:
        return list(defn.signatures)
    roles = dict.fromkeys(e.role for e in events if e.role != "system" and records.is_record(defn, e))
    return [{"role": r} for r in roles]


class Filled:
    """The records a document is filled from, by the document's own names: `doc.filed` is the list of
    records of the action it names (oldest first), `doc.first("filed")` the first, `doc.value(e, f)` a
    field of one as shown."""

    def __init__(self, defn, document, events):
        self._defn = defn
        self._by = {name: [e for e in events if e.action == action and records.is_record(defn, e)]
                    for name, action in document.records}

    def __getattr__(self, name):
        try:
            return self._by[name]
        except KeyError:
            raise AttributeError(name) from None

    def first(self, name):
        found = self._by.get(name) or []
        return found[0] if found else None

    def last(self, name):
        found = self._by.get(name) or []
        return found[-1] if found else None

    def value(self, event, name: str) -> str:
        if event is None:
            return ""
        return fields.value(records.form_of(self._defn, event.action), (event.data or {}).get("form", {}), name)


def school_of(case):
    """The school a pupil's case is kept by (the unit above the class), None for other subjects."""
    if case.pupil is None or case.pupil.klass is None:
        return None
    return case.pupil.klass.school()


def assemble(defn, case, events, *, personal: bool) -> dict:
    """Everything the file's templates read."""
    now = clock.now()
    return {
        "case": case, "defn": defn, "personal": personal, "now": now,
        "school": school_of(case),
        "pupil": case.pupil.to_dict(masked=not personal) if case.pupil is not None else None,
        "stages": records.stages(defn, events),
        "deadlines": deadline_rows(defn, case.id, now),
        "signatures": signatures(defn, events),
        "documents": [(d, Filled(defn, d, events)) for d in defn.documents],
        "record_fields": records.shown_fields, "assignee": people.assignee, "who": people.recorder(events), "pupil_flag_label": pupil_flag_label,
    }


def pupil_flag_label(flag: str) -> str:
    """A pupil's flag (economic hardship, left behind...) by the roster form's label for it."""
    return next((label for name, label, _, _ in fields.form_fields(PupilForm) if name == flag), flag)


def document(defn, name: str):
    """The definition's document of that name, or None."""
    return next((d for d in defn.documents if d.name == name), None)
