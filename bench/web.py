"""Web pages at district scale on PostgreSQL (a benchmark, not a timed test).

1. Generates a district: ~30 schools (grades 7-9, 8 classes each), 100,000 pupils, the staff of every
   unit, and 20,000 cases over the last 14 months in a realistic mix of states. Every case is walked
   step by step as the engine would (the workflow's own forms, guards, effects and clocks; reminders,
   overdue and escalations fired by the deadline ladder as the worker would), so its audit chain is
   valid (app.audit.chain.prepare), its deadlines, assignees, partners and notifications are what real steps
   write, and last_seq/last_hash/version agree. Rows go in with COPY.
2. Measures, in-process with the Flask test client, logged in through the login form as real users:
   the case list with filters (bureau officer: district; school admin), the case page, the timeline
   and the dashboard; p50/p95 per page and role, and SQL statements per page.

    python bench/web.py [--pupils 100000] [--cases 20000] [--requests 200] [--rounds 1]
                        [--reuse] [--revision head] [--explain] [--seed 2026]

BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/bench_web) is dropped and
re-created from the migrations (unless --reuse: keep its data, apply new migrations, re-measure).
REDIS_URL (default redis://127.0.0.1:6379/9) serves the login rate limiter.
Targets: p95 <= 150 ms for the list, the case page and the timeline; <= 300 ms for the dashboard.
"""
import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from datetime import time as dtime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_web")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")

import engine_vs_sql as base  # noqa: E402  (fresh_database(): drop and re-create BENCH_DATABASE_URL)
from demo.district import GIVEN, SURNAMES  # noqa: E402  (the demo's names)
from forms.pupil_numbers import make as student_no  # noqa: E402  (valid 学籍号, as the demo makes them)

URL = base.URL
REDIS = os.environ["REDIS_URL"]
PASSWORD = "bench-web-password"
TARGETS = {"list": 150, "case": 150, "timeline": 150, "dashboard": 300}

TOWNS = ["城关镇", "河口乡", "石门镇", "龙泉镇", "白沙乡", "青山镇", "新华乡", "柳河镇", "金坪乡", "大田镇"]
VILLAGES = ["东村", "西村", "南关村", "柳树村", "上坪村", "新庄村", "王家坝村", "河湾村", "石桥村", "高岭村"]
PARTNERS = [("partner_town", "乡镇政府 刘干事"), ("partner_village", "村委会 张主任"),
            ("partner_civil", "区民政局 王科长")]
REASON_WEIGHTS = [("learning", 35), ("family", 20), ("economic", 15), ("psychological", 10), ("work", 8),
                  ("migration", 5), ("social", 3), ("illness_disability", 2), ("early_marriage", 1), ("other", 1)]
# The end state of the generated cases (share of all cases) and how long ago such a case was detected.
MIX = [("followed_up", 34, (150, 425)), ("closed_false_alarm", 12, (2, 425)),
       ("closed_enrolled_elsewhere", 9, (5, 425)), ("closed_special_placement", 3, (20, 425)),
       ("closed_exempt", 3, (20, 425)), ("detected", 6, (0, 15)), ("reported", 6, (3, 40)),
       ("visiting", 11, (10, 70)), ("joint_return", 6, (40, 120)), ("re_enrolled", 10, (40, 150))]


# --- the district ---------------------------------------------------------------------------------------

class Ids:
    """Explicit primary keys (rows go in by COPY; the sequences are moved past them at the end)."""

    def __init__(self):
        self.n = defaultdict(int)

    def __call__(self, table):
        self.n[table] += 1
        return self.n[table]


def _weighted(rng, pairs):
    return rng.choices([p for p, _ in pairs], [w for _, w in pairs])[0]


