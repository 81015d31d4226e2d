"""The test district and the `bx` helper: a user per role, a few pupils, fire-as-user."""
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from app import clock
from app.auth import tokens
from app.deadlines import calendar
from app.district.org import add_unit, add_user
from app.extensions import db
from app.models import Case, CaseEvent, Deadline, Pupil
from forms.pupil_numbers import make
from tests.payloads import TODAY, VALID


def app_today() -> str:
    """Today in the district (Asia/Shanghai) by the app's clock, as a form's date."""
    from app import clock
    from app.deadlines.calendar import local_date
    return local_date(clock.now()).isoformat()

# username -> (role, unit)
USERS = {
    "teacher": ("class_teacher", "SA-7-1"),      # 班主任 of the pupils' class
    "teacher2": ("class_teacher", "SA-7-2"),     # another class of the same grade
    "leader": ("grade_leader", "SA-7"),
    "school_admin": ("school_admin", "SA"),
    "bureau": ("bureau_officer", "D"),
    "head": ("bureau_head", "D"),
    "supervisor": ("supervisor", "D"),
    "admin": ("admin", "D"),
    "partner": ("partner", "DEPT"),
    "partner2": ("partner", "DEPT"),
    "other_admin": ("school_admin", "SB"),       # another school: everything of SA is out of scope
    "other_teacher": ("class_teacher", "SB-7-1"),
}


@dataclass
class District:
    tokens: dict = field(default_factory=dict)
    pupils: list = field(default_factory=list)        # ids of pupils in SA-7-1
    other_pupil: int = 0                               # a pupil in school SB


def number(birth: date, sequence: int, kind: str = "G", area: str = "522601") -> str:
    """A valid 学籍号 for a test pupil (the one function the app, the demo and the benchmarks use)."""
    return make(kind, area, birth, sequence)


def _pupil(n: int, klass_id: int, *, economic=False) -> Pupil:
    birth = date(2012, 3, 1 + n)
    return Pupil(student_no=number(birth, n), name=f"学生{n}", gender="MF"[n % 2], birth_date=birth,
                 class_id=klass_id, guardians=[{"name": f"家长{n}", "phone": f"1380000{n:04d}", "relation": "母亲"}],
                 address="河口村1号", township="河口乡", village="河口村", economic_hardship=economic)


def build(app) -> District:
    d = District()
    with app.app_context():
        add_unit("D", "测试区教育局", "district", commit=False)
        add_unit("DEPT", "成员单位", "department", "D", commit=False)
        for school in ("SA", "SB"):
            add_unit(school, f"{school}中学", "school", "D", 900, commit=False)
            add_unit(f"{school}-7", "七年级", "grade", school, 300, commit=False)
            for c in (1, 2):
                add_unit(f"{school}-7-{c}", f"七年级{c}班", "class", f"{school}-7", 45, commit=False)
        users = {name: add_user(name, role, unit, commit=False) for name, (role, unit) in USERS.items()}
        db.session.commit()
        from app.auth.scope import unit_by_code
        c1, b1 = unit_by_code("SA-7-1").id, unit_by_code("SB-7-1").id
        pupils = [_pupil(i, c1, economic=(i == 3)) for i in range(1, 9)]
        other = _pupil(20, b1)
        db.session.add_all(pupils + [other])
        db.session.commit()
        d.pupils = [p.id for p in pupils]
        d.other_pupil = other.id
        d.tokens = {name: tokens.issue(u) for name, u in users.items()}
    return d


