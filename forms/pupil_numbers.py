"""全国学籍号: the three kinds of number the national registry issues, read and made in one place.

- **G** + the pupil's 18-character resident ID number (公民身份号码, GB 11643);
- **L** + a temporary number built by the same rule, for a pupil whose ID is not yet known (later
  replaced by a G number);
- **J** + a number for a pupil with no usable ID: area code (6) + birth date (8) + sequence (3) + check
  digit, the check digit by the same ISO 7064 MOD 11-2 rule over the 17 digits.

So every kind is a prefix letter and 18 characters shaped like an ID number. The check digit, the
embedded date and the area code are python-stdnum's (`stdnum.cn.ric`), not arithmetic of ours. The form,
the importer, the demo and the benchmarks all read and make numbers here.
"""
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import isdigits

KINDS = ("G", "L", "J")
LENGTH = 19  # prefix + 18
SHAPE = r"^[GLJ]\d{17}[\dX]$"  # what parse() accepts at most (it checks the digit and the date too)


class InvalidNumber(ValueError):
    """Not a 学籍号; the message is "中文 / English"."""


@dataclass(frozen=True)
class PupilNumber:
    number: str        # as stored: upper case, no spaces
    kind: str          # G / L / J
    area: str          # the 6-digit area code
    birth_date: date   # the date inside the number

    @property
    def body(self) -> str:
        return self.number[1:]


def normalise(value: str | None) -> str:
    """What a number typed in a roster cell means: spaces dropped, a lower-case g/l/j or x read as upper
    case. (parse() itself takes only the stored form, as the API states it.)"""
    return "".join((value or "").split()).upper()


def parse(value: str | None) -> PupilNumber:
    """The number read, or InvalidNumber saying what is wrong with it."""
    number = value or ""
    if len(number) != LENGTH or number[0] not in KINDS:
        raise InvalidNumber("学籍号应为 G/L/J + 18 位 / must be G, L or J followed by 18 characters")
    body = number[1:]
    if not isdigits(body[:-1]) or not (body[-1].isdigit() or body[-1] == "X"):
        raise InvalidNumber("学籍号应为 G/L/J + 17 位数字 + 校验位 (数字或 X) / must be G, L or J, 17 digits "
                            "and a check character (a digit or X)")
    if body[-1] != ric.calc_check_digit(body):
        raise InvalidNumber("学籍号校验位错误 / the check digit of the 学籍号 is wrong")
    try:
        born = ric.get_birth_date(body)
    except StdnumError:
        raise InvalidNumber("学籍号中的出生日期不存在 / the birth date inside the 学籍号 is not a date") from None
    return PupilNumber(number, number[0], body[:6], born)


def id_number(value: str | None) -> tuple[str, date]:
    """A resident ID number (公民身份号码, 18 characters) as typed in a register cell: (the number as stored,
    the birth date inside it), or InvalidNumber. The same check as a G 学籍号's body."""
    number = normalise(value)
    if len(number) != LENGTH - 1 or not isdigits(number[:-1]) or not (number[-1].isdigit() or number[-1] == "X"):
        raise InvalidNumber("身份证号应为 17 位数字 + 校验位 (数字或 X) / an ID number is 17 digits and a check "
                            "character (a digit or X)")
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidNumber("身份证号校验位错误 / the check digit of the ID number is wrong")
    try:
        return number, ric.get_birth_date(number)
    except StdnumError:
        raise InvalidNumber("身份证号中的出生日期不存在 / the birth date inside the ID number is not a date") from None


def is_valid(value: str | None) -> bool:
    try:
        parse(value)
    except InvalidNumber:
        return False
    return True


def make(kind: str, area: str, birth: date, sequence: int) -> str:
    """A valid number of `kind` for a pupil born on `birth` in `area` (6 digits); `sequence` 0-999."""
    if kind not in KINDS or len(area) != 6 or not area.isdigit() or not 0 <= sequence <= 999:
        raise ValueError(f"cannot make a number of kind {kind!r} from area {area!r}, sequence {sequence}")
    body17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    # calc_check_digit reads the number with its check position present (and ignores that position).
    return kind + body17 + ric.calc_check_digit(body17 + "0")


def warnings(number: PupilNumber, birth_date: date | None) -> dict[str, str]:
    """What the registry allows but a person should look at: {field: "中文 / English"}.

    A birth date on the roster unlike the one inside the number (the registry keeps a corrected ID
    number, and a temporary or J number was built from what was declared then), and an area code
    python-stdnum does not know for the birth year (its list of areas may lag behind a new county).
    """
    out = {}
    if birth_date and birth_date != number.birth_date:
        out["birth_date"] = (f"出生日期与学籍号中的 {number.birth_date.isoformat()} 不符, 已按花名册导入 / differs "
                             f"from {number.birth_date.isoformat()} inside the 学籍号; imported as the roster says")
    if not _area_known(number.area, number.birth_date.year):
        out["student_no"] = (f"学籍号的地区代码 {number.area} 未知 / area code {number.area} of the 学籍号 "
                             "is not a known area")
    return out


@lru_cache(maxsize=4096)
def _area_known(area: str, year: int) -> bool:
    """python-stdnum knows the area code as a county in that year (a roster has few areas: cached, as a
    lookup in its list costs ~0.2 ms)."""
    try:
        ric.get_birth_place(f"{area}{year:04d}01010000")  # only the area and the year are read
    except (StdnumError, KeyError):  # KeyError: python-stdnum 2.2 on a code it knows only as a prefecture
        return False
    return True