class District:
    def __init__(self, rng, schools=30, grades=(7, 8, 9), classes_per_grade=8):
        self.rng, self.ids = rng, Ids()
        self.units, self.users, self.roles = [], [], []
        self.classes = []  # (class id, path, school index, grade)
        self.by_role = {}  # ("school_admin", school id) -> user id, ...
        self.user_name = {}
        self.district = self._unit("D01", "示范区教育局", "district", None)
        self.dept = self._unit("DEPT", "联合劝返成员单位", "department", self.district)
        self.schools = []
        for s in range(1, schools + 1):
            town = TOWNS[(s - 1) % len(TOWNS)]
            school = self._unit(f"S{s:02d}", f"{town}第{(s - 1) // len(TOWNS) + 1}中学", "school", self.district)
            school.index = s
            self.schools.append(school)
            self._user(f"s{s:02d}_admin", "school_admin", school, f"{school.name} 控辍专干")
            for g in grades:
                grade = self._unit(f"S{s:02d}-G{g}", f"{g}年级", "grade", school)
                self._user(f"s{s:02d}_g{g}_leader", "grade_leader", grade, f"{school.name}{g}年级 包年级领导")
                for c in range(1, classes_per_grade + 1):
                    klass = self._unit(f"S{s:02d}-G{g}-C{c}", f"{g}年级{c}班", "class", grade)
                    self._user(f"s{s:02d}_g{g}c{c}_teacher", "class_teacher", klass,
                               f"{rng.choice(SURNAMES)}老师 ({g}年级{c}班 班主任)")
                    self.classes.append(SimpleNamespace(id=klass.id, path=klass.path, school=school, grade=grade,
                                                        g=g, name=klass.name, pupils=[]))
        for username, role, name in (("bureau", "bureau_officer", "教育局 控辍专干"),
                                     ("bureau_head", "bureau_head", "教育局 分管局长"),
                                     ("supervisor", "supervisor", "督导室 督学"), ("admin", "admin", "系统管理员")):
            self._user(username, role, self.district, name)
        for username, name in PARTNERS:
            self._user(username, "partner", self.dept, name)

    def _unit(self, code, name, kind, parent):
        uid = self.ids("org_units")
        unit = SimpleNamespace(id=uid, code=code, name=name, kind=kind, parent=parent,
                               path=(parent.path if parent else "/") + f"{uid}/", enrolment=0)
        self.units.append(unit)
        return unit

    def _user(self, username, role, unit, display):
        uid = self.ids("users")
        self.users.append((uid, username, display))
        self.roles.append((self.ids("role_assignments"), uid, role, unit.id))
        self.by_role[(role, unit.id)] = uid
        self.user_name[uid] = username
        return uid

    def holders(self, roles, klass):
        """Users holding one of `roles` over a class (its teacher, grade leader, school admin, bureau)."""
        out = []
        for role in roles:
            for unit in (klass.id, klass.grade.id, klass.school.id, self.district.id):
                if (role, unit) in self.by_role:
                    out.append(self.by_role[(role, unit)])
        return sorted(set(out))

    def pupils(self, n, today):
        rng, rows, seq = self.rng, [], defaultdict(int)
        surnames = [(s, 1 / (i + 4)) for i, s in enumerate(SURNAMES)]
        for i in range(n):
            klass = self.classes[i % len(self.classes)]
            pid = self.ids("pupils")
            age = klass.g + 6 + (0 if today.month >= 9 else 1)
            birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.08:  # some a year older (late start, repeated a year)
                birth = birth.replace(year=birth.year - 1)
            county = f"{klass.school.index:02d}"
            key = (county, birth)
            seq[key] += 1
            surname = _weighted(rng, surnames)
            name = surname + "".join(rng.sample(GIVEN, rng.choice([1, 2, 2])))
            town = TOWNS[(klass.school.index - 1) % len(TOWNS)]
            village = rng.choice(VILLAGES)
            guardians = [{"name": surname + rng.choice(["建华", "秀英", "国强", "桂兰", "志明"]),
                          "phone": f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
                          "relation": rng.choice(["父亲", "母亲", "祖父", "祖母"])}]
            rows.append((pid, student_no("G", f"5226{county}", birth, seq[key]), name, rng.choice("MF"), birth, klass.id,
                         json.dumps(guardians, ensure_ascii=False), f"{town}{village}{rng.randint(1, 99)}号", town,
                         village, rng.random() < 0.2, rng.random() < 0.05, rng.random() < 0.25,
                         rng.random() < 0.1))
            klass.pupils.append((pid, name))
        for klass in self.classes:
            for unit in (self.units[klass.id - 1], klass.grade, klass.school):
                unit.enrolment += len(klass.pupils)
        return rows


# --- one case, walked as the engine would walk it ---------------------------------------------------------

class StopWalk(Exception):
    """The next step would be in the future: the case stays where it is."""


class Gen:
    """Shared state of the case generator: the definition, the district, the rows to COPY."""

    def __init__(self, app, district, rng, real_now):
        from app.engine import machine
        self.app, self.d, self.rng, self.real_now = app, district, rng, real_now
        self.defn = machine.get("dropout")
        self.ids = district.ids
        self.cases, self.events, self.deadlines = [], [], []
        self.assignees, self.partners, self.notifications = [], [], []
        self._valid = {}
        self.partner_ids = [uid for uid, name, _ in district.users if name.startswith("partner_")]

    def validated(self, form, payload):
        """The form's cleaned data (the engine's validate_payload), cached per distinct payload."""
        from app.engine.validation import validate_payload
        key = (form, json.dumps(payload, sort_keys=True, ensure_ascii=False))
        if key not in self._valid:
            self._valid[key] = validate_payload(form, payload)
        return json.loads(json.dumps(self._valid[key]))


