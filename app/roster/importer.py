"""Pupil roster import (CSV or XLSX): validate every row with PupilForm, import the good ones.

Good rows are written in batches, one transaction per batch (row by row if the database refuses a
batch); each bad row is reported with its line number and reasons. Import is idempotent by 学籍号:
a row equal to what is stored changes nothing, a row that differs updates the pupil — only a pupil
in the importer's scope, and never into another school (that is a transfer). Each import is an
import run; each pupil it creates or changes gets a pupil event.

A row may carry `previous_student_no` (旧学籍号): the pupil registered under that number (an L or J
number, or an ID since corrected) now has the row's number; the old one is kept as a former number
(app/models/pupils.FormerNumber), so a row or a search under it still finds the pupil. What the
registry allows but a person should see (a birth date unlike the number's, an unknown area code) is
a warning on the row, beside the errors.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from app.audit import history
from forms import pupil_numbers
from app.extensions import db
from app.roster.files import (  # noqa: F401  (reading a file lives there; these names are the importer's API)
    REQUIRED_COLUMNS,
    UNREADABLE,
    ImportFileError,
    Limits,
    RosterRows,
    count_rows,
    read_rows,
)
from app.engine.validation import META as BILINGUAL_META
from app.models import FormerNumber, ImportRun, OrgUnit, Pupil
from app.models.pupils import FLAGS
from app.roster import gaps
from app.roster.cells import DATE_EXAMPLES, DATE_EXAMPLES_EN, named, roster_date
from app.roster.pupils import EVERYWHERE, RosterScope, record_collision, school_of
from forms.pupils import PupilForm

FLAG_COLUMNS = FLAGS
NUMBER_COLUMNS = ("student_no", "previous_student_no")
DATE_COLUMNS = ("birth_date",)
TRUE = {"1", "y", "yes", "true", "是", "t", "x", "√"}
FALSE = {"", "0", "n", "no", "false", "否", "f"}
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F", "男性": "M", "女性": "F"}
FLAG_ERROR = "应为 是/否 (或 1/0) / must be 是 or 否 (yes/no, 1/0)"
REQUIRED = "必填, 此格为空 / required, and the cell is empty"


@dataclass
class ImportReport:
    import_id: int | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    vanished: int = 0  # pupils of the file's classes it does not list (app/roster/gaps.py)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # [{line, student_no, warnings: {field: message}}], rows written

    def to_dict(self) -> dict:
        return {"import_id": self.import_id, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "vanished": self.vanished, "failed": len(self.errors), "errors": self.errors,
                "warnings": self.warnings}


@dataclass
class Row:
    """A validated row: the pupil's column values, the number it replaces (if any), its warnings."""
    values: dict
    previous: str = ""
    warnings: dict = field(default_factory=dict)

    @property
    def numbers(self) -> tuple[str, ...]:
        return (self.values["student_no"], self.previous) if self.previous else (self.values["student_no"],)


def _normalise(raw: dict) -> tuple[MultiDict, dict]:
    errors = {}
    form = MultiDict()
    for key, value in raw.items():
        if key in FLAG_COLUMNS:
            v = value.lower()
            if v in TRUE:
                form.add(key, "y")
            elif v not in FALSE:
                errors[key] = FLAG_ERROR
        elif key == "gender":
            form.add(key, GENDERS.get(value.lower(), value))
        elif key in DATE_COLUMNS:
            if value:
                try:
                    form.add(key, roster_date(value).isoformat())
                except ValueError:
                    errors[key] = (f"“{value}” 不是有效日期, 可写作 {DATE_EXAMPLES} / “{value}” is not a date: "
                                   f"write it as {DATE_EXAMPLES_EN}")
        elif key in NUMBER_COLUMNS:  # typed by hand in a spreadsheet: "g5226 ... x" is the same number
            form.add(key, pupil_numbers.normalise(value))
        else:
            form.add(key, value)
    return form, errors


