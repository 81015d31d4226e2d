"""Reading a roster file (CSV or XLSX) into rows, with the work an upload can cause bounded.

Everything that can refuse a whole file is found before the first row is handed out, so a refused
file imports nothing: the encoding, the header, the number of rows, and for XLSX the zip itself
(members, declared sizes, compression ratio) and a streaming scan of its XML (rows, cells, columns,
text length, shared strings) before openpyxl parses anything. A cell that is too long or holds a
control character is that line's error (in UNREADABLE), not the file's.
"""
import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, fields
from datetime import date, datetime
from xml.parsers import expat

from flask import current_app, has_app_context

from app.roster.cells import header_key

HEADER_ALIASES = {
    "学籍号": "student_no", "姓名": "name", "性别": "gender", "出生日期": "birth_date", "班级代码": "class_code",
    "班级": "class_code", "监护人": "guardian_name", "监护人姓名": "guardian_name", "监护人电话": "guardian_phone",
    "联系电话": "guardian_phone", "住址": "address", "家庭住址": "address", "乡镇": "township", "村": "village",
    "经济困难": "economic_hardship", "残疾": "disability", "留守儿童": "left_behind", "随迁子女": "migrant",
    "孤儿": "orphan", "事实无人抚养": "unsupported", "事实无人抚养儿童": "unsupported",
    "监护人关系": "guardian_relation", "旧学籍号": "previous_student_no", "原学籍号": "previous_student_no",
    "全国学籍号": "student_no", "学生姓名": "name", "出生年月日": "birth_date", "家长姓名": "guardian_name",
    "家长电话": "guardian_phone",
}
REQUIRED_COLUMNS = ("student_no", "name", "gender", "birth_date", "class_code")
UNREADABLE = "_unreadable"   # a row's {column: reason} for cells that could not be taken as they are
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_MB = 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, no header, missing columns, over a limit)."""


@dataclass(frozen=True)
class Limits:
    """What one import may cost; each is a configuration value (README: Configuration)."""
    max_rows: int = 50_000           # data rows
    max_columns: int = 40            # columns with content
    max_cell: int = 2_000            # characters in one cell
    max_bytes: int = 50 * _MB        # a CSV file, or an XLSX's members uncompressed together
    max_members: int = 200           # files inside an XLSX (a roster has about ten)
    max_ratio: int = 200             # uncompressed / compressed for an XLSX member over 1 MB

    @property
    def max_cells(self) -> int:
        return self.max_rows * self.max_columns

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(**{f.name: int(config[f"IMPORT_{f.name.upper()}"]) for f in fields(cls)
                      if f"IMPORT_{f.name.upper()}" in config})


def current_limits() -> Limits:
    return Limits.from_config(current_app.config) if has_app_context() else Limits()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Columns:
    """What a kind of file's header may say: {header text: column}, and the columns it must have. The
    pupil roster's is the default; another import passes its own (a class register of absences,
    app/attendance; the county's registers, app/registers/files.py)."""
    aliases: dict
    required: tuple

    def name(self, key: str) -> str:
        """The header a message names for a column the file lacks: its first Chinese alias."""
        return next((h for h, k in self.aliases.items() if k == key), key)


ROSTER = Columns(HEADER_ALIASES, REQUIRED_COLUMNS)
COLUMN_NAMES = {key: ROSTER.name(key) for key in REQUIRED_COLUMNS}


class RosterRows:
    """The data rows of a file, (line, {column: text}) each, and the header each column had in the file
    ({column: "出生日期"}), so a row's message names the column as the user's file does."""

    def __init__(self, rows, headers: dict[str, str]):
        self._rows, self.headers = rows, headers

    def __iter__(self):
        return iter(self._rows)


def _header(names, columns: Columns = ROSTER) -> tuple[list[str], dict[str, str]]:
    texts = [_cell(n) for n in names]
    cols = [columns.aliases.get(header_key(t), header_key(t).lower()) for t in texts]
    missing = [c for c in columns.required if c not in cols]
    if missing:
        raise ImportFileError("缺少列: " + "、".join(columns.name(c) for c in missing) + " / missing columns: "
                              + ", ".join(f"{columns.name(c)} ({c})" for c in missing))
    headers = {}
    for col, text in zip(cols, texts):
        headers.setdefault(col, text)
    return cols, headers