class Walk:
    def __init__(self, gen: Gen, case_id, pupil_id, pupil_name, klass, start):
        self.g, self.rng, self.defn = gen, gen.rng, gen.defn
        self.case_id, self.pupil_id, self.pupil_name, self.klass = case_id, pupil_id, pupil_name, klass
        self.at = start
        self.state, self.version, self.head = "detected", 0, (0, "")
        self.vars, self.reasons, self.confirmed, self.level = {}, [], False, 0
        self.open_rows, self.assigned = [], []  # assigned: (user id, role)
        self.closed_at, self.updated_at = None, start
        d = gen.d
        self.who = {"class_teacher": d.by_role[("class_teacher", klass.id)],
                    "grade_leader": d.by_role[("grade_leader", klass.grade.id)],
                    "school_admin": d.by_role[("school_admin", klass.school.id)],
                    "bureau_officer": d.by_role[("bureau_officer", d.district.id)],
                    "partner": self.rng.choice(gen.partner_ids)}

    # time
    def iso(self):
        from app.deadlines import calendar
        return calendar.local_date(self.at).isoformat()

    def later(self, lo, hi):
        """A working-hours moment `lo`..`hi` working days after the last step."""
        from app.deadlines import calendar
        day = calendar.add_working_days(calendar.local_date(self.at), self.rng.randint(lo, hi))
        at = calendar.to_utc(day, dtime(self.rng.randint(8, 17), self.rng.randint(0, 59), self.rng.randint(0, 59),
                                        self.rng.randint(0, 999999)))
        if at >= self.g.real_now:
            raise StopWalk
        return max(at, self.at + timedelta(seconds=1))

    # rows
    def _event(self, at, actor_id, actor, role, action, frm, to, data, occurred_on=None):
        from app.audit import chain as audit
        event = audit.prepare(self.case_id, self.head, actor_id=actor_id, actor=actor, role=role, action=action,
                              from_state=frm, to_state=to, data=data, at=at, occurred_on=occurred_on)
        event["id"] = self.g.ids("case_events")
        self.g.events.append(event)
        self.head = (event["seq"], event["hash"])

    def _add_rows(self, rows):
        out = []
        for r in rows:
            row = SimpleNamespace(id=self.g.ids("deadlines"), **r)
            self.g.deadlines.append(row)
            self.open_rows.append(row)
            out.append(row)
        return out

    def timers(self, until):
        """Fire every deadline action due before `until`, in time order, as the worker would."""
        from app.deadlines import actions
        while True:
            due = [r for r in self.open_rows if r.next_action and r.next_action_at < until]
            if not due:
                return
            row = min(due, key=lambda r: r.next_action_at)
            at = row.next_action_at + timedelta(microseconds=self.rng.randint(20_000, 2_000_000))
            if at >= until:
                at = row.next_action_at
            action = row.next_action
            clock_def = self.defn.clock(row.clock)
            level, row.next_action, row.next_action_at = actions.following(clock_def, row.level, action, row.due_at)
            row.level = level
            if action == "remind":
                roles = list(clock_def.remind)
                users = sorted({u for u, r in self.assigned if r in roles}) or self.g.d.holders(roles, self.klass)
            else:
                notify = clock_def.ladder[level - 1]["notify"]
                roles = [notify] if isinstance(notify, str) else list(notify)
                users = self.g.d.holders(roles, self.klass)
            kind = actions.KIND[action]
            self._event(at, None, "system", "system", kind, self.state, self.state,
                        {"deadline": {"clock": row.clock, "point": row.point, "due_at": row.due_at.isoformat() + "Z"},
                         "level": level, "notified_roles": roles, "notified_users": users})
            self.level = max(self.level, level)
            title = actions._title(kind, level, SimpleNamespace(id=self.case_id, workflow="dropout"), row)
            old = (self.g.real_now - at).days > 10
            for uid in users:
                self.g.notifications.append((self.g.ids("notifications"), uid, self.case_id, row.id, kind, level,
                                             title, "", at, at + timedelta(hours=self.rng.randint(1, 72))
                                             if old and self.rng.random() < 0.9 else None, None, 0))

    def open(self):
        from app.deadlines import calendar, clocks
        from app.engine import dates
        at = self.at
        detected_on = calendar.local_date(at)
        source = self.rng.choice(["teacher", "teacher", "teacher", "attendance", "registry", "report"])
        opener = "school_admin" if source in ("registry", "report") else "class_teacher"
        payload = {"student_id": self.pupil_id, "detected_on": detected_on.isoformat(), "source": source,
                   "note": f"{self.pupil_name}连续{self.rng.randint(3, 10)}天未到校, 电话联系家长未果。"}
        data = self.g.validated(self.defn.open_form, payload)
        opened = self._add_rows(clocks.new_rows(self.defn, self.case_id, "detected", at, start=detected_on))
        uid = self.who[opener]
        self._event(at, uid, self.g.d.user_name[uid], opener, "open", None, "detected",
                    {"form": data, "deadlines": {"opened": clocks.describe(opened)}},
                    dates.occurred_on(self.defn.open_occurred_on, data, at))
        self.g.assignees.append((self.g.ids("case_assignees"), self.case_id, uid, opener))
        self.assigned.append((uid, opener))
        self.version, self.source, self.detected_on, self.opened_at = 1, source, detected_on, at

    def step(self, trigger, role, payload, lo=1, hi=3):
        from app.deadlines import clocks
        from app.engine import dates
        from app.engine.context import StepContext
        at = self.later(lo, hi)
        self.timers(at)
        self.at = at
        t = self.defn.triggers[trigger]
        assert self.state in t.sources and self.closed_at is None, (self.case_id, self.state, trigger)
        assert role in t.roles, (trigger, role)
        data = self.g.validated(t.form, payload)
        uid = self.who[role]
        case = SimpleNamespace(id=self.case_id, vars=self.vars, fields={"reasons": self.reasons,
                               "confirmed": self.confirmed}, unit_path=self.klass.path)
        ctx = StepContext(case, data, SimpleNamespace(id=uid), at, self.defn)
        for guard in t.guards:
            assert not guard(ctx), (self.case_id, trigger, guard(ctx))
        for effect in t.effects:
            if effect.__name__ == "assign":
                user = self.who[data["role"]]
                if (user, data["role"]) not in self.assigned:
                    self.assigned.append((user, data["role"]))
                    self.g.assignees.append((self.g.ids("case_assignees"), self.case_id, user, data["role"]))
                ctx.notes["assigned"] = {"username": data["username"], "role": data["role"]}
            elif effect.__name__ == "invite":
                self.g.partners.append((self.g.ids("case_partners"), self.case_id, self.who["partner"],
                                        self.who["bureau_officer"], at))
                ctx.notes["invited"] = data["username"]
            else:
                effect(ctx)
        new_state = t.dest or self.state
        if new_state != self.state:
            for name in self.defn.states[new_state].reset_vars:
                ctx.vars.pop(name, None)
        occurred = dates.occurred_on(t.occurred_on, data, at)
        dates.record(ctx.vars, t.records, data, self.defn.states[new_state].stamps if new_state != self.state
                     else None, occurred)
        points = {c.name: c.point_names().index(data[c.checkpoint_field]) for c in self.defn.clocks
                  if c.checkpoint_field and trigger in c.met_by}
        met, cancelled = clocks.settle(self.defn, self.open_rows, trigger, new_state, points)
        opened = clocks.new_rows(self.defn, self.case_id, new_state, at, case_dates=ctx.vars.get(dates.DATES_VAR)) \
            if new_state != self.state else []
        summary = clocks.summary(met, cancelled, opened)
        for status, rows in (("met", met), ("cancelled", cancelled)):
            for r in rows:
                r.status, r.closed_at, r.closed_by, r.next_action, r.next_action_at = status, at, trigger, None, None
                self.open_rows.remove(r)
        self._add_rows(opened)
        self._event(at, uid, self.g.d.user_name[uid], role, trigger, self.state, new_state,
                    {"form": data, "deadlines": summary, **ctx.notes}, occurred)
        self.vars = ctx.vars
        self.reasons = ctx.sets.get("reasons", self.reasons)
        self.confirmed = ctx.sets.get("confirmed", self.confirmed)
        if new_state != self.state and self.defn.states[new_state].final:
            self.closed_at = at
        self.state, self.version, self.updated_at = new_state, self.version + 1, at

    def row(self):
        fields = {"reasons": self.reasons, "confirmed": self.confirmed}
        return (self.case_id, "dropout", f"pupil:{self.pupil_id}", self.pupil_id, self.state, self.version,
                self.klass.path, self.klass.school.id, json.dumps(fields, ensure_ascii=False),
                json.dumps(self.vars, ensure_ascii=False), self.level, self.detected_on, self.source, self.opened_at,
                self.updated_at, self.closed_at, self.head[0], self.head[1])


