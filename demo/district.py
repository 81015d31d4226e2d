"""`baoxue demo`: a small district with a plausible history, walked through the real engine.

Every case is opened and moved by the engine as the user who would do each step, with the clock
set back to when the step happened, so the audit trail, deadlines and overdue work are real.
"""
import random
from datetime import date, datetime, timedelta

import click
from sqlalchemy import select

from app import clock
from app.audit import history
from app.auth.actor import Actor
from app.auth.passwords import hash_password
from app.deadlines import actions, calendar, checkpoints
from app.district.org import add_unit, add_user
from app.engine import machine
from app.engine.operations import fire, open_case
from app.evidence import files as evidence
from app.extensions import db
from app.models import Deadline, OrgUnit, Pupil, User
from demo import attendance, placements, registers
from forms import pupil_numbers

PASSWORD = "baoxue-demo"
DISTRICT = "D01"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "子涵浩宇欣怡梓轩一诺雨桐俊杰思远佳琪明轩晓雯志强丽娟建国文博嘉怡天佑诗涵家豪雅婷宏伟静怡"
TOWNS = [("城关镇", ["东街社区", "西街社区", "南关村"]), ("河口乡", ["河口村", "柳树村", "上坪村"]),
         ("石门镇", ["石门村", "新庄村", "王家坝村"])]
SCHOOLS = [("S01", "城关第一中学", [7, 8, 9], 2), ("S02", "河口九年制学校", [7, 8, 9], 2),
           ("S03", "石门镇中心小学", [4, 5, 6], 2)]
PARTNERS = [("partner_town", "城关镇政府 刘干事"), ("partner_village", "河口村委会 张主任"),
            ("partner_civil", "区民政局 王科长")]
CLASS_SIZE_ENROLMENT = 45
# The receipt a demo transfer out of the district carries (a minimal PDF: the type is told by its bytes).
RECEIPT_PDF = b"%PDF-1.4\n% demo: a receiving school's receipt (\xe5\x9b\x9e\xe6\x89\xa7)\n%%EOF\n"

# How many demo cases end in each state, and the walk that gets them there.
PLAN = ([("detected", 5), ("reported", 5), ("visiting", 5), ("relapsed", 2), ("joint_return", 5),
         ("re_enrolled", 6), ("followed_up", 6)] +
        [("closed_false_alarm", 2), ("closed_enrolled_elsewhere", 2), ("closed_special_placement", 1),
         ("closed_exempt", 1)])


def already_loaded() -> bool:
    return db.session.execute(select(OrgUnit.id).where(OrgUnit.code == DISTRICT)).first() is not None


# Counties of 黔东南 that python-stdnum knows (凯里市 and 黄平县 … 雷山县): the demo's numbers import cleanly.
AREAS = ("522601", *(f"5226{c}" for c in range(22, 31)))


def student_no(rng: random.Random, birth: date, n: int) -> str:
    """Mostly G numbers, a few temporary (L) and no-ID (J) ones, each with a valid check digit."""
    kind = "J" if n % 40 == 13 else "L" if n % 25 == 7 else "G"
    return pupil_numbers.make(kind, rng.choice(AREAS), birth, n % 1000)


_HASH = [None]  # one argon2 hash of the demo password, computed once for every demo user


def _person(username, role, unit, display_name):
    """A demo user holding `role` at `unit`, with the demo password (hashed once for all of them)."""
    add_user(username, role, unit, display_name=display_name, commit=False, password_hash=_HASH[0])


def _org(rng):
    _HASH[0] = hash_password(PASSWORD)
    add_unit(DISTRICT, "示范区教育局", "district", commit=False)
    add_unit("DEPT", "联合劝返成员单位", "department", DISTRICT, commit=False)
    classes = []
    for code, name, grades, per_grade in SCHOOLS:
        add_unit(code, name, "school", DISTRICT, CLASS_SIZE_ENROLMENT * per_grade * len(grades), commit=False)
        _person(f"{code.lower()}_admin", "school_admin", code, f"{name} 控辍专干")
        for g in grades:
            gcode = f"{code}-G{g}"
            add_unit(gcode, f"{g}年级", "grade", code, CLASS_SIZE_ENROLMENT * per_grade, commit=False)
            _person(f"{code.lower()}_g{g}_leader", "grade_leader", gcode, f"{name}{g}年级 包年级领导")
            for c in range(1, per_grade + 1):
                ccode = f"{gcode}-C{c}"
                add_unit(ccode, f"{g}年级{c}班", "class", gcode, CLASS_SIZE_ENROLMENT, commit=False)
                _person(f"{code.lower()}_g{g}c{c}_teacher", "class_teacher", ccode,
                         f"{rng.choice(SURNAMES)}老师 ({g}年级{c}班 班主任)")
                classes.append((ccode, g))
    _person("bureau", "bureau_officer", DISTRICT, "教育局 控辍专干")
    _person("bureau_head", "bureau_head", DISTRICT, "教育局 分管局长")
    _person("supervisor", "supervisor", DISTRICT, "督导室 督学")
    _person("admin", "admin", DISTRICT, "系统管理员")
    for username, name in PARTNERS:
        _person(username, "partner", "DEPT", name)
    return classes