def _choices(field) -> tuple[str, str]:
    """A choice field's accepted values as a message lists them: ("男/女", "男 (M) or 女 (F)")."""
    pairs = [(c.value, str(c.label)) for c in field.choices]
    zh = "/".join(label for _, label in pairs)
    en = " or ".join(f"{label} ({value})" if value != label else label for value, label in pairs)
    return zh, en


def _form_errors(form, raw: dict) -> dict:
    """The form's errors as a person reads them: an empty cell is "required", a choice lists the
    accepted values, the rest in WTForms' own words in both languages."""
    out = {}
    for name, messages in form.errors.items():
        field, value = form[name], raw.get(name, "")
        if not value and field.flags.required:
            out[name] = REQUIRED
        elif getattr(field, "choices", None) and isinstance(field.data, str) and field.data not in {
                c.value for c in field.choices}:
            zh, en = _choices(field)
            out[name] = f"“{value}” 不是可选值, 应为 {zh} / “{value}” is not a choice: must be {en}"
        else:
            out[name] = "; ".join(map(str, messages))
    return out


def with_headers(problems: dict, headers: dict) -> dict:
    """{column: message} with each message naming the column's header in the user's file (or, for a
    column the file lacks, the form's label): "出生日期: …" rather than the key birth_date."""
    labels = {f.name: str(f.label.text) for f in PupilForm(meta={"csrf": False})}
    return {k: named(headers.get(k) or labels.get(k, ""), v) for k, v in problems.items()}


def validate_row(raw: dict, classes: dict) -> tuple[Row | None, dict]:
    unreadable = raw.pop(UNREADABLE, {})  # cells the file reader refused (too long, control characters)
    formdata, errors = _normalise(raw)
    form = PupilForm(formdata=formdata, meta=BILINGUAL_META)
    if not form.validate():
        # a cell already refused (a date that is not one) keeps its own message, not "required"
        errors.update({k: v for k, v in _form_errors(form, raw).items() if k not in errors})
    values, more = pupil_values(form.data, classes, raw.get("guardian_relation", ""))
    errors.update(more)
    errors.update(unreadable)
    previous = formdata.get("previous_student_no", "")
    if previous:
        try:
            pupil_numbers.parse(previous)
        except pupil_numbers.InvalidNumber as e:
            errors["previous_student_no"] = str(e)
        if previous == form.student_no.data:
            errors["previous_student_no"] = "旧学籍号与学籍号相同 / the same as student_no"
    if errors:
        return None, errors
    return Row(values, previous, number_warnings(values["student_no"], values["birth_date"])), {}


def number_warnings(student_no: str, birth_date) -> dict:
    """The row's (or the POST's) warnings about its valid number: see pupil_numbers.warnings."""
    return pupil_numbers.warnings(pupil_numbers.parse(student_no), birth_date)


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


def _classes(scope: RosterScope) -> list:
    """(code, id, path) of every class the scope may put pupils into."""
    return db.session.execute(select(OrgUnit.code, OrgUnit.id, OrgUnit.path)
                              .where(OrgUnit.kind == "class", scope.sql(OrgUnit.path))).all()


def class_codes(scope: RosterScope = EVERYWHERE) -> dict[str, int]:
    return {code: cid for code, cid, _ in _classes(scope)}


@dataclass
class _Writer:
    """What writing a batch needs: the importer, their scope, the run, and the classes they may use."""
    scope: RosterScope
    who: history.By
    run: ImportRun
    classes: dict  # class id -> (code, path), for the classes in scope


OTHER_SCHOOL_TEXT = "该学生属于其他学校, 请办理转学 / belongs to another school; ask for a transfer"
OTHER_SCHOOL = {"student_no": OTHER_SCHOOL_TEXT}
OTHER_SCHOOL_PREVIOUS = {"previous_student_no": OTHER_SCHOOL_TEXT}
PREVIOUS_IS_ANOTHER = {"previous_student_no": "旧学籍号是另一名学生的学籍号 / previous_student_no is another "
                                              "pupil's number"}