def walk(w: Walk, target: str) -> None:
    """The path to `target` (cf. demo/district.py), a few working days per step, sometimes late."""
    rng = w.rng
    late = lambda lo, hi, p=0.12: (lo + 2, hi + 4) if rng.random() < p else (lo, hi)  # noqa: E731
    w.open()
    try:
        if rng.random() < 0.15:
            w.step("add_note", "class_teacher", {"text": "家长电话已更换, 已更新联系方式。"}, 0, 1)
        if target == "detected":
            return
        if target == "closed_false_alarm":
            return w.step("close_false_alarm", "bureau_officer", {
                "reason": rng.choice(["approved_leave", "illness_note", "other"]),
                "evidence": "班主任核实: 家长已提交请假条及医院证明。"}, *late(1, 3))
        reasons = sorted({_weighted(rng, REASON_WEIGHTS) for _ in range(rng.choice([1, 1, 2, 2, 3]))})
        w.step("report", "school_admin", {
            "dropout_date": w.iso(), "reasons": reasons,
            "reason_analysis": "家庭教育缺失, 学生厌学情绪明显; 家长外出务工, 由祖辈照看。",
            "measures_taken": "班主任电话联系家长 3 次, 上门了解情况 1 次。", "measures_effect": "学生暂未返校。",
            "next_plan": "制定一人一案, 组织家访劝返。"}, *late(1, 3))
        if rng.random() < 0.25:
            w.step("assign", "school_admin", {"username": w.g.d.user_name[w.who["grade_leader"]],
                                              "role": "grade_leader"}, 0, 1)
        verify = rng.random() < (0.6 if target == "reported" else 0.9)
        if target != "closed_enrolled_elsewhere" and verify:
            w.step("verify", "bureau_officer", {"confirmed": True, "note": "经核查, 确认辍学。"}, *late(1, 4))
        if target == "reported":
            return
        if target == "closed_enrolled_elsewhere":
            return w.step("close_enrolled_elsewhere", "bureau_officer", {
                "receiving_school": "外省某县第二中学", "receipt_no": f"HZ-{rng.randint(1000, 9999)}",
                "transfer_date": w.iso(), "evidence": "接收学校已出具回执, 学籍已转出。"}, 2, 10)
        relapse = target == "visiting" and rng.random() < 0.1
        _visits(w, target, reasons, relapse)
    except StopWalk:
        pass


