"""The demo district's disabled children and its pupils' 学籍 status, with the figures of the county the
demo stands for: placements by kind (送教上门 52, 随班就读 100, 特教学校 38, 外出就读 19: 209 children), and
pupils in abnormal 学籍 status falling month by month from 404 to 45 (43 other departures 其他离校 and 2
problem records 问题学籍), as the schools' monthly reports give them.

The status series is counts (no child behind them), loaded always. The placements are cases about pupils:
the default demo places a few of its own disabled pupils (one of each kind); `baoxue demo --seed-figures`
adds the 209 children of the table to the roster, each placed, so the report shows the county's table."""
import random
from datetime import date, datetime

from sqlalchemy import select

from app import clock
from app.audit import history
from app.auth.actor import Actor
from app.deadlines import calendar
from app.engine.operations import fire, open_case
from app.extensions import db
from app.models import Case, OrgUnit, Pupil, RoleAssignment, User
from app.reports import month_start, status

SEED_PLACEMENTS = {"home_teaching": 52, "regular_class": 100, "special_school": 38, "outside": 19}
# Month by month, the last this month: abnormal = other departures + problem records + the rest.
OTHER_LEFT = [230, 190, 150, 118, 90, 70, 52, 43]
PROBLEM = [120, 88, 60, 37, 20, 9, 4, 2]
ABNORMAL = [404, 322, 251, 187, 132, 90, 61, 45]
SHARES = (5, 3, 2)  # tenths of each count per school (the first school takes what rounding leaves)

PLACE = {"home_teaching": ("teach_at_home", {"teachers": "特教资源中心 送教教师", "plan": "生活语文、康复训练"}),
         "regular_class": ("place_regular_class", {"school": "本校（资源教室支持）"}),
         "special_school": ("place_special_school", {"school": "示范区特殊教育学校"}),
         "outside": ("place_outside", {"school": "州特殊教育学校"})}


def _split(n: int) -> list[int]:
    parts = [n * share // 10 for share in SHARES[1:]]
    return [n - sum(parts), *parts]


def load_status(today: date) -> None:
    """Each school's month of abnormal status counts, summing to the county's series."""
    schools = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "school").order_by(OrgUnit.code)).all()
    months = len(ABNORMAL)
    for i, (abnormal, other, problem) in enumerate(zip(ABNORMAL, OTHER_LEFT, PROBLEM)):
        month = month_start(today.year, today.month - months + 1 + i)
        parts = zip(_split(other), _split(problem), _split(abnormal - other - problem))
        for school, (o, p, rest) in zip(schools, parts):
            status.set_counts(school, history.SYSTEM, f"{month:%Y-%m}", o + p + rest, o, p)


def _officer() -> Actor:
    return Actor(db.session.scalar(select(User).join(RoleAssignment).where(RoleAssignment.role == "bureau_officer")
                                   .order_by(User.id)))


def _place(officer: Actor, pupil_id: int, kind: str, day: date) -> None:
    iso = day.isoformat()
    case_id = open_case(officer, {"student_id": pupil_id, "assessed_on": iso,
                                  "planned": kind, "note": "经残疾人教育专家委员会评估。"}, "placement")
    trigger, data = PLACE[kind]
    fire(case_id, trigger, officer, {**data, "started_on": iso}, version=1)


def load_placements(rng: random.Random, roster: list[Pupil], real_now: datetime, seed_figures: bool) -> None:
    """A few of the roster's disabled pupils placed, one of each kind; with `seed_figures` instead the 209
    children of the county's table added to the roster and placed (the registers are compared before)."""
    officer = _officer()
    day = calendar.add_working_days(calendar.local_date(real_now), -rng.randint(5, 15))
    clock.freeze(calendar.to_utc(day, datetime.min.time().replace(hour=2)))
    try:
        busy = set(db.session.scalars(select(Case.pupil_id).where(Case.closed_at.is_(None))))
        placed = set(db.session.scalars(select(Case.pupil_id).where(Case.workflow == "placement")))
        free = [p for p in roster if p.disability and p.id not in busy and p.id not in placed]
        for kind, pupil in zip(SEED_PLACEMENTS, [] if seed_figures else free):
            _place(officer, pupil.id, kind, day)
        if seed_figures:  # the county's table exactly: its children only
            for kind, n in SEED_PLACEMENTS.items():
                for pupil_id in _new_children(rng, roster, n, kind):
                    _place(officer, pupil_id, kind, day)
    finally:
        clock.reset()


def _new_children(rng, roster: list[Pupil], n: int, kind: str) -> list[int]:
    """`n` disabled children added to the roster (copied from the roster's shape, new numbers)."""
    from demo.district import student_no  # the demo's own number maker
    children = []
    for i in range(n):
        like = roster[(i * 7 + len(kind)) % len(roster)]
        birth = like.birth_date
        seq = 5000 + len(children) + 300 * list(SEED_PLACEMENTS).index(kind)
        children.append(Pupil(student_no=student_no(rng, birth, seq), name=like.name[0] + "小" + "安康乐宁"[i % 4],
                              gender=rng.choice("MF"), birth_date=birth, class_id=like.class_id,
                              guardians=like.guardians, township=like.township, village=like.village,
                              address=like.address, disability=True))
    db.session.add_all(children)
    db.session.commit()
    return [c.id for c in children]
