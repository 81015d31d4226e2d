"""A small hand-made county for the 四查三比对 tests: a 户籍 register and a 脱贫户 list over the test
district's pupils (tests/district.py), with one child of each mismatch kind and children outside the age."""
import io
from datetime import date

from app.auth import tokens
from app.district.org import add_unit, add_user
from app.extensions import db
from app.models import Pupil
from app.registers import school_year_of
from tests.district import number
from tests.payloads import district_today

HEADER = "身份证号,姓名,出生日期,乡镇,村,监护人\n"


def ident(birth: date, sequence: int, area: str = "522601") -> str:
    """A valid resident ID number (the body of a G 学籍号)."""
    return number(birth, sequence, area=area)[1:]


def year() -> int:
    return school_year_of(district_today())


def age_on_cutoff(years: int) -> date:
    """A birth date making the child `years` old on this school year's cut-off day (08-31)."""
    return date(year() - years, 3, 15)


# The test district's pupils are 学生1..8 born 2012-03-02 .. 09, numbers number(birth, n).
def pupil_id_number(n: int) -> str:
    return ident(date(2012, 3, 1 + n), n)


UNENROLLED = ident(age_on_cutoff(9), 501)         # 户籍, never enrolled: 适龄未入学
TOO_OLD = ident(age_on_cutoff(17), 502)           # 户籍, past compulsory age: nothing
TOO_YOUNG = ident(age_on_cutoff(4), 503)          # 户籍, not yet school age: nothing
POOR_UNENROLLED = ident(age_on_cutoff(10), 504)   # 脱贫户, not enrolled: 脱贫户辍学 (and 适龄未入学: not in 户籍)


def household_csv(*extra_rows: str, without=()) -> bytes:
    rows = [f"{pupil_id_number(1)},学生1,2012-03-02,河口乡,河口村,家长1",
            f"{pupil_id_number(3)},学生3,2012年3月4日,河口乡,河口村,家长3",
            f"{UNENROLLED},未入学儿童,{age_on_cutoff(9).isoformat()},河口乡,上寨村,张父",
            f"{TOO_OLD},超龄,{age_on_cutoff(17).isoformat()},河口乡,上寨村,李父",
            f"{TOO_YOUNG},幼儿,{age_on_cutoff(4).isoformat()},城关镇,东门社区,王母", *extra_rows]
    rows = [r for r in rows if r.split(",")[0] not in without]
    return (HEADER + "\n".join(rows) + "\n").encode()


def poverty_csv() -> bytes:
    return (HEADER + f"{pupil_id_number(3)},学生3,2012-03-04,河口乡,河口村,家长3\n"
            f"{POOR_UNENROLLED},脱贫户儿童,{age_on_cutoff(10).isoformat()},城关镇,西门村,赵母\n"
            f"{pupil_id_number(5)},学生5,2012-03-06,河口乡,河口村,家长5\n").encode()


def add_duplicate(app, district) -> int:
    """A second pupil under pupil 2's ID number with an L number: 学籍重复."""
    with app.app_context():
        first = db.session.get(Pupil, district.pupils[1])
        twin = Pupil(student_no="L" + first.student_no[1:], name="学生2", gender="F", birth_date=first.birth_date,
                     class_id=first.class_id, guardians=[], township="河口乡", village="河口村")
        db.session.add(twin)
        db.session.commit()
        return twin.id


def other_district(app, district) -> None:
    """A second county with its own bureau officer (bureau2)."""
    with app.app_context():
        add_unit("D2", "邻县教育局", "district", commit=False)
        user = add_user("bureau2", "bureau_officer", "D2", commit=False)
        db.session.commit()
        district.tokens["bureau2"] = tokens.issue(user)


def upload(bx, register: str, data: bytes, as_="bureau", filename="register.csv", **query):
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return bx.client.post(f"/api/v1/registers/{register}/import" + (f"?{args}" if args else ""),
                          data={"file": (io.BytesIO(data), filename)}, headers=bx.headers(as_),
                          content_type="multipart/form-data")