def _plan(w):
    w.step("start_visits", "school_admin", {
        "goals": "一个月内劝返复学。", "measures": "针对厌学: 安排结对帮扶; 针对经济困难: 申请资助。",
        "responsible": w.g.d.user_name[w.who["school_admin"]], "team": ["班主任", "任课教师", "心理辅导教师"]}, 1, 3)


def _visit(w, outcome="failed", lo=1, hi=4):
    w.step("log_visit", "class_teacher", {
        "visited_on": w.iso(), "visitors": ["班主任", "校长"], "met_with": w.rng.choice(["学生及祖母", "家长", "学生本人"]),
        "content": "宣传义务教育法, 了解学生思想状况。", "outcome": outcome}, lo, hi)


def _visits(w, target, reasons, relapse):
    rng = w.rng
    _plan(w)
    if target == "visiting" and not relapse:
        for _ in range(rng.choice([0, 1, 1, 2])):
            _visit(w)
        return
    if target in ("closed_special_placement", "closed_exempt"):
        _visit(w)
        if target == "closed_special_placement":
            return w.step("close_special_placement", "bureau_officer", {
                "placement": rng.choice(["regular_class", "special_school", "home_teaching"]),
                "placed_on": w.iso(), "evidence": "残联出具评估意见, 家长同意安置方案。"}, 2, 8)
        return w.step("close_exempt", "bureau_officer", {
            "reason": rng.choice(["medical_deferral", "emigrated", "deceased"]),
            "evidence": "县级医院诊断证明, 需休养一学期。"}, 2, 8)
    joint = target == "joint_return" or rng.random() < 0.4
    visits = 2 if joint else rng.choice([1, 2, 3])
    for i in range(visits):
        _visit(w, "promised" if not joint and i == visits - 1 else "failed", *((1, 4) if i == 0 else (2, 6)))
    if joint:
        w.step("escalate_joint", "school_admin", {"text": "多次劝返仍不返校, 提请联合劝返。"}, 1, 3)
        w.step("invite_partner", "bureau_officer", {"username": w.g.d.user_name[w.who["partner"]],
                                                    "note": "请协助联合劝返。"}, 1, 2)
        for _ in range(rng.choice([0, 1, 1, 2]) if target == "joint_return" else rng.choice([1, 2])):
            w.step("log_joint_action", "partner", {
                "acted_on": w.iso(), "department": rng.choice(["township", "village", "civil_affairs"]),
                "action": "与村干部一同上门, 落实低保与资助政策。", "outcome": "家长表示支持孩子返校。"}, 3, 12)
        if target == "joint_return":
            return
    w.step("re_enroll", "school_admin", {
        "return_date": w.iso(), "class_placed": w.klass.name, "xueji_restored": True,
        "catch_up_plan": "每周两次课后辅导, 补齐语数英。",
        "aid_arranged": "申请寄宿生生活补助与助学金。" if "economic" in reasons else "", "mentor": "结对教师 李老师"}, 2, 10)
    # follow-ups roughly at their due points (10 working days, 1 month, 3 months), some late
    n = {"re_enrolled": rng.choice([0, 1, 1, 2]), "followed_up": 3}.get(target, 1)
    # (each in its checkpoint's window: from 3 working days before its due day)
    for checkpoint, lo, hi in [("two_weeks", 7, 10), ("one_month", 11, 13), ("three_months", 41, 44)][:n]:
        w.step("log_follow_up", "class_teacher", {
            "checkpoint": checkpoint, "checked_on": w.iso(), "learning": "按时到校, 作业基本完成。", "daily_life": "生活规律。",
            "psychological": "情绪稳定。", "relapse_risk": False}, *(lo, hi + (8 if rng.random() < 0.15 else 0)))
    if relapse:
        w.step("relapse", "class_teacher", {"absent_since": w.iso(), "note": "再次连续缺课, 家长称孩子不愿上学。"}, 5, 20)
        for _ in range(rng.choice([0, 1])):
            _visit(w)
    elif target == "followed_up":
        w.step("complete_follow_up", rng.choice(["school_admin", "class_teacher"]),
               {"summary": "三次回访均正常, 学生稳定在校, 结案。"}, 1, 5)


# --- generation -----------------------------------------------------------------------------------------