def _pupils(rng, classes, count, today):
    units = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    pupils = []
    for n in range(count):
        ccode, grade = classes[n % len(classes)]
        age = grade + 6
        birth = date(today.year - age - (1 if today.month < 9 else 0), rng.randint(1, 12), rng.randint(1, 28))
        town, villages = rng.choice(TOWNS)
        surname = rng.choice(SURNAMES)
        values = dict(student_no=student_no(rng, birth, n), name=surname + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
                  gender=rng.choice("MF"), birth_date=birth, class_id=units[ccode],
                  guardians=[{"name": surname + rng.choice(["建华", "秀英", "国强", "桂兰", "志明"]),
                              "phone": f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
                              "relation": rng.choice(["父亲", "母亲", "祖父", "祖母"])}],
                  township=town, village=rng.choice(villages), address=f"{town}{rng.choice(villages)}{rng.randint(1, 99)}号",
                  economic_hardship=rng.random() < 0.2, disability=rng.random() < 0.05,
                  left_behind=rng.random() < 0.25, migrant=rng.random() < 0.1)
        p = Pupil(**values)
        db.session.add(p)
        history.pupil_event(p, history.SYSTEM, "created", history.changes(None, history.pupil_snapshot(values, ccode)))
        pupils.append(p)
    db.session.flush()
    return pupils


class _Walker:
    """Moves one demo case along its path, a few working days per step, as the right person."""

    def __init__(self, rng, case_start: datetime, pupil: Pupil, real_now: datetime):
        self.rng, self.at, self.pupil, self.real_now = rng, case_start, pupil, real_now
        self.klass = pupil.klass
        school = self.klass.school()
        self.who = {"class_teacher": _user_with("class_teacher", self.klass.id),
                    "school_admin": _user_with("school_admin", school.id),
                    "bureau_officer": _actor("bureau"), "partner": _actor(rng.choice(PARTNERS)[0])}
        self.case_id, self.version = None, 1

    def _tick(self, lo=1, hi=3):
        day = calendar.add_working_days(calendar.local_date(self.at), self.rng.randint(lo, hi))
        self.at = calendar.to_utc(day, datetime.min.time().replace(hour=self.rng.randint(1, 9)))
        self.at = min(self.at, self.real_now)
        clock.freeze(self.at)

    def open(self):
        clock.freeze(self.at)
        self.case_id = open_case(self.who["class_teacher"], {
            "student_id": self.pupil.id, "detected_on": calendar.local_date(self.at).isoformat(),
            "source": self.rng.choice(["teacher", "teacher", "attendance"]),
            "note": f"{self.pupil.name}连续{self.rng.randint(3, 10)}天未到校, 电话联系家长未果。"})

    def at_checkpoint(self, clock_name: str, name: str) -> bool:
        """Move to a working day of the checkpoint's window (opening .. due day); False if that is after today."""
        clock_def = machine.get("dropout").clock(clock_name)
        point = clock_def.point_names().index(name)
        due_at = db.session.execute(select(Deadline.due_at).where(
            Deadline.case_id == self.case_id, Deadline.clock == clock_name, Deadline.point == point,
            Deadline.status == "open")).scalar_one()
        opens = max(checkpoints.window_opens(clock_def, due_at), calendar.local_date(self.at))
        day = calendar.add_working_days(opens, self.rng.randint(0, clock_def.window))
        at = calendar.to_utc(day, datetime.min.time().replace(hour=self.rng.randint(1, 9)))
        if at > self.real_now:
            return False
        self.at = max(at, self.at)
        return True

    def transfer_out(self, school: str, receipt_no: str) -> None:
        """An accepted transfer of the pupil out of the district (requested, the receiving school's receipt
        uploaded, checked by the bureau): what lets the dropout case close as enrolled elsewhere."""
        clock.freeze(self.at)
        day = calendar.local_date(self.at).isoformat()
        transfer = open_case(self.who["class_teacher"], {
            "student_id": self.pupil.id, "outside_school": school, "requested_on": day,
            "reason": "随父母外出务工迁居, 已在当地入学。"}, "transfer")
        receipt = evidence.Evidence([evidence.upload(f"{receipt_no}.pdf", RECEIPT_PDF)])
        fire(transfer, "submit_receipt", self.who["class_teacher"], {"receipt_no": receipt_no, "received_on": day},
             version=1, files=receipt)
        fire(transfer, "accept_receipt", self.who["bureau_officer"], {"note": "回执有效。"}, version=2)

    def step(self, trigger, role, data, lo=1, hi=3):
        if hi:
            self._tick(lo, hi)
        else:
            clock.freeze(self.at)
        fire(self.case_id, trigger, self.who[role], dict(data), version=self.version)
        self.version += 1


