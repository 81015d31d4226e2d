"""Tables for Excel: CSV (UTF-8 with BOM) and XLSX, and the report dicts turned into tables.

A table is `columns` (Column, or a plain header string for a text column) and `rows` (lists of cell
values in column order). Column kinds: text, int, pct (a fraction: 0.0125 is 1.25 %), bool (是/否).
"""
import csv
import io
import unicodedata
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from forms.base import REASONS, N_

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text | int | pct | bool


def _columns(columns) -> list[Column]:
    return [c if isinstance(c, Column) else Column(str(c)) for c in columns]


def csv_safe(value):
    """A cell starting with = + - @ (or a tab / carriage return before one) is a formula to Excel:
    prefix it with ' so user text is never executed (CSV injection)."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return value


def _text(value, kind: str):
    """A cell as CSV text: percentages as Excel reads them back ("1.25%"), booleans as 是/否."""
    if value is None:
        return ""
    if kind == "pct":
        return f"{value * 100:.2f}%"
    if kind == "bool":
        return "是" if value else "否"
    return csv_safe(value)


def to_csv(columns, rows) -> bytes:
    """UTF-8 CSV with a BOM: Excel opens UTF-8 CSV with Chinese text correctly only with it."""
    cols = _columns(columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(c.header) for c in cols])
    for row in rows:
        writer.writerow([_text(v, c.kind) for c, v in zip(cols, row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def display_width(value) -> int:
    """Columns are sized by what they show: a CJK character is as wide as two Latin ones."""
    text = str(value) if value is not None else ""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def sheet_name(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "Sheet1"
    return name[:31]


def to_xlsx(title: str, columns, rows, *, sheet_title: str) -> bytes:
    """One sheet: the title in row 1, the bold header in row 2 (frozen with the title), then the rows.
    Numbers stay numbers; percentages are numbers formatted as %; text is never a formula."""
    cols = _columns(columns)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(sheet_title)
    ws.cell(row=1, column=1, value=clean(title)).font = Font(bold=True, size=13)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=2, column=j)
        put(cell, col.header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [display_width(c.header) for c in cols]
    for i, row in enumerate(rows, start=3):
        for j, (col, value) in enumerate(zip(cols, row), start=1):
            cell = ws.cell(row=i, column=j)
            if col.kind == "bool" and value is not None:
                value = "是" if value else "否"
            put(cell, value)
            if col.kind == "pct":
                cell.number_format = "0.00%"
                shown = "00.00%" if value is not None else ""
            elif col.kind == "int":
                cell.number_format = "0"
                shown = value
            else:
                shown = value
            widths[j - 1] = max(widths[j - 1], display_width(shown))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 40)
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def clean(value):
    # openpyxl refuses control characters that XML cannot hold; user text may carry them.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def put(cell, value) -> None:
    cell.value = clean(value)
    if isinstance(value, str) and cell.data_type == "f":  # openpyxl takes "=…" for a formula: keep it text
        cell.data_type = "s"


# --- the reports as tables ------------------------------------------------------------------------

FIGURE_COLUMNS = [
    ("enrolment", Column("在校生数", "int")),
    ("suspected", Column("本期新增疑似辍学", "int")),
    ("reported", Column("本期新上报辍学", "int")),
    ("returned", Column("本期复学", "int")),
    ("out_at_end", Column("期末仍辍学", "int")),
    ("visits", Column("本期家访次数", "int")),
    ("sy_dropouts", Column("本学年累计辍学", "int")),
    ("sy_confirmed", Column("其中确认辍学", "int")),
    ("sy_returned", Column("本学年累计复学", "int")),
    ("dropout_rate", Column("辍学率", "pct")),
    ("retention_rate", Column("巩固率", "pct")),
    ("meets_dropout_target", Column("辍学率达标", "bool")),
    ("meets_retention_target", Column("巩固率达标", "bool")),
]
REASON_COLUMNS = [Column(f"原因:{label}", "int") for _, label in REASONS]


def _figure_cells(row: dict) -> list:
    return [row[key] for key, _ in FIGURE_COLUMNS] + [row["reasons"][code] for code, _ in REASONS]


def monthly_table(report: dict) -> tuple[list[Column], list[list]]:
    """school_month() as a table: one line per grade, then the totals (合计)."""
    columns = [Column("年级")] + [c for _, c in FIGURE_COLUMNS] + REASON_COLUMNS
    rows = [[g["name"]] + _figure_cells(g) for g in report["grades"]]
    rows.append(["合计"] + _figure_cells(report["totals"]))
    return columns, rows


def district_table(summary: dict) -> tuple[list[Column], list[list]]:
    """district_summary() as a table: one line per school, then the totals (合计)."""
    columns = [Column("学校代码"), Column("学校")] + [c for _, c in FIGURE_COLUMNS] + REASON_COLUMNS
    rows = [[s["code"], s["name"]] + _figure_cells(s) for s in summary["schools"]]
    rows.append(["", "合计"] + _figure_cells(summary["totals"]))
    return columns, rows


# --- the report on screen and on paper: the tables the official forms use ---------------------------
# One 25-column table is 2,540 px wide and loses everything after 辍学率 on A4 landscape. The statistics
# forms (义务教育阶段辍学学生情况统计表 and the like) print it as separate tables over the same rows:
# the dropout counts and rate, the returns (劝返/复学) and retention, and the reasons. Each part repeats
# the row's key columns (年级, or 学校), so every part reads on its own; the XLSX keeps the whole table.
# Headers are msgids (the template translates them).
PARTS = [
    ("dropouts", N_("辍学情况"), ["在校生数", "本期新增疑似辍学", "本期新上报辍学", "本学年累计辍学", "其中确认辍学",
                              "辍学率", "辍学率达标"]),
    ("returns", N_("劝返复学情况"), ["本期家访次数", "本期复学", "期末仍辍学", "本学年累计复学", "巩固率",
                                 "巩固率达标"]),
    ("reasons", N_("辍学原因（本期新上报）"), [c.header for c in REASON_COLUMNS]),
]
KEY_HEADERS = ("年级", "学校代码", "学校")


def parts(columns: list[Column], rows: list[list]) -> list[dict]:
    """monthly_table()/district_table() split into PARTS: [{id, title, columns, rows}], each with the
    key columns first. Every column of the table is in exactly one part or is a key column."""
    index = {c.header: i for i, c in enumerate(columns)}
    keys = [index[h] for h in KEY_HEADERS if h in index]
    out = []
    for part_id, title, headers in PARTS:
        picked = keys + [index[h] for h in headers if h in index]
        out.append({"id": part_id, "title": title, "columns": [columns[i] for i in picked],
                    "rows": [[row[i] for i in picked] for row in rows]})
    return out