def _copy(conn, table, columns, rows):
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def walk_cases(app, d, pupil_rows, n_cases, rng, real_now) -> Gen:
    """n_cases cases over distinct pupils of `pupil_rows`, walked to end states in the MIX; their rows
    are in the returned Gen (case ids grow with the detection time)."""
    gen = Gen(app, d, rng, real_now)
    targets = [name for name, share, _ in MIX for _ in range(round(n_cases * share / 100))]
    targets = (targets + [MIX[0][0]] * n_cases)[:n_cases]
    rng.shuffle(targets)
    span = {name: days for name, _, days in MIX}
    starts = []
    for target in targets:
        lo, hi = span[target]
        if target == "detected" and rng.random() < 0.05:
            lo, hi = 25, 90  # a few neglected ones, long overdue
        ago = timedelta(days=rng.uniform(lo, hi))
        starts.append(real_now - ago)
    order = sorted(range(n_cases), key=lambda i: starts[i])  # case ids grow with time, as in real life
    chosen = rng.sample(range(len(pupil_rows)), n_cases)  # one case per pupil
    with app.app_context():
        for case_id, i in enumerate(order, start=1):
            pid, name = pupil_rows[chosen[i]][0], pupil_rows[chosen[i]][2]
            klass = d.classes[(pid - 1) % len(d.classes)]
            w = Walk(gen, case_id, pid, name, klass, starts[i])
            walk(w, targets[i])
            w.timers(real_now)  # what the worker has done since the last step
            gen.cases.append(w.row())
    return gen


