"""A ledger as the official table prints it: the title; 填报单位, 填报人, 填报日期; the table (header and
one line per entry); then the signature (签字) and seal (盖章) areas. A second sheet holds the
strike-offs (销号记录) of the suspected and confirmed ledgers: when, by which step, with what evidence.

The cells go through export's helpers, so user text is never a formula and control characters are dropped."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from app.ledgers import ENTRY_KINDS
from app.reports.export import clean, display_width, put, sheet_name

HEADER_ROW = 4  # title, 填报单位 / 填报人 / 填报日期, a blank line, then the header
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

COLUMNS = {
    "school_age": [("类别", "kind_label"), ("姓名", "name"), ("学籍号/身份证号", "number"), ("出生年份", "birth_year"),
                   ("学校", "school_name"), ("班级", "class_name"), ("乡镇", "township"), ("村", "village")],
    "listed": [("姓名", "name"), ("学籍号", "student_no"), ("学校", "school_name"), ("班级", "class_name"),
               ("发现日期", "detected_on"), ("当前状态", "state_zh"), ("个案编号", "case_id")],
    "struck": [("姓名", "name"), ("学籍号", "student_no"), ("学校", "school_name"), ("班级", "class_name"),
               ("发现日期", "detected_on"), ("销号日期", "struck_on"), ("销号环节", "step_zh"), ("经办人", "by"),
               ("销号依据", "evidence_text"), ("个案编号", "case_id")],
}


def _table(ws, title: str, unit: str, who: str, day: str, columns, entries) -> int:
    """Fill one sheet; returns the number of table rows written."""
    width = len(columns)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    cell = ws.cell(row=1, column=1, value=clean(title))
    cell.font, cell.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    third = max(width // 3, 1)
    for i, (label, value) in enumerate((("填报单位", unit), ("填报人", who), ("填报日期", day))):
        put(ws.cell(row=2, column=1 + i * third), f"{label}：{value}")
    widths = [display_width(h) for h, _ in columns]
    for j, (header, _) in enumerate(columns, start=1):
        c = ws.cell(row=HEADER_ROW, column=j, value=header)
        c.font, c.border = Font(bold=True), BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, entry in enumerate(entries, start=HEADER_ROW + 1):
        for j, (_, key) in enumerate(columns, start=1):
            c = ws.cell(row=i, column=j)
            put(c, entry.get(key))
            c.border = BOX
            widths[j - 1] = max(widths[j - 1], display_width(entry.get(key)))
    end = HEADER_ROW + len(entries)
    put(ws.cell(row=end + 2, column=1), "填报人（签字）：")
    put(ws.cell(row=end + 2, column=1 + 2 * third), "负责人（签字）：")
    put(ws.cell(row=end + 4, column=1 + 2 * third), "单位（盖章）：")
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 40)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    return len(entries)


def workbook(title: str, unit: str, who: str, day: str, ledger: str, entries: list[dict],
             history: list[dict] | None = None) -> bytes:
    """The XLSX of a ledger: `entries` (the API's dicts) on the first sheet, `history` (strike-offs) on a
    second when given."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(title)
    if ledger == "school_age":
        entries = [{**e, "kind_label": ENTRY_KINDS[e["kind"]]} for e in entries]
    _table(ws, title, unit, who, day, COLUMNS["school_age" if ledger == "school_age" else "listed"], entries)
    if history is not None:
        rows = [{**h, "evidence_text": "；".join(f"{e['label']}：{e['value']}" for e in h["evidence"])}
                for h in history]
        _table(wb.create_sheet(sheet_name("销号记录")), f"{title}（销号记录）", unit, who, day, COLUMNS["struck"], rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