def _user_with(role, unit_id) -> Actor:
    user = db.session.execute(select(User).join(User.assignments)
                              .where(User.assignments.any(role=role, unit_id=unit_id))).unique().scalars().first()
    return Actor(user)


def _actor(username) -> Actor:
    return Actor(db.session.execute(select(User).where(User.username == username)).scalar_one())


def _walk(w: _Walker, target: str, rng) -> None:
    iso = lambda: calendar.local_date(w.at).isoformat()  # noqa: E731
    w.open()
    if target == "detected":
        return
    if target == "closed_false_alarm":
        return w.step("close_false_alarm", "bureau_officer", {
            "reason": rng.choice(["approved_leave", "illness_note"]), "evidence": "班主任核实: 家长已提交请假条及医院证明。"})
    reasons = rng.sample(["economic", "learning", "family", "psychological", "work", "migration"], rng.choice([1, 2]))
    w.step("report", "school_admin", {
        "dropout_date": iso(), "reasons": reasons,
        "reason_analysis": "家庭教育缺失, 学生厌学情绪明显; 家长外出务工, 由祖辈照看。",
        "measures_taken": "班主任电话联系家长 3 次, 上门了解情况 1 次。", "measures_effect": "学生暂未返校。",
        "next_plan": "制定一人一案, 组织家访劝返。"})
    if target != "closed_enrolled_elsewhere" and rng.random() < 0.7:
        w.step("verify", "bureau_officer", {"confirmed": True, "note": "经核查, 确认辍学。"})
    if target == "reported":
        return
    if target == "closed_enrolled_elsewhere":
        receipt_no = f"HZ-{rng.randint(1000, 9999)}"
        w.transfer_out("外省某县第二中学", receipt_no)
        return w.step("close_enrolled_elsewhere", "bureau_officer", {
            "receiving_school": "外省某县第二中学", "receipt_no": receipt_no,
            "transfer_date": iso(), "evidence": "接收学校已出具回执, 学籍已转出。"})
    w.step("start_visits", "school_admin", {
        "goals": "一个月内劝返复学。", "measures": "针对厌学: 安排结对帮扶; 针对经济困难: 申请资助。",
        "responsible": w.who["school_admin"].user.display_name, "team": ["班主任", "任课教师", "心理辅导教师"]})
    joint = target == "joint_return" or (target in ("followed_up", "re_enrolled", "relapsed") and rng.random() < 0.6)
    visits = {"visiting": 1, "relapsed": 2, "closed_special_placement": 1, "closed_exempt": 1}.get(target, 2)
    for i in range(visits):
        promised = target == "re_enrolled" and not joint and i == visits - 1
        w.step("log_visit", "class_teacher", {
            "visited_on": iso(), "visitors": ["班主任", "校长"], "met_with": "学生及祖母",
            "content": "宣传义务教育法, 了解学生思想状况。", "outcome": "promised" if promised else "failed"})
    if target == "visiting":
        return
    if target == "closed_special_placement":
        return w.step("close_special_placement", "bureau_officer", {
            "placement": rng.choice(["regular_class", "special_school", "home_teaching"]),
            "evidence": "残联出具评估意见, 家长同意安置方案。"})
    if target == "closed_exempt":
        return w.step("close_exempt", "bureau_officer", {
            "reason": "medical_deferral", "evidence": "县级医院诊断证明, 需休养一学期。"})
    if joint:
        w.step("escalate_joint", "school_admin", {"text": "多次劝返仍不返校, 提请联合劝返。"})
        partner = w.who["partner"]
        w.step("invite_partner", "bureau_officer", {"username": partner.username, "note": "请协助联合劝返。"})
        w.step("log_joint_action", "partner", {
            "acted_on": iso(), "department": rng.choice(["township", "village", "civil_affairs"]),
            "action": "与村干部一同上门, 落实低保与资助政策。", "outcome": "家长表示支持孩子返校。"})
        if target == "joint_return":
            return
    aid = "申请寄宿生生活补助与助学金。" if "economic" in reasons else ""
    w.step("re_enroll", "school_admin", {
        "return_date": iso(), "class_placed": w.klass.name, "xueji_restored": True,
        "catch_up_plan": "每周两次课后辅导, 补齐语数英。", "aid_arranged": aid, "mentor": "结对教师 李老师"})
    follow_ups = {"re_enrolled": 1, "relapsed": 1, "followed_up": 3}[target]
    logged = 0
    for checkpoint in ("two_weeks", "one_month", "three_months")[:follow_ups]:
        if not w.at_checkpoint("follow_up", checkpoint):
            break  # its window has not opened yet (today): the case waits there
        logged += 1
        w.step("log_follow_up", "class_teacher", {
            "checkpoint": checkpoint, "checked_on": iso(), "learning": "按时到校, 作业基本完成。",
            "daily_life": "生活规律。", "psychological": "情绪稳定。", "relapse_risk": False}, lo=0, hi=0)
    if target == "relapsed":
        w.step("relapse", "class_teacher", {"absent_since": iso(), "note": "再次连续缺课, 家长称孩子不愿上学。"})
        w.step("log_visit", "class_teacher", {"visited_on": iso(), "visitors": ["班主任"], "met_with": "家长",
                                              "content": "再次家访劝返。", "outcome": "failed"})
    elif target == "followed_up" and logged == follow_ups:
        w.step("complete_follow_up", "school_admin", {"summary": "三次回访均正常, 学生稳定在校, 结案。"})