def generate(app, n_pupils, n_cases, seed):
    import psycopg

    from app import clock
    rng = random.Random(seed)
    real_now = clock.now()
    today = real_now.date()
    timings = {}
    t0 = time.perf_counter()
    d = District(rng)
    pupil_rows = d.pupils(n_pupils, today)
    timings["district+pupils (python)"] = time.perf_counter() - t0

    t = time.perf_counter()
    gen = walk_cases(app, d, pupil_rows, n_cases, rng, real_now)
    timings["cases walked (python)"] = time.perf_counter() - t

    t = time.perf_counter()
    dsn = URL.replace("+psycopg", "")
    with psycopg.connect(dsn) as conn:
        _copy(conn, "org_units", ["id", "code", "name", "kind", "parent_id", "path", "enrolment"],
              [(u.id, u.code, u.name, u.kind, u.parent.id if u.parent else None, u.path, u.enrolment)
               for u in d.units])
        _copy(conn, "users", ["id", "username", "display_name", "password_hash", "active", "locale"],
              [(uid, name, display, "", True, "zh") for uid, name, display in d.users])
        _copy(conn, "role_assignments", ["id", "user_id", "role", "unit_id"], d.roles)
        _copy(conn, "pupils", ["id", "student_no", "name", "gender", "birth_date", "class_id", "guardians",
                               "address", "township", "village", "economic_hardship", "disability", "left_behind",
                               "migrant"], pupil_rows)
        _copy(conn, "cases", ["id", "workflow", "subject_key", "pupil_id", "state", "version", "unit_path",
                              "school_id", "fields", "vars", "escalation_level", "opened_on", "source", "opened_at",
                              "updated_at", "closed_at", "last_seq", "last_hash"], gen.cases)
        ev_cols = ["id", "case_id", "seq", "at", "actor_id", "actor", "role", "action", "from_state", "to_state",
                   "data", "prev_hash", "hash", "occurred_on"]
        _copy(conn, "case_events", ev_cols,
              ([e[c] if c != "data" else json.dumps(e["data"], ensure_ascii=False) for c in ev_cols]
               for e in gen.events))
        dl_cols = ["id", "case_id", "clock", "point", "status", "opened_at", "due_at", "remind_at", "level",
                   "next_action", "next_action_at", "closed_at", "closed_by"]
        _copy(conn, "deadlines", dl_cols, ([getattr(r, c) for c in dl_cols] for r in gen.deadlines))
        _copy(conn, "case_assignees", ["id", "case_id", "user_id", "role"], gen.assignees)
        _copy(conn, "case_partners", ["id", "case_id", "user_id", "invited_by", "invited_at"], gen.partners)
        _copy(conn, "notifications", ["id", "user_id", "case_id", "deadline_id", "kind", "level", "title", "body",
                                      "created_at", "read_at", "email_status", "email_attempts"], gen.notifications)
        for table in ("org_units", "users", "role_assignments", "pupils", "cases", "case_events", "deadlines",
                      "case_assignees", "case_partners", "notifications"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        conn.commit()
    timings["COPY"] = time.perf_counter() - t
    t = time.perf_counter()
    _vacuum()
    timings["VACUUM ANALYZE"] = time.perf_counter() - t
    counts = defaultdict(int)
    for row in gen.cases:
        counts[row[3]] += 1
    open_dl = sum(1 for r in gen.deadlines if r.status == "open")
    overdue = sum(1 for r in gen.deadlines if r.status == "open" and (r.level > 0 or r.due_at < real_now))
    levels = defaultdict(int)
    for row in gen.cases:
        levels[row[10]] += 1
    return {"timings": timings, "states": dict(counts), "events": len(gen.events), "deadlines": len(gen.deadlines),
            "open_deadlines": open_dl, "overdue_deadlines": overdue, "levels": dict(sorted(levels.items())),
            "notifications": len(gen.notifications), "partners": len(gen.partners),
            "assignees": len(gen.assignees), "units": len(d.units), "users": len(d.users)}


def _vacuum():
    import psycopg
    with psycopg.connect(URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def verify_sample(app, k=500, seed=1):
    """The audit chain of k random cases (the timeline page checks each case it shows, too)."""
    from sqlalchemy import func, select

    from app.audit import chain as audit
    from app.extensions import db
    from app.models import Case
    with app.app_context():
        n = db.session.scalar(select(func.max(Case.id)))
        ids = random.Random(seed).sample(range(1, n + 1), min(k, n))
        bad = [cid for cid in ids if not audit.verify(cid)["ok"]]
    return len(ids), bad


# --- measuring --------------------------------------------------------------------------------------------

class Statements:
    """Every SQL statement of the engine, with its duration, grouped by the request that ran it."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.current, self.on = [], False

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, params, context, many):
            conn.info["bench_t"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, params, context, many):
            if self.on:
                self.current.append((statement, params, time.perf_counter() - conn.info.pop("bench_t")))

    def start(self):
        self.current, self.on = [], True

    def stop(self):
        self.on = False
        return self.current


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


class Page:
    def __init__(self, kind, label, role):
        self.kind, self.label, self.role = kind, label, role
        self.times, self.queries, self.sql_ms = [], [], []
        self.by_url = defaultdict(list)
        self.slow = defaultdict(lambda: [0, 0.0, 0.0, None])  # statement -> [count, total s, max s, params of max]

    def record(self, url, seconds, statements):
        self.times.append(seconds * 1000)
        self.by_url[url.split("?")[1] if "?" in url else "(none)"].append(seconds * 1000)
        self.queries.append(len(statements))
        self.sql_ms.append(sum(s for _, _, s in statements) * 1000)
        for sql, params, s in statements:
            agg = self.slow[sql]
            agg[0] += 1
            agg[1] += s
            if s >= agg[2]:
                agg[2], agg[3] = s, params


def login(app, username):
    import re
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, (username, r.status_code)
    return client


def measure(app, n, warmup=10, seed=7):
    from sqlalchemy import func, select, text, update

    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.models import Case, OrgUnit, User
    rng = random.Random(seed)
    with app.app_context():
        school = db.session.execute(select(OrgUnit).join(Case, Case.school_id == OrgUnit.id)
                                    .group_by(OrgUnit.id).order_by(func.count(Case.id).desc()).limit(1)).scalar_one()
        school_code, school_id = school.code, school.id
        admin = f"{school.code.lower()}_admin"
        users = ["bureau", "supervisor", admin]
        db.session.execute(update(User).where(User.username.in_(users)).values(password_hash=hash_password(PASSWORD)))
        db.session.commit()
        all_ids = db.session.execute(select(Case.id)).scalars().all()
        school_ids = db.session.execute(select(Case.id).where(Case.school_id == school_id)).scalars().all()
        other = db.session.execute(select(OrgUnit.code).where(OrgUnit.kind == "school", OrgUnit.id != school_id)
                                   .order_by(OrgUnit.code).limit(7)).scalars().all()[-1]
        surname = db.session.scalar(text("SELECT left(p.name, 1) FROM pupils p JOIN cases c ON c.pupil_id = p.id "
                                         "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"))
        school_pages = (len(school_ids) + 49) // 50
    stats = Statements(_engine(app))
    bureau, supervisor, school_admin = login(app, "bureau"), login(app, "supervisor"), login(app, admin)

    def filters(code, last_page):
        return ["/cases", "/cases?state=visiting", "/cases?overdue=true", f"/cases?school={code}&reason=economic",
                f"/cases?q={surname}", f"/cases?page={last_page}",
                # issue 12: a village (a LIKE '%…%' over pupils), part of a 学籍号, a sorted deep page
                "/cases?q=河湾村", "/cases?q=20120", f"/cases?sort=pupil&dir=asc&page={last_page}",
                "/cases?sort=assignee&dir=asc"]

    plan = [
        Page("list", "/cases (filters)", "bureau_officer"), Page("list", "/cases (filters)", f"school_admin {school_code}"),
        Page("case", "/cases/<id>", "bureau_officer"), Page("case", "/cases/<id>", f"school_admin {school_code}"),
        Page("timeline", "/cases/<id>/timeline", "supervisor"),
        Page("timeline", "/cases/<id>/timeline", f"school_admin {school_code}"),
        Page("dashboard", "/dashboard", "bureau_officer"), Page("dashboard", "/dashboard", f"school_admin {school_code}"),
    ]
    clients = [bureau, school_admin, bureau, school_admin, supervisor, school_admin, bureau, school_admin]
    n_filters = len(filters(other, 50))
    urls = [lambda i: filters(other, 50)[i % n_filters],
            lambda i: filters(school_code, min(50, school_pages))[i % n_filters],
            lambda i: f"/cases/{rng.choice(all_ids)}", lambda i: f"/cases/{rng.choice(school_ids)}",
            lambda i: f"/cases/{rng.choice(all_ids)}/timeline", lambda i: f"/cases/{rng.choice(school_ids)}/timeline",
            lambda i: "/dashboard", lambda i: "/dashboard"]

    def one(k, i):
        target = urls[k](i)
        stats.start()
        t = time.perf_counter()
        r = clients[k].get(target)
        status, body = r.status_code, r.get_data(as_text=True)
        if status == 200 and plan[k].kind == "timeline":  # the page's own audit check of the chain
            assert 'id="chain" class="flash ok"' in body, (target, "audit chain not ok")
        body = body[:300]
        elapsed = time.perf_counter() - t
        statements = stats.stop()
        assert status == 200, (plan[k].label, plan[k].role, target, status, body)
        return target, elapsed, statements

    # Pages take turns, request by request: drift in the machine's load affects every page alike.
    for i in range(warmup):
        for k in range(len(plan)):
            one(k, i)
    for i in range(warmup, warmup + n):
        for k in range(len(plan)):
            plan[k].record(*one(k, i))
    return plan


def _engine(app):
    from app.extensions import db
    with app.app_context():
        return db.engine


def explain(app, page, top=5, plans=2):
    """The statements that cost a page most (mean ms, runs per request), and EXPLAIN ANALYZE of the
    costliest `plans` of them with the parameters of their slowest run."""
    from app.extensions import db
    out = []
    worst = sorted(page.slow.items(), key=lambda kv: -kv[1][1])[:top]
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.driver_connection.cursor()
            for i, (sql, (count, total, peak, params)) in enumerate(worst):
                out.append(f"  {total / count * 1000:6.1f} ms mean {peak * 1000:6.1f} max  "
                           f"{count / len(page.times):4.1f}/request  {' '.join(sql.split())[:150]}")
                if i < plans:
                    cur.execute("EXPLAIN ANALYZE " + sql, params)
                    out.extend("        " + r[0] for r in cur.fetchall())
            raw.driver_connection.rollback()
        finally:
            raw.close()
    return out


def report(plan):
    head = (f"{'page':<24}{'role':<22}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'target':>8}{'SQL/page':>10}"
            f"{'SQL ms p50':>12}{'p95':>7}  ok")
    lines = [head]
    for p in plan:
        p95 = pct(p.times, 95)
        q = sorted(p.queries)
        qs = f"{q[0]}" if q[0] == q[-1] else f"{q[0]}-{q[-1]}"
        lines.append(f"{p.label:<24}{p.role:<22}{len(p.times):>5}{statistics.median(p.times):>9.1f}{p95:>9.1f}"
                     f"{TARGETS[p.kind]:>8}{qs:>10}{statistics.median(p.sql_ms):>12.1f}{pct(p.sql_ms, 95):>7.1f}"
                     f"  {'yes' if p95 <= TARGETS[p.kind] else 'NO'}")
        if p.kind == "list":
            for flt, times in p.by_url.items():
                lines.append(f"    ?{flt:<40}{len(times):>5}{statistics.median(times):>9.1f}{pct(times, 95):>9.1f}")
    return "\n".join(lines)


def migrate_to(revision):
    """Upgrade to `revision`, or downgrade when the database is past it."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app
    from flask_migrate import downgrade, upgrade

    from app.extensions import db
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    below = {r.revision for r in script.iterate_revisions(current, "base")} if current else set()
    if revision != "head" and revision != current and revision in below:
        downgrade(revision=revision)
    else:
        upgrade(revision=revision)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pupils", type=int, default=100_000)
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=1, help="measurement rounds over the same district")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--reuse", action="store_true", help="keep the generated district; apply new migrations")
    ap.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the costliest statements of each page")
    ap.add_argument("--revision", default="head",
                    help="migrate to this revision first (e.g. 0005: without the pages' indexes of 0006)")
    args = ap.parse_args()
    from redis import Redis

    from app import create_app
    Redis.from_url(REDIS).flushdb()
    if not args.reuse:
        base.fresh_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "REDIS_URL": REDIS, "SECRET_KEY": "bench-web"})
    with app.app_context():
        migrate_to(args.revision)
    if not args.reuse:
        t = time.perf_counter()
        info = generate(app, args.pupils, args.cases, args.seed)
        total = time.perf_counter() - t
        print(f"generated in {total:.1f} s (" + ", ".join(f"{k} {v:.1f} s" for k, v in info.pop("timings").items())
              + ")")
        print(f"  {args.pupils} pupils, {args.cases} cases, {info.pop('events')} events, {info.pop('deadlines')} "
              f"deadlines; {info}")
        checked, bad = verify_sample(app)
        print(f"  audit chain of {checked} random cases: {'ok' if not bad else f'BROKEN {bad[:10]}'}")
        if bad:
            return 1
    else:
        _vacuum()
    rounds = []
    for r in range(args.rounds):
        plan = measure(app, args.requests, seed=7 + r)
        rounds.append(plan)
        print(f"\nround {r + 1}: {args.requests} requests per page and role (after 10 warm-up); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(report(plan))
    if args.rounds > 1:
        print(f"\nmedians over {args.rounds} rounds (p50 / p95 ms):")
        for i, p in enumerate(rounds[0]):
            p50 = statistics.median(statistics.median(rd[i].times) for rd in rounds)
            p95 = statistics.median(pct(rd[i].times, 95) for rd in rounds)
            print(f"  {p.label:<24}{p.role:<22}{p50:>9.1f}{p95:>9.1f}")
    plan = rounds[-1]
    for p in plan:
        if args.explain or pct(p.times, 95) > TARGETS[p.kind]:
            print(f"\n{p.label} as {p.role}: p95 {pct(p.times, 95):.1f} ms (target {TARGETS[p.kind]}); "
                  "costliest statements:")
            print("\n".join(explain(app, p)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
