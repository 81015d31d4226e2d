"""A register file (户籍 school-age roster, 脱贫户 children list): its columns, and each row checked.

The file is read by the roster's reader (app/roster/files.py: CSV or XLSX, the same limits and the
same refusal of a bad file before any row), with the register's own headers and a register's larger
row limit. A row is checked by plain functions rather than a form: a county register has up to a
million rows, and a form per row would cost more than the rest of the import together.
"""
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context

from app.roster.cells import DATE_EXAMPLES, DATE_EXAMPLES_EN, named, roster_date
from app.roster.files import UNREADABLE, Columns, Limits, current_limits
from forms import pupil_numbers

ALIASES = {
    "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number", "证件号码": "id_number",
    "姓名": "name", "儿童姓名": "name", "学生姓名": "name",
    "出生日期": "birth_date", "出生年月日": "birth_date",
    "乡镇": "township", "乡镇(街道)": "township", "乡镇街道": "township", "所属乡镇": "township",
    "村": "village", "村(社区)": "village", "村社区": "village", "行政村": "village", "所属村": "village",
    "监护人": "guardian", "监护人姓名": "guardian", "户主": "guardian", "户主姓名": "guardian",
}
COLUMNS = Columns(ALIASES, ("id_number", "name", "birth_date", "township"))
FIELDS = ("id_number", "name", "birth_date", "township", "village", "guardian")
LABELS = {"id_number": "身份证号", "name": "姓名", "birth_date": "出生日期", "township": "乡镇", "village": "村",
          "guardian": "监护人"}
WIDTHS = {"name": 100, "township": 100, "village": 100, "guardian": 100}
REQUIRED = "必填, 此格为空 / required, and the cell is empty"


@dataclass(frozen=True, slots=True)
class Child:
    id_number: str
    name: str
    birth_date: date
    township: str
    village: str
    guardian: str
    line: int


def limits() -> Limits:
    """The roster's limits with a register's rows and bytes (app/config.py)."""
    base = current_limits()
    if not has_app_context():
        return base
    cfg = current_app.config
    return Limits(max_rows=int(cfg["REGISTER_IMPORT_MAX_ROWS"]), max_columns=base.max_columns,
                  max_cell=base.max_cell, max_bytes=int(cfg["REGISTER_IMPORT_MAX_BYTES"]))


def check(line: int, raw: dict) -> tuple[Child | None, dict]:
    """(the row's child, {}) or (None, {column: "中文 / English"})."""
    errors = dict(raw.pop(UNREADABLE, {}))
    value = {k: raw.get(k, "") for k in FIELDS}
    for k in COLUMNS.required:
        if not value[k] and k not in errors:
            errors[k] = REQUIRED
    number = born = None
    if value["id_number"] and "id_number" not in errors:
        try:
            number, _inside = pupil_numbers.id_number(value["id_number"])
        except pupil_numbers.InvalidNumber as e:
            errors["id_number"] = str(e)
    if value["birth_date"] and "birth_date" not in errors:
        try:
            born = roster_date(value["birth_date"])
        except ValueError:
            errors["birth_date"] = (f"“{value['birth_date']}” 不是有效日期, 可写作 {DATE_EXAMPLES} / "
                                    f"“{value['birth_date']}” is not a date: write it as {DATE_EXAMPLES_EN}")
    for k, width in WIDTHS.items():
        if len(value[k]) > width and k not in errors:
            errors[k] = f"超过 {width} 个字符 / longer than {width} characters"
    if errors:
        return None, errors
    return Child(number, value["name"], born, value["township"], value["village"], value["guardian"], line), {}


def with_headers(errors: dict, headers: dict) -> dict:
    """{column: message} naming the column as the user's file does (or its usual header when absent)."""
    return {k: named(headers.get(k) or LABELS.get(k, ""), v) for k, v in errors.items()}