TRANSFER = {"class_code": "转到其他学校须办理转学, 不能通过导入 / moving a pupil to another school is a transfer, "
                          "not an import"}


def import_pupils(rows, *, scope: RosterScope, who: history.By, via: str, filename: str = "",
                  batch_size: int = 500, progress=None) -> ImportReport:
    """Import rows into the importer's scope; the run and every pupil it creates or changes are recorded."""
    found = _classes(scope)
    classes = {code: cid for code, cid, _ in found}
    writer = _Writer(scope, who, history.start_import(who, via, filename),
                     {cid: (code, path) for code, cid, path in found})
    report = ImportReport(import_id=writer.run.id)
    seen: dict[str, int] = {}  # each number of a row written (its own and the one it replaces) -> line
    listed: set[str] = set()   # every number the file names, good row or bad: not vanished
    listed_classes: set[int] = set()
    batch: list[tuple[int, Row]] = []
    try:
        for line, raw in rows:
            report.rows += 1
            listed.update(pupil_numbers.normalise(raw.get(k, "")) for k in NUMBER_COLUMNS if raw.get(k))
            row, errors = validate_row(raw, classes)
            if row and (first := next((seen[n] for n in row.numbers if n in seen), None)):
                errors = {"student_no": f"文件中重复, 首次出现在第 {first} 行 / "
                                        f"duplicate in this file (first on line {first})"}
            if errors:
                report.errors.append({"line": line, "student_no": raw.get("student_no", ""), "errors": errors})
            else:
                seen.update({n: line for n in row.numbers})
                listed_classes.add(row.values["class_id"])
                batch.append((line, row))
            if len(batch) >= batch_size:
                _write_batch(batch, report, writer)
                batch = []
            if progress:
                progress(1)
        if batch:
            _write_batch(batch, report, writer)
    except ImportFileError as e:
        history.finish_import(writer.run, report, error=str(e))
        raise
    report.vanished = gaps.record(writer.run, listed_classes, listed, writer.run.at)
    report.errors.sort(key=lambda e: e["line"])
    refused = {e["line"] for e in report.errors}  # a row refused when written: its error says it all
    report.warnings = sorted((w for w in report.warnings if w["line"] not in refused), key=lambda w: w["line"])
    headers = getattr(rows, "headers", {})  # RosterRows; a plain list of rows names the form's labels
    for e in report.errors:
        e["errors"] = with_headers(e["errors"], headers)
    for w in report.warnings:
        w["warnings"] = with_headers(w["warnings"], headers)
    history.finish_import(writer.run, report)
    return report


def _write_batch(batch, report: ImportReport, w: _Writer) -> None:
    """One transaction for the batch; if the database refuses it, row by row (a savepoint each), so
    every good row is kept and each row the database refuses is reported with its line."""
    try:
        counts, errors = _write_rows(batch, w)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        counts, errors = Counter(), []
        for line, row in batch:
            try:
                with db.session.begin_nested():
                    one, refused = _write_rows([(line, row)], w)
            except SQLAlchemyError as e:
                errors.append({"line": line, "student_no": row.values["student_no"], "errors": {
                    "_row": f"数据库拒绝写入此行 / the database refused this row ({type(e).__name__})"}})
            else:
                counts.update(one)
                errors.extend(refused)
        db.session.commit()
    for key in ("created", "updated", "unchanged"):
        setattr(report, key, getattr(report, key) + counts[key])
    report.errors.extend(errors)
    report.warnings.extend({"line": line, "student_no": row.values["student_no"], "warnings": row.warnings}
                           for line, row in batch if row.warnings)


def _pupils_by_number(numbers: list[str]) -> tuple[dict, dict]:
    """({current number: pupil}, {former number: pupil}) for the numbers a batch names."""
    current = {p.student_no: p for p in db.session.execute(
        select(Pupil).where(Pupil.student_no.in_(numbers))).scalars()}
    former = {no: p for no, p in db.session.execute(
        select(FormerNumber.student_no, Pupil).join(Pupil, Pupil.id == FormerNumber.pupil_id)
        .where(FormerNumber.student_no.in_(numbers))).all()}
    return current, former


