"""What a roster cell typed by a person means: the column a header names, and a date however a Chinese
spreadsheet writes it. Plain functions of text (the file reader hands every cell over as text)."""
import re
import unicodedata
from datetime import date, timedelta

# 2013-1-4, 2013/01/04, 2013.1.4, 2013年1月4日 (or 号), with an optional time Excel adds when a date cell
# is saved as CSV ("2013/1/4 0:00"); full-width digits are read by NFKC first.
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
                  r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")          # 20130104
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")                 # an Excel day number (a date cell shown as General)
_EXCEL_EPOCH = date(1899, 12, 30)                           # serial 1 = 1900-01-01 after Excel's 1900 leap bug

DATE_EXAMPLES = "2013-01-04、2013年1月4日、2013/1/4、2013.1.4、20130104"
DATE_EXAMPLES_EN = "2013-01-04, 2013年1月4日, 2013/1/4, 2013.1.4 or 20130104"


def roster_date(text: str) -> date:
    """The date a cell means, or ValueError. An Excel date cell arrives as ISO text already
    (app/roster/files.py); a five-digit number is the day number of a date cell formatted as a number."""
    v = unicodedata.normalize("NFKC", text or "").strip()
    if m := _YMD.match(v) or _COMPACT.match(v):
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))  # ValueError for 2013-13-01
    if m := _SERIAL.match(v):
        return _EXCEL_EPOCH + timedelta(days=int(m.group(1)))
    raise ValueError(v)


def header_key(header: str) -> str:
    """A header cell as it is matched to a column: NFKC (full-width letters and brackets), trimmed,
    without the required-mark asterisk and a trailing bracketed note a template adds ("*性别(男/女)")."""
    text = unicodedata.normalize("NFKC", header or "").strip().strip("*").strip()
    return re.sub(r"\s*[(\[][^()\[\]]*[)\]]$", "", text).strip()


def named(header: str, message: str) -> str:
    """A bilingual message ("中文 / English") naming the file's own column header in each half, unless
    the half names it already ("出生日期与学籍号中的 … 不符")."""
    if not header:
        return message
    zh, sep, en = str(message).partition(" / ")
    halves = [h if h.startswith(header) else f"{header}: {h}" for h in ([zh, en] if sep else [zh])]
    return " / ".join(halves)
