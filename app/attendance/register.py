"""A class register (考勤表) from CSV or XLSX: one row per absence (学籍号, 日期, 是否请假, 原因), read
by the roster's file reader (app/roster/files.py: encodings, limits, the file's own headers) with its
cell rules (app/roster/cells.py: Chinese dates). Idempotent: a row equal to what is stored changes
nothing, a row for a recorded day updates it. Each bad row is reported with its line and the column
as the file names it; the good rows are recorded."""
from dataclasses import dataclass, field

from sqlalchemy import select

from app.attendance.absences import NOT_SCHOOL_DAY, Mark, record
from app.attendance.schooldays import is_school_day
from app.audit.history import By
from app.extensions import db
from app.models import FormerNumber, OrgUnit, Pupil
from app.roster.cells import DATE_EXAMPLES, DATE_EXAMPLES_EN, named, roster_date
from app.roster.files import UNREADABLE, Columns, read_rows
from app.roster.importer import FALSE, REQUIRED, TRUE
from app.roster.pupils import RosterScope
from forms import pupil_numbers

ALIASES = {"学籍号": "student_no", "全国学籍号": "student_no", "姓名": "name", "学生姓名": "name",
           "日期": "day", "缺勤日期": "day", "缺课日期": "day", "是否请假": "excused", "请假": "excused",
           "原因": "reason", "缺勤原因": "reason", "事由": "reason", "班级代码": "class_code"}
COLUMNS = Columns(ALIASES, ("student_no", "day"))
NOT_HERE = "学生不在此班级或不在您的范围内 / the pupil is not in this class or not in your scope"
EXCUSED_ERROR = "应为 是/否 (或 1/0) / must be 是 or 否 (yes/no, 1/0)"
EXCUSED_WORDS = {"病假", "事假", "已请假"}  # a register often writes the kind of leave instead of 是


@dataclass
class RegisterReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "failed": len(self.errors), "errors": self.errors}


def read(data: bytes, filename: str):
    return read_rows(data, filename, columns=COLUMNS)


def _cells(raw: dict) -> tuple[dict, dict]:
    """(values, errors) of one row by column key."""
    errors = dict(raw.pop(UNREADABLE, {}))
    values = {"student_no": pupil_numbers.normalise(raw.get("student_no", "")), "reason": raw.get("reason", "")[:200]}
    if not values["student_no"]:
        errors["student_no"] = REQUIRED
    text = raw.get("day", "")
    try:
        values["day"] = roster_date(text)
        if not is_school_day(values["day"]):
            errors["day"] = NOT_SCHOOL_DAY
    except ValueError:
        errors["day"] = REQUIRED if not text else (f"“{text}” 不是有效日期, 可写作 {DATE_EXAMPLES} / “{text}” is not "
                                                  f"a date: write it as {DATE_EXAMPLES_EN}")
    flag = raw.get("excused", "").strip().lower()
    if flag in TRUE or flag in EXCUSED_WORDS:
        values["excused"] = True
    elif flag in FALSE:
        values["excused"] = False
    else:
        errors["excused"] = EXCUSED_ERROR
    return values, errors


def _pupils(numbers: list[str], scope: RosterScope, class_id: int | None) -> dict[str, int]:
    """{number: pupil id} for the numbers (current or former) of pupils in scope (and the class)."""
    where = [scope.sql(OrgUnit.path)] + ([Pupil.class_id == class_id] if class_id else [])
    current = (select(Pupil.student_no, Pupil.id).join(OrgUnit, Pupil.class_id == OrgUnit.id)
               .where(*where, Pupil.student_no.in_(numbers)))
    former = (select(FormerNumber.student_no, Pupil.id).join(Pupil, Pupil.id == FormerNumber.pupil_id)
              .join(OrgUnit, Pupil.class_id == OrgUnit.id).where(*where, FormerNumber.student_no.in_(numbers)))
    found = dict(db.session.execute(former).all())
    found.update(db.session.execute(current).all())
    return found


def import_register(rows, *, scope: RosterScope, who: By, class_id: int | None = None, batch_size: int = 500,
                    progress=None) -> RegisterReport:
    """Record the good rows (pupils in scope, and of `class_id` when given), report the bad ones."""
    report = RegisterReport()
    headers = getattr(rows, "headers", {})
    batch: list[tuple[int, dict]] = []

    def flush():
        found = _pupils(sorted({v["student_no"] for _, v in batch}), scope, class_id)
        marks = []
        for line, v in batch:
            if v["student_no"] not in found:
                report.errors.append({"line": line, "student_no": v["student_no"],
                                      "errors": {"student_no": named(headers.get("student_no", ""), NOT_HERE)}})
                continue
            marks.append(Mark(found[v["student_no"]], v["day"], v["excused"], v["reason"]))
        if marks:
            counts = record(marks, who)
            report.created += counts["created"]
            report.updated += counts["updated"]
            report.unchanged += counts["unchanged"]
        batch.clear()

    for line, raw in rows:
        report.rows += 1
        values, errors = _cells(raw)
        if errors:
            report.errors.append({"line": line, "student_no": values["student_no"],
                                  "errors": {k: named(headers.get(k, ""), v) for k, v in errors.items()}})
        else:
            batch.append((line, values))
        if len(batch) >= batch_size:
            flush()
        if progress:
            progress(1)
    if batch:
        flush()
    report.errors.sort(key=lambda e: e["line"])
    return report
