"""Pupil roster import (CSV or XLSX): validate every row with PupilForm, import the good ones.

Good rows are written in batches, one transaction per batch; each bad row is reported with its line
number and reasons. Import is idempotent by 学籍号: a row equal to what is stored changes nothing,
a row that differs updates the pupil.
"""
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.import_files import (  # noqa: F401  (reading a file lives there; these names are the importer's API)
    REQUIRED_COLUMNS,
    UNREADABLE,
    ImportFileError,
    Limits,
    count_rows,
    read_rows,
)
from app.models import OrgUnit, Pupil
from forms.pupils import PupilForm

FLAG_COLUMNS = ("economic_hardship", "disability", "left_behind", "migrant")
TRUE = {"1", "y", "yes", "true", "是", "t", "x", "√"}
FALSE = {"", "0", "n", "no", "false", "否", "f"}
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": len(self.errors), "errors": self.errors}


def _normalise(raw: dict) -> tuple[MultiDict, dict]:
    errors = {}
    form = MultiDict()
    for key, value in raw.items():
        if key in FLAG_COLUMNS:
            v = value.lower()
            if v in TRUE:
                form.add(key, "y")
            elif v not in FALSE:
                errors[key] = "应为 是/否 / must be yes or no"
        elif key == "gender":
            form.add(key, GENDERS.get(value.lower(), value))
        elif key == "birth_date":
            form.add(key, _iso_date(value))
        else:
            form.add(key, value)
    return form, errors


def _iso_date(value: str) -> str:
    v = value.replace("/", "-").replace(".", "-")
    if len(v) == 8 and v.isdigit():
        v = f"{v[:4]}-{v[4:6]}-{v[6:]}"
    parts = v.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        v = f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return v


def validate_row(raw: dict, classes: dict) -> tuple[dict | None, dict]:
    unreadable = raw.pop(UNREADABLE, {})  # cells the file reader refused (too long, control characters)
    formdata, errors = _normalise(raw)
    form = PupilForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        errors.update({k: "; ".join(map(str, v)) for k, v in form.errors.items()})
    values, more = pupil_values(form.data, classes, raw.get("guardian_relation", ""))
    errors.update(more)
    errors.update(unreadable)
    return (None, errors) if errors else (values, {})


def pupil_values(d: dict, classes: dict, relation: str = "") -> tuple[dict | None, dict]:
    """Column values for a Pupil from a validated PupilForm's data; the class must be known and in scope."""
    if d.get("class_code") and d["class_code"] not in classes:
        return None, {"class_code": "未知班级或不在您的范围内 / unknown class, or not in your scope"}
    if not d.get("class_code"):
        return None, {}
    guardians = ([{"name": d["guardian_name"] or "", "phone": d["guardian_phone"] or "", "relation": relation}]
                 if d["guardian_name"] or d["guardian_phone"] else [])
    return {"student_no": d["student_no"], "name": d["name"], "gender": d["gender"],
            "birth_date": d["birth_date"], "class_id": classes[d["class_code"]], "guardians": guardians,
            "address": d["address"] or "", "township": d["township"] or "", "village": d["village"] or "",
            **{f: bool(d[f]) for f in FLAG_COLUMNS}}, {}


def class_codes(path_filter=None) -> dict[str, int]:
    q = select(OrgUnit.code, OrgUnit.id).where(OrgUnit.kind == "class")
    if path_filter is not None:
        q = q.where(path_filter(OrgUnit.path))
    return dict(db.session.execute(q).all())


def import_pupils(rows, *, classes: dict, batch_size: int = 500, progress=None) -> ImportReport:
    report = ImportReport()
    seen: dict[str, int] = {}
    batch: list[tuple[int, dict]] = []
    for line, raw in rows:
        report.rows += 1
        values, errors = validate_row(raw, classes)
        if values and values["student_no"] in seen:
            errors = {"student_no": f"文件中重复, 首次出现在第 {seen[values['student_no']]} 行 / "
                                    f"duplicate in this file (first on line {seen[values['student_no']]})"}
        if errors:
            report.errors.append({"line": line, "student_no": raw.get("student_no", ""), "errors": errors})
        else:
            seen[values["student_no"]] = line
            batch.append((line, values))
        if len(batch) >= batch_size:
            _write_batch(batch, report)
            batch = []
        if progress:
            progress(1)
    if batch:
        _write_batch(batch, report)
    return report


def _write_batch(batch, report: ImportReport) -> None:
    existing = {p.student_no: p for p in db.session.execute(
        select(Pupil).where(Pupil.student_no.in_([v["student_no"] for _, v in batch]))).scalars()}
    created = updated = unchanged = 0
    for _, values in batch:
        pupil = existing.get(values["student_no"])
        if pupil is None:
            db.session.add(Pupil(**values))
            created += 1
        elif any(getattr(pupil, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(pupil, k, v)
            updated += 1
        else:
            unchanged += 1
    try:
        db.session.commit()
    except Exception as e:  # e.g. another import inserted the same 学籍号 meanwhile: report, keep going
        db.session.rollback()
        for line, values in batch:
            report.errors.append({"line": line, "student_no": values["student_no"],
                                  "errors": {"_batch": f"批次写入失败 / batch failed: {type(e).__name__}"}})
        return
    report.created += created
    report.updated += updated
    report.unchanged += unchanged
