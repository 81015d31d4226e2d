"""The demo district's 四查三比对: a 户籍 register and a 脱贫户 list made from the roster with a few
children the roster lacks, a pupil enrolled twice, the comparisons run, and a review of each kind
(a visit sent, a mismatch dismissed), so every page of the registers shows something."""
import random
from datetime import date

from sqlalchemy import select

from app.audit import history
from app.auth.actor import Actor
from app.extensions import db
from app.models import Mismatch, OrgUnit, Pupil, RoleAssignment, User
from app.registers import school_year_of
from app.registers.compare import compare
from app.registers.loading import import_register
from app.registers.review import dismiss, open_from
from forms import pupil_numbers

HEADER = "身份证号,姓名,出生日期,乡镇,村,监护人\n"
UNENROLLED = [("城关镇", "南关村", "杨小雨", 8), ("河口乡", "柳树村", "马一鸣", 10), ("河口乡", "上坪村", "冯晓燕", 13),
              ("石门镇", "王家坝村", "田家乐", 12), ("石门镇", "新庄村", "潘思琪", 7)]


def _line(number: str, name: str, born: date, town: str, village: str, guardian: str) -> str:
    return f"{number},{name},{born.isoformat()},{town},{village},{guardian}"


def load(rng: random.Random, roster: list[Pupil], today: date) -> None:
    district = db.session.scalar(select(OrgUnit).where(OrgUnit.kind == "district").order_by(OrgUnit.id))
    year = school_year_of(today)
    enrolled = [p for p in roster if p.student_no.startswith("G")]
    household, poverty = [], []
    for p in enrolled:
        guardian = p.guardians[0]["name"] if p.guardians else ""
        household.append(_line(p.student_no[1:], p.name, p.birth_date, p.township, p.village, guardian))
        if p.economic_hardship:
            poverty.append(household[-1])
    for n, (town, village, name, age) in enumerate(UNENROLLED):
        born = date(year - age, rng.randint(1, 8), rng.randint(1, 28))
        line = _line(pupil_numbers.make("G", "522601", born, 900 + n)[1:], name, born, town, village, name[0] + "父")
        household.append(line)
        if n % 2 == 0:  # two of them from households out of poverty
            poverty.append(line)
    twin = enrolled[3]  # enrolled twice: a temporary (L) number beside the G number
    db.session.add(Pupil(student_no="L" + twin.student_no[1:], name=twin.name, gender=twin.gender,
                         birth_date=twin.birth_date, class_id=enrolled[10].class_id, guardians=twin.guardians,
                         township=twin.township, village=twin.village))
    db.session.commit()
    for register, lines in (("household", household), ("poverty", poverty)):
        import_register((HEADER + "\n".join(lines) + "\n").encode(), f"demo-{register}.csv", district=district,
                        register=register, who=history.SYSTEM, via="cli")
    compare(district, year)
    officer = Actor(db.session.scalar(select(User).join(RoleAssignment).where(
        RoleAssignment.role == "bureau_officer").order_by(User.id)))
    found = list(db.session.scalars(select(Mismatch).order_by(Mismatch.id)))
    visit = next(m for m in found if m.kind == "not_enrolled" and m.township == "河口乡")
    open_from(visit, officer, {"visitor": "河口乡 包村干部 张明"})
    moved = next(m for m in found if m.kind == "not_enrolled" and m.township == "城关镇")
    dismiss(moved, officer, "moved_away", "户口已于 8 月迁往贵阳市, 村委会出具证明")