def _row(cols: list[str], values, limits: Limits) -> dict:
    """{column: text} of one data row; a cell too long or with control characters becomes the row's
    error for that column (its text dropped, so nothing of it is kept in memory or stored)."""
    row, bad = {}, {}
    for col, value in zip(cols, values):
        text = _cell(value)
        if len(text) > limits.max_cell:
            bad[col] = (f"超过 {limits.max_cell:,} 个字符 ({len(text):,}) / "
                        f"longer than {limits.max_cell:,} characters ({len(text):,})")
            text = ""
        elif m := _CONTROL.search(text):
            bad[col] = f"含有控制字符 U+{ord(m.group()):04X} / contains the control character U+{ord(m.group()):04X}"
            text = ""
        row[col] = text
    if bad:
        row[UNREADABLE] = bad
    return row


def read_rows(data: bytes, filename: str, limits: Limits | None = None, columns: Columns = ROSTER):
    """(line number, {column: text}) for each data row, line 1 being the header, as RosterRows (which
    also says each column's header in the file). The file is checked whole first: an ImportFileError is
    raised here, before any row is read."""
    limits = limits or current_limits()
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data, limits, columns)
    if name.endswith(".csv"):
        return _csv_rows(data, limits, columns)
    raise ImportFileError("仅支持 .csv 或 .xlsx / only .csv and .xlsx files are accepted")


def count_rows(data: bytes, filename: str, limits: Limits | None = None) -> int:
    """Data rows in the file (for a progress bar), after the same checks as read_rows."""
    limits = limits or current_limits()
    if filename.lower().endswith(".xlsx"):
        return inspect_xlsx(data, limits).rows
    if filename.lower().endswith(".csv"):
        return _csv_checked(data, limits)[2]
    return read_rows(data, filename, limits)  # raises the error naming the accepted types


# ---- CSV ---------------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" (Unicode 文本): UTF-16 with a BOM, tab-separated
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError("文件以 UTF-16 标记开头, 但内容不是有效的 UTF-16 / the file starts with a "
                                  "UTF-16 mark but is not valid UTF-16") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e
    try:
        return data.decode("gb18030")  # Excel on Chinese Windows saves CSV in GB18030/GBK
    except UnicodeDecodeError:
        line = data[:utf8_error.start].count(b"\n") + 1
        raise ImportFileError(
            f"第 {line} 行起的字节既不是 UTF-8 也不是 GB18030 文本, 请在 Excel 中另存为 “CSV UTF-8” / "
            f"the bytes from line {line} on are neither UTF-8 nor GB18030 text: "
            "save the file from Excel as \"CSV UTF-8\"") from None


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    return "\t" if "\t" in first and "," not in first else ","