class Baoxue:
    """Drive the system through its public API as named users."""

    def __init__(self, app, client, district: District):
        self.app, self.client, self.district = app, client, district
        self._next_pupil = 0

    def headers(self, as_: str) -> dict:
        return {"Authorization": f"Bearer {self.district.tokens[as_]}"}

    def get(self, path, as_="bureau", **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers(as_), **kw)

    def post(self, path, json=None, as_="bureau", **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self.headers(as_), **kw)

    def pupil(self) -> int:
        pid = self.district.pupils[self._next_pupil]
        self._next_pupil += 1
        return pid

    def open(self, pupil_id=None, as_="teacher", **extra) -> dict:
        body = {"student_id": pupil_id or self.pupil(), "detected_on": TODAY,
                "source": "teacher", "note": "连续 5 天未到校", **extra}
        r = self.post("/cases", body, as_=as_)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def case(self, case_id, as_="bureau") -> dict:
        r = self.get(f"/cases/{case_id}", as_=as_)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def fire(self, case_id, trigger, as_, version=None, data=None, **fields):
        """POST a transition with VALID[trigger] (overridden by `fields`) at the case's current version."""
        if version is None:
            version = self.case(case_id)["version"]
        body = dict(VALID[trigger]) if data is None else dict(data)
        if data is None:  # the canned dates mean "today" by the app's clock, which tests move
            body.update({k: app_today() for k, v in body.items() if v == TODAY})
        body.update(fields)
        body["version"] = version
        return self.post(f"/cases/{case_id}/transitions/{trigger}", body, as_=as_)

    def step(self, case_id, trigger, as_, **fields) -> dict:
        r = self.fire(case_id, trigger, as_, **fields)
        assert r.status_code == 200, (trigger, r.status_code, r.get_json())
        return r.get_json()

    # Walks to each state of the main path, as the roles that do each step.
    PATH = [("report", "school_admin"), ("start_visits", "school_admin"), ("log_visit", "teacher"),
            ("log_visit", "teacher"), ("escalate_joint", "school_admin"), ("re_enroll", "school_admin")]
    REACH = {"detected": 0, "reported": 1, "visiting": 2, "joint_return": 5, "re_enrolled": 6}

    def case_in(self, state: str) -> dict:
        case = self.open()
        for trigger, who in self.PATH[:self.REACH[state]]:
            case = self.step(case["id"], trigger, who)
        assert case["state"] == state
        return case

    CHECKPOINTS = ("two_weeks", "one_month", "three_months")  # the follow_up clock's due points

    def checkpoint_due(self, case_id, checkpoint: str) -> date:
        """The due day (Beijing) of the case's open follow-up checkpoint."""
        point = self.CHECKPOINTS.index(checkpoint)
        row = next(d for d in self.case(case_id)["open_deadlines"] if d["clock"] == "follow_up" and d["point"] == point)
        return calendar.local_date(datetime.fromisoformat(row["due_at"].rstrip("Z")))

    def at_day(self, day: date) -> None:
        """Move the system's clock to noon (Beijing) of `day`: a step then happens on that day."""
        clock.freeze(calendar.to_utc(day, time(12)))

    def log_follow_up(self, case_id, checkpoint: str, as_="teacher", **fields) -> dict:
        """Wait for the checkpoint's due day, then log the follow-up against it, dated that day."""
        day = self.checkpoint_due(case_id, checkpoint)
        self.at_day(day)
        return self.step(case_id, "log_follow_up", as_, checkpoint=checkpoint, checked_on=day.isoformat(), **fields)

    def follow_up_all(self, case_id, as_="teacher", risks=(False, False, False)) -> dict:
        for checkpoint, risk in zip(self.CHECKPOINTS, risks):
            case = self.log_follow_up(case_id, checkpoint, as_, relapse_risk=risk)
        return case

    def footprint(self, case_id) -> tuple:
        """Everything a refused request must leave untouched."""
        with self.app.app_context():
            case = db.session.get(Case, case_id)
            events = db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case_id))
            deadlines = db.session.execute(select(Deadline.id, Deadline.status, Deadline.level)
                                           .where(Deadline.case_id == case_id).order_by(Deadline.id)).all()
            return (case.state, case.version, case.vars, case.closed_at, case.fields, events,
                    tuple(map(tuple, deadlines)), len(case.assignees))

    def post_files(self, path, body: dict, files, as_="bureau"):
        """POST `body` as the `payload` part of a multipart request with `files` [(name, bytes)]."""
        import io
        import json
        data = {"payload": json.dumps(body), "files": [(io.BytesIO(content), name) for name, content in files]}
        return self.client.post(f"/api/v1{path}", data=data, headers=self.headers(as_),
                                content_type="multipart/form-data")

    RECEIPT = ("回执.pdf", b"%PDF-1.4\n% a receiving school's receipt\n%%EOF\n")

    def request_transfer(self, pupil_id, as_="teacher", **where) -> dict:
        """A transfer of the pupil requested by its school; `where`: to_school_id, or outside_school (the
        default: a school outside the district)."""
        body = {"workflow": "transfer", "student_id": pupil_id, "requested_on": app_today(),
                "reason": "随父母务工迁居", **(where or {"outside_school": "外省某县第二中学"})}
        r = self.post("/cases", body, as_=as_)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def transfer_accepted(self, pupil_id) -> dict:
        """A transfer of the pupil out of the district, its receipt uploaded and accepted by the bureau:
        what lets the pupil's dropout case close as enrolled elsewhere."""
        case = self.request_transfer(pupil_id)
        body = {"receipt_no": "HZ-0001", "received_on": app_today(), "version": case["version"]}
        r = self.post_files(f"/cases/{case['id']}/transitions/submit_receipt", body, [self.RECEIPT], as_="teacher")
        assert r.status_code == 200, r.get_json()
        r = self.fire(case["id"], "accept_receipt", "bureau", data={"note": ""})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def events(self, case_id) -> list[dict]:
        return self.get(f"/cases/{case_id}/timeline").get_json()["events"]
