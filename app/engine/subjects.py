"""What a case is about: its definition's "subject", resolved from the open form.

    "subject": {"kind": "pupil", "field": "student_id"}
    "subject": {"kind": "unit", "field": "school_id", "unit_kinds": ["school"], "key": ["month"]}

    "subject": {"kind": "pupil", "field": "student_id",
                "also": {"field": "to_school_id", "unit_kinds": ["school"]}}

A pupil's case is scoped to the pupil's class, a unit's case to the unit itself; `also` (optional) names
an open-form field whose unit (of those kinds; the field may be empty) scopes the case too: its staff see
and work the case although the subject is not theirs (a transfer's receiving school), by the same prefix
test on the case's also_unit_path, and a guard tells which side an actor is on (StepContext.on_side).
`key` names further
open-form fields that belong to the subject's identity (a school's report is one per school per month).
The subject key is what "one open case" means: at most one open case per (workflow, subject key), which
the database enforces (a partial unique index, migration 0014).
"""
from dataclasses import dataclass, replace
from datetime import date

from app.errors import Conflict, Invalid

KINDS = ("pupil", "unit")
PUPIL = {"kind": "pupil", "field": "student_id"}  # a definition naming no subject: the previous behaviour


@dataclass(frozen=True, slots=True)
class Subject:
    key: str
    unit_path: str
    school_id: int
    pupil_id: int | None
    birth_date: date | None  # a pupil's: no date of the case may be before it
    also_path: str | None = None  # the second unit's path (spec "also"), if the open form names one


def problems(spec: dict, form_fields) -> list[str]:
    """What is wrong with a definition's subject (empty: nothing); checked at start-up."""
    if spec.get("kind") not in KINDS:
        return [f"subject: kind is one of {list(KINDS)}, not {spec.get('kind')!r}"]
    found = [f"subject: {name!r} is not a field of the open form" for name in
             [spec.get("field"), *spec.get("key", ())] if name not in form_fields]
    if spec["kind"] == "unit" and not spec.get("unit_kinds"):
        found.append("subject: a unit subject names its unit_kinds")
    also = spec.get("also")
    if also is not None and (not isinstance(also, dict) or also.get("field") not in form_fields
                             or not also.get("unit_kinds")):
        found.append("subject: `also` names a field of the open form and its unit_kinds")
    return found


def resolve(tx, spec: dict, data: dict) -> Subject | None:
    """The subject the open form names, or None when there is no such pupil or unit (of those kinds)."""
    ident = data.get(spec["field"])
    if isinstance(ident, bool) or not isinstance(ident, int):
        return None
    if spec["kind"] == "pupil":
        row = tx.pupil(ident)
        if row is None:
            return None
        return Subject(f"pupil:{row.id}", row.path, _school_id(row.path, row.class_id), row.id, row.birth_date)
    row = tx.unit(ident)
    if row is None or row.kind not in spec["unit_kinds"]:
        return None
    key = ":".join([f"unit:{row.id}", *(str(data.get(name)) for name in spec.get("key", ()))])
    return Subject(key, row.path, _school_id(row.path, row.id), None, None)


def with_second_unit(tx, spec: dict, data: dict, subject: Subject) -> Subject:
    """The subject with its second unit (`also`) resolved; asked only once the opener is known to hold
    a role over the subject (so a refusal here tells nothing of a subject out of their scope). A unit
    that does not exist, is of another kind, or holds the subject itself is a 422 naming its field."""
    if not spec.get("also"):
        return subject
    return replace(subject, also_path=_also_path(tx, spec["also"], data, subject.unit_path))


def _also_path(tx, also: dict, data: dict, subject_path: str) -> str | None:
    ident = data.get(also["field"])
    if ident is None:
        return None
    row = tx.unit(ident) if isinstance(ident, int) and not isinstance(ident, bool) else None
    if row is None or row.kind not in also["unit_kinds"]:
        raise Invalid({also["field"]: "没有这个单位 / no such unit"})
    if subject_path.startswith(row.path):
        raise Invalid({also["field"]: "须是另一个单位, 不能是本单位 / must be another unit than the subject's own"})
    return row.path


def unpack(spec: dict, key: str) -> tuple[int, list[str]]:
    """(the pupil's or unit's id, the values of the `key` fields) of a subject key made by resolve()."""
    _kind, ident, *values = key.split(":", 1 + len(spec.get("key", ())))
    return int(ident), values


def _school_id(path: str, own_id: int) -> int:
    # The tree is district -> school -> grade -> class, so a path is /district/school/...; a unit above
    # the schools (the district) counts as its own.
    parts = path.strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 else own_id


def not_found(spec: dict) -> Invalid:
    if spec["kind"] == "pupil":
        return Invalid({spec["field"]: "您的范围内没有这个学生 / no such pupil in your scope"})
    return Invalid({spec["field"]: "您的范围内没有这个单位 / no such unit in your scope"})


def already_open(spec: dict, case_id: int | None) -> Conflict:
    if spec["kind"] == "pupil":
        return Conflict(f"该学生已有未结个案 #{case_id} / the pupil already has an open case #{case_id}",
                        open_case_id=case_id)
    return Conflict(f"该对象已有未结个案 #{case_id} / an open case #{case_id} already exists for it",
                    open_case_id=case_id)