def _resolve(row: Row, current: dict, former: dict) -> tuple[Pupil | None, str, str | None, dict]:
    """(the pupil a row means, the number that found it, the number the row replaces on that pupil, error).

    By the row's number (current, or a former one: the pupil keeps the number that replaced it); else
    by its previous number, which the row's number then replaces; else a new pupil (None)."""
    no = row.values["student_no"]
    by_prev = (current.get(row.previous) or former.get(row.previous)) if row.previous else None
    if row.previous and by_prev is None:
        row.warnings["previous_student_no"] = "旧学籍号未登记, 已忽略 / previous_student_no is not registered; ignored"
    if (pupil := current.get(no) or former.get(no)) is not None:
        if by_prev is not None and by_prev is not pupil:
            return pupil, no, None, PREVIOUS_IS_ANOTHER
        return pupil, no, None, {}
    if by_prev is None:
        return None, no, None, {}
    if by_prev.student_no != row.previous:  # replaced before: the row's number would be a third one
        return by_prev, row.previous, None, {
            "previous_student_no": f"旧学籍号已更换为 {by_prev.student_no} / previous_student_no was already "
                                   f"replaced by {by_prev.student_no}"}
    return by_prev, row.previous, row.previous, {}


def _write_rows(batch, w: _Writer) -> tuple[Counter, list]:
    """Add or update each row's pupil with its event (flushed, not committed); scope refusals are row errors."""
    current, former = _pupils_by_number([n for _, row in batch for n in row.numbers])
    outcome = Counter()
    errors = []
    for line, row in batch:
        values = row.values
        pupil, found_by, replaces, refused = _resolve(row, current, former)
        code, path = w.classes[values["class_id"]]
        if pupil is None:
            pupil = Pupil(**values)
            db.session.add(pupil)
            history.pupil_event(pupil, w.who, "imported", history.changes(None, history.pupil_snapshot(values, code)),
                                w.run)
            current[values["student_no"]] = pupil
            outcome["created"] += 1
            continue
        # Found by 学籍号 (its own, or the one it replaces) anywhere in the district: refused, revealing
        # nothing, unless the importer's scope holds the pupil; a move to another school is a transfer.
        if not w.scope.covers(pupil.klass.path):
            record_collision(found_by, w.who, f"import:{w.run.id}")
            errors.append({"line": line, "student_no": values["student_no"],
                           "errors": OTHER_SCHOOL if found_by == values["student_no"] else OTHER_SCHOOL_PREVIOUS})
            continue
        if refused:
            errors.append({"line": line, "student_no": values["student_no"], "errors": refused})
            continue
        if school_of(pupil.klass.path) != school_of(path):
            errors.append({"line": line, "student_no": values["student_no"], "errors": TRANSFER})
            continue
        if found_by != pupil.student_no and not replaces:  # a former number: the pupil keeps its new one
            values["student_no"] = pupil.student_no
            row.warnings["student_no"] = (f"此学籍号已更换为 {pupil.student_no}, 已按新号更新 / this number was "
                                          f"replaced by {pupil.student_no}; the pupil was updated under it")
        changed = history.changes(history.snapshot_of(pupil), history.pupil_snapshot(values, code))
        if not changed:
            outcome["unchanged"] += 1
            continue
        if replaces:
            db.session.add(FormerNumber(pupil_id=pupil.id, student_no=replaces, replaced_by=values["student_no"],
                                        replaced_at=w.run.at, import_run_id=w.run.id))
            former[replaces] = pupil
        for k, v in values.items():
            setattr(pupil, k, v)
        history.pupil_event(pupil, w.who, "imported", changed, w.run)
        outcome["updated"] += 1
    db.session.flush()
    return outcome, errors