def _csv_checked(data: bytes, limits: Limits) -> tuple[str, str, int]:
    """The decoded text, its delimiter and its number of data rows, or an ImportFileError."""
    if len(data) > limits.max_bytes:
        raise ImportFileError(f"文件超过 {limits.max_bytes // _MB} MB / the file is larger than "
                              f"{limits.max_bytes // _MB} MB")
    text = _decode(data)
    delimiter = _dialect(text)
    # csv's own per-field limit (131,072) would stop the file at a long cell; cells are measured
    # against max_cell per row instead. Raising the process-wide limit is harmless: the file is bounded.
    if csv.field_size_limit() < limits.max_bytes:
        csv.field_size_limit(limits.max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = -1
    try:
        for row in reader:
            if rows == -1 or any(c.strip() for c in row):
                rows += 1
            if len(row) > limits.max_columns and any(c.strip() for c in row[limits.max_columns:]):
                raise ImportFileError(f"第 {reader.line_num} 行超过 {limits.max_columns} 列 / line "
                                      f"{reader.line_num} has more than {limits.max_columns} columns")
            if rows > limits.max_rows:
                raise ImportFileError(f"超过 {limits.max_rows:,} 行, 请拆分文件 / more than "
                                      f"{limits.max_rows:,} rows: split the file")
    except csv.Error as e:
        raise ImportFileError(f"第 {reader.line_num} 行无法读取 / line {reader.line_num} cannot be read ({e})") from None
    if rows == -1:
        raise ImportFileError("文件为空 / the file is empty")
    return text, delimiter, rows


def _csv_rows(data: bytes, limits: Limits, columns: Columns = ROSTER):
    text, delimiter, _ = _csv_checked(data, limits)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    cols, headers = _header(next(reader), columns)

    def rows():
        for row in reader:
            if any(c.strip() for c in row):
                yield reader.line_num, _row(cols, row, limits)
    return RosterRows(rows(), headers)


# ---- XLSX --------------------------------------------------------------------------------------

@dataclass
class XlsxShape:
    rows: int = 0            # data rows (after the header) of the largest sheet


def _too_big(limits: Limits) -> ImportFileError:
    return ImportFileError(f"XLSX 解压后超过 {limits.max_bytes // _MB} MB / the XLSX is larger than "
                           f"{limits.max_bytes // _MB} MB uncompressed")


def _column(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n


class _SheetScan:
    """One expat pass over a worksheet or the shared strings, holding counts only (never the text),
    fed in chunks: memory stays small whatever the file holds."""

    def __init__(self, limits: Limits, long_strings: set[int] | None = None):
        self.limits, self.long_strings = limits, long_strings
        self.rows = self.cells = self.strings = 0
        self.row_has_content = False
        self.content_rows = 0
        self.text_len = 0
        self.in_text = False
        self.cell_ref, self.cell_type, self.cell_value = "", "", []
        self.long: set[int] = set()
        p = self.parser = expat.ParserCreate()
        p.StartElementHandler, p.EndElementHandler = self.start, self.end
        p.CharacterDataHandler = self.chars
        p.StartDoctypeDeclHandler = self.doctype
        p.buffer_text = True

    def doctype(self, *_):
        raise ImportFileError("XLSX 中含有 DTD / the XLSX contains a DTD (not a spreadsheet Excel writes)")

    def start(self, tag, attrs):
        tag = tag.rpartition(":")[2]
        if tag == "row":
            self.rows += 1
            self.row_has_content = False
        elif tag == "c":
            self.cells += 1
            if self.cells > self.limits.max_cells:
                raise ImportFileError(f"单元格超过 {self.limits.max_cells:,} 个 / more than "
                                      f"{self.limits.max_cells:,} cells")
            self.cell_ref, self.cell_type, self.cell_value = attrs.get("r", ""), attrs.get("t", ""), []
            self.text_len = 0
        elif tag == "si":
            self.strings += 1
            if self.strings > self.limits.max_cells:
                raise ImportFileError(f"共享字符串超过 {self.limits.max_cells:,} 个 / more than "
                                      f"{self.limits.max_cells:,} shared strings")
            self.text_len = 0
        elif tag in ("t", "v"):
            self.in_text = True

    def chars(self, text):
        if self.in_text:
            self.text_len += len(text)
            if self.long_strings is not None and self.cell_type == "s" and len(self.cell_value) < 12:
                self.cell_value.append(text)

    def end(self, tag):
        tag = tag.rpartition(":")[2]
        if tag in ("t", "v"):
            self.in_text = False
        elif tag == "si" and self.text_len > self.limits.max_cell:
            self.long.add(self.strings - 1)
        elif tag == "c" and (self.text_len or self.cell_value):
            too_long = self.text_len > self.limits.max_cell or (
                self.cell_type == "s" and self.long_strings and "".join(self.cell_value).strip().isdigit()
                and int("".join(self.cell_value)) in self.long_strings)
            if too_long:
                raise ImportFileError(f"单元格 {self.cell_ref} 超过 {self.limits.max_cell:,} 个字符 / cell "
                                      f"{self.cell_ref} is longer than {self.limits.max_cell:,} characters")
            if _column(self.cell_ref) > self.limits.max_columns:
                raise ImportFileError(f"单元格 {self.cell_ref} 超过 {self.limits.max_columns} 列 / cell "
                                      f"{self.cell_ref} lies beyond {self.limits.max_columns} columns")
            if not self.row_has_content:
                self.row_has_content = True
                self.content_rows += 1
                if self.content_rows > self.limits.max_rows + 1:
                    raise ImportFileError(f"超过 {self.limits.max_rows:,} 行, 请拆分文件 / more than "
                                          f"{self.limits.max_rows:,} rows: split the file")

    def feed(self, member) -> None:
        try:
            while chunk := member.read(64 * 1024):
                self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except expat.ExpatError as e:
            raise ImportFileError(f"XLSX 中的 XML 无法读取 / the XLSX holds unreadable XML ({e})") from None


def inspect_xlsx(data: bytes, limits: Limits) -> XlsxShape:
    """Refuse a workbook whose reading would cost more than the limits allow, from its zip directory
    (sizes as declared: zipfile stops at the declared size and checks the CRC) and one streaming
    scan of its XML."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise ImportFileError(f"无法读取 XLSX / not a readable XLSX file ({type(e).__name__})") from None
    if len(members) > limits.max_members:
        raise ImportFileError(f"XLSX 内含超过 {limits.max_members} 个文件 / the XLSX holds more than "
                              f"{limits.max_members} files")
    if sum(m.file_size for m in members) > limits.max_bytes:
        raise _too_big(limits)
    for m in members:
        if m.file_size > _MB and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise ImportFileError(f"XLSX 中的 {m.filename} 压缩比超过 {limits.max_ratio}:1 / {m.filename} in the "
                                  f"XLSX is compressed more than {limits.max_ratio}:1")
    names = {m.filename for m in members}
    shape = XlsxShape()
    try:
        long_strings: set[int] = set()
        if "xl/sharedStrings.xml" in names:
            scan = _SheetScan(limits)
            with archive.open("xl/sharedStrings.xml") as f:
                scan.feed(f)
            long_strings = scan.long
        for m in members:
            if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
                scan = _SheetScan(limits, long_strings)
                with archive.open(m) as f:
                    scan.feed(f)
                shape.rows = max(shape.rows, scan.content_rows - 1)
            elif m.filename.endswith((".xml", ".rels")) and m.filename != "xl/sharedStrings.xml":
                with archive.open(m) as f:  # only to refuse a DTD (entity expansion) anywhere
                    _DoctypeOnly(limits).feed(f)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as e:  # bad CRC, truncated, unknown method
        raise ImportFileError(f"无法读取 XLSX / not a readable XLSX file ({type(e).__name__})") from None
    return shape


class _DoctypeOnly(_SheetScan):
    def start(self, tag, attrs):
        pass

    def end(self, tag):
        pass

    def chars(self, text):
        pass


def _xlsx_rows(data: bytes, limits: Limits, columns: Columns = ROSTER):
    inspect_xlsx(data, limits)
    from openpyxl import load_workbook  # late: importing openpyxl takes ~0.3 s (measured), only an XLSX needs it
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Bounded even if the scan above missed something: openpyxl pads missing rows and columns
        # up to these, never up to what the sheet's <dimension> claims.
        rows = wb.active.iter_rows(max_row=limits.max_rows + 1, max_col=limits.max_columns, values_only=True)
        header = next(rows)
    except StopIteration:
        raise ImportFileError("文件为空 / the file is empty") from None
    except ImportFileError:
        raise
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError(f"无法读取 XLSX / not a readable XLSX file ({type(e).__name__})") from None
    cols, headers = _header(header, columns)

    def data_rows():
        for i, row in enumerate(rows, start=2):
            # row.count(None) first: openpyxl pads missing rows with all-None tuples, up to max_row
            if row.count(None) != len(row) and any(_cell(c) for c in row):
                yield i, _row(cols, row, limits)
    return RosterRows(data_rows(), headers)