def load(pupils: int = 200, cases: int = 40, seed: int = 2026, progress: bool = False,
         seed_figures: bool = False) -> None:
    rng = random.Random(seed)
    real_now = clock.now()
    today = calendar.local_date(real_now)
    classes = _org(rng)
    roster = _pupils(rng, classes, pupils, today)
    db.session.commit()
    targets = [t for t, n in PLAN for _ in range(n)]
    targets = (targets * (cases // len(targets) + 1))[:cases]
    chosen = rng.sample(roster, len(targets))
    try:
        with click.progressbar(list(zip(targets, chosen)), label="demo cases", hidden=not progress) as bar:
            for target, pupil in bar:
                # a case followed up to the end has had its three months since re-enrolment
                span = {"detected": (4, 12), "reported": (6, 20), "followed_up": (150, 210)}.get(target, (40, 150))
                start = real_now - timedelta(days=rng.randint(*span))
                _walk(_Walker(rng, start, pupil, real_now), target, rng)
    finally:
        clock.reset()
    # what the worker does in its first minute: the due actions of the work left undone (overdue notices,
    # escalations, the lists' overdue flag), so the district is as a running system would show it
    actions.sweep()
    attendance.load(rng)  # absences, an early-warning case, the risk list
    registers.load(rng, roster, today)  # after every case: the comparison sees them all
    placements.load_placements(rng, roster, real_now, seed_figures)
    placements.load_status(today)


def print_logins(echo) -> None:
    echo("\nDemo logins (password for all: %s):" % PASSWORD)
    rows = db.session.execute(select(User).order_by(User.id)).scalars().all()
    shown = set()
    for u in rows:
        roles = ", ".join(f"{a.role}@{a.unit.code}" for a in u.assignments)
        key = tuple(sorted(a.role for a in u.assignments))
        if key in shown and key[0] in ("class_teacher", "grade_leader"):
            continue  # one of each is enough to show; the pattern names the rest
        shown.add(key)
        echo(f"  {u.username:<22} {roles:<32} {u.display_name}")
    echo(f"  … {len(rows)} users in all (`baoxue users` commands manage them)")
