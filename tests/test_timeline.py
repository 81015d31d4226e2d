"""The case timeline: build() on hand-made rows, and build() + render_svg() on real cases through the API."""
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock
from app.deadlines import actions
from app.extensions import db
from app.models import Case, CaseEvent, Deadline
from app.timeline import build, labels, load, render_svg
from app.timeline.svg import MIN_BAR

SVG = "{http://www.w3.org/2000/svg}"
MAIN = ["detected", "reported", "visiting", "joint_return", "re_enrolled", "followed_up"]
T0 = datetime(2026, 11, 10, 2, 0)  # Tuesday 10:00 in Shanghai
D, M = timedelta(days=1), timedelta(minutes=1)
DUE = datetime(2026, 11, 13, 15, 59, 59)  # end of Friday 11-13: T0 + 3 working days
LEVEL2 = datetime(2026, 11, 17, 15, 59, 59)


class Trail:
    """Hand-made audit events (model instances never added to a session)."""

    def __init__(self):
        self.events, self.state = [], None

    def step(self, at, action, to=None, actor="school_admin", role="school_admin", **form):
        to = to or self.state
        self.events.append(CaseEvent(seq=len(self.events) + 1, at=at, actor=actor, role=role, action=action,
                                     from_state=self.state, to_state=to, data={"form": form}))
        self.state = to
        return self

    def system(self, at, action, clock_name, due_at, level, point=0):
        self.events.append(CaseEvent(
            seq=len(self.events) + 1, at=at, actor="system", role="system", action=action, from_state=self.state,
            to_state=self.state, data={"deadline": {"clock": clock_name, "point": point,
                                                    "due_at": due_at.isoformat() + "Z"},
                                       "level": level, "notified_roles": ["bureau_officer"]}))
        return self


def a_case(state, closed_at=None):
    return Case(id=7, workflow="dropout", state=state, opened_at=T0, closed_at=closed_at)


def a_deadline(clock_name, opened_at, due_at, status="open", level=0, closed_at=None, closed_by=None, point=0):
    return Deadline(clock=clock_name, point=point, status=status, opened_at=opened_at, due_at=due_at, level=level,
                    closed_at=closed_at, closed_by=closed_by)


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def rows_of(root) -> list[str]:
    return [g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("class") == "row"]


def to_joint_return(trail):
    return (trail.step(T0, "open", "detected", actor="teacher", role="class_teacher")
            .step(T0 + D, "report", "reported").step(T0 + 2 * D, "start_visits", "visiting")
            .step(T0 + 3 * D, "log_visit", actor="teacher", role="class_teacher", outcome="failed")
            .step(T0 + 4 * D, "log_visit", actor="teacher", role="class_teacher", outcome="failed")
            .step(T0 + 5 * D, "escalate_joint", "joint_return", text="多次劝返仍不返校"))


# --- build() on hand-made rows ---------------------------------------------------------------------

def test_bands_are_the_state_visits_in_order_with_entered_and_left_times():
    trail = to_joint_return(Trail())
    tl = build(a_case("joint_return"), trail.events, [], T0 + 9 * D)
    assert [b.state for b in tl.bands] == ["detected", "reported", "visiting", "joint_return"]
    assert [(b.entered_at, b.left_at) for b in tl.bands] == [
        (T0, T0 + D), (T0 + D, T0 + 2 * D), (T0 + 2 * D, T0 + 5 * D), (T0 + 5 * D, None)]
    assert [b.left_by for b in tl.bands] == ["report", "start_visits", "escalate_joint", None]
    assert tl.bands[0].entered_actor == "teacher" and tl.bands[0].left_actor == "school_admin"
    assert tl.bands[-1].current and tl.bands[-1].entered_by == "escalate_joint"
    assert [m.kind for m in tl.marks] == ["transition"] * 3 + ["action"] * 2 + ["transition"]
    assert tl.rows == MAIN


def test_a_relapse_makes_a_second_visit_of_visiting():
    trail = to_joint_return(Trail()).step(T0 + 6 * D, "re_enroll", "re_enrolled")
    trail.step(T0 + 20 * D, "relapse", "visiting", actor="teacher", role="class_teacher", note="再次缺课")
    tl = build(a_case("visiting"), trail.events, [], T0 + 21 * D)
    visits = tl.visits("visiting")
    assert [(v.visit, v.entered_at, v.left_at) for v in visits] == [
        (1, T0 + 2 * D, T0 + 5 * D), (2, T0 + 20 * D, None)]
    assert visits[1].entered_by == "relapse" and visits[1].entered_actor == "teacher"
    assert [b.state for b in tl.bands][-2:] == ["re_enrolled", "visiting"]
    assert tl.marks[-1].note == "再次缺课"


def test_a_deadline_met_before_due_is_met():
    trail = Trail().step(T0, "open", "detected").step(T0 + D, "report", "reported")
    row = a_deadline("report", T0, DUE, status="met", closed_at=T0 + D, closed_by="report")
    (d,) = build(a_case("reported"), trail.events, [row], T0 + 2 * D).deadlines
    assert (d.outcome, d.level, d.overdue, d.escalations) == ("met", 0, False, [])
    assert (d.state, d.closed_at, d.closed_by, d.clock_label) == ("detected", T0 + D, "report", "上报")


def test_a_deadline_met_after_its_due_time_counts_as_overdue():
    trail = Trail().step(T0, "open", "detected").system(DUE + M, "overdue", "report", DUE, 1)
    trail.step(DUE + D, "report", "reported")
    row = a_deadline("report", T0, DUE, status="met", level=1, closed_at=DUE + D, closed_by="report")
    (d,) = build(a_case("reported"), trail.events, [row], DUE + 2 * D).deadlines
    assert (d.status, d.outcome, d.level, d.level_at(1)) == ("met", "overdue", 1, DUE + M)


def test_a_deadline_overdue_to_level_2_keeps_both_level_times():
    trail = Trail().step(T0, "open", "detected")
    trail.system(DUE - D, "reminder", "report", DUE, 0).system(DUE + M, "overdue", "report", DUE, 1)
    trail.system(LEVEL2 + M, "escalated", "report", DUE, 2)
    row = a_deadline("report", T0, DUE, level=2)
    tl = build(a_case("detected"), trail.events, [row], LEVEL2 + D)
    (d,) = tl.deadlines
    assert (d.outcome, d.level, d.overdue) == ("overdue", 2, True)
    assert (d.level_at(1), d.level_at(2), d.level_at(3)) == (DUE + M, LEVEL2 + M, None)
    assert [(x.level, x.at, x.state) for x in tl.escalations] == [(1, DUE + M, "detected"), (2, LEVEL2 + M, "detected")]
    assert [(m.action, m.kind, m.level) for m in tl.marks[1:]] == [
        ("reminder", "system", 0), ("overdue", "system", 1), ("escalated", "system", 2)]


def test_escalations_go_to_the_deadline_row_with_their_due_time():
    """After a relapse the same clock runs again: each escalation belongs to the run with its due time."""
    first_due, second_due = T0 + 7 * D, T0 + 40 * D
    trail = to_joint_return(Trail())
    trail.system(first_due + M, "overdue", "first_visit", first_due, 1)
    rows = [a_deadline("first_visit", T0 + 2 * D, first_due, status="met", closed_at=T0 + 3 * D, closed_by="log_visit"),
            a_deadline("first_visit", T0 + 30 * D, second_due)]
    first, second = build(a_case("joint_return"), trail.events, rows, T0 + 31 * D).deadlines
    assert [x.level for x in first.escalations] == [1] and second.escalations == []
    assert second.outcome == "open"


def test_a_cancelled_deadline_is_cancelled():
    trail = Trail().step(T0, "open", "detected").step(T0 + D, "report", "reported")
    trail.step(T0 + 2 * D, "start_visits", "visiting")
    trail.step(T0 + 3 * D, "close_enrolled_elsewhere", "closed_enrolled_elsewhere", actor="bureau",
               role="bureau_officer", evidence="接收回执")
    row = a_deadline("visiting_stage", T0 + 2 * D, T0 + 30 * D, status="cancelled", closed_at=T0 + 3 * D,
                     closed_by="close_enrolled_elsewhere")
    tl = build(a_case("closed_enrolled_elsewhere", closed_at=T0 + 3 * D), trail.events, [row], T0 + 50 * D)
    (d,) = tl.deadlines
    assert (d.outcome, d.overdue, d.closed_by, d.state) == ("cancelled", False, "close_enrolled_elsewhere", "visiting")
    assert tl.rows == MAIN + ["closed_enrolled_elsewhere"]


def test_the_axis_ends_now_when_open_and_after_closing_with_a_margin():
    trail = Trail().step(T0, "open", "detected")
    assert (build(a_case("detected"), trail.events, [], T0 + 2 * D).end) == T0 + 2 * D
    trail.step(T0 + M, "close_false_alarm", "closed_false_alarm", actor="bureau", role="bureau_officer")
    tl = build(a_case("closed_false_alarm", closed_at=T0 + M), trail.events, [], T0 + 90 * D)
    assert tl.start == T0 and tl.end == T0 + M + D


# --- render_svg() on hand-made rows -------------------------------------------------------------------

def bands_drawn(root):
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "band"]


def test_render_a_case_with_a_single_event():
    trail = Trail().step(T0, "open", "detected", actor="teacher", role="class_teacher", note="连续 5 天未到校")
    tl = build(a_case("detected"), trail.events, [a_deadline("report", T0, DUE)], T0)
    root = parse(render_svg(tl, labels("dropout"), title="个案 #7"))
    assert root.get("role") == "img" and root.get("aria-label").startswith("个案 #7")
    assert root.get("viewBox").startswith("0 0 960 ") and root.get("width") == "960"
    assert rows_of(root) == MAIN
    (band,) = bands_drawn(root)
    assert float(band.get("width")) == MIN_BAR  # a zero-length stay still shows
    assert len([c for c in root.iter(f"{SVG}circle") if "transition" in c.get("class", "")]) == 1
    assert any(t.text and "-" in t.text for t in root.iter(f"{SVG}text"))  # a date tick


def test_render_a_case_closed_the_day_it_opened_gives_bars_a_minimum_width():
    trail = Trail().step(T0, "open", "detected").step(T0, "close_false_alarm", "closed_false_alarm",
                                                      actor="bureau", role="bureau_officer", reason="illness_note")
    tl = build(a_case("closed_false_alarm", closed_at=T0), trail.events, [], T0 + D)
    root = parse(render_svg(tl, labels("dropout", "en"), title="Case 7", lang="en", width=600))
    assert rows_of(root) == MAIN + ["closed_false_alarm"]
    assert [float(b.get("width")) for b in bands_drawn(root)] == [MIN_BAR, MIN_BAR]
    assert "Closed: false alarm" in str(render_svg(tl, labels("dropout", "en"), title="t", lang="en"))


def test_render_hundreds_of_events_over_months():
    trail = to_joint_return(Trail())
    for i in range(400):
        trail.step(T0 + 6 * D + i * timedelta(hours=14), "add_note", text=f"备注 {i}")
    now = T0 + 250 * D
    tl = build(a_case("joint_return"), trail.events, [a_deadline("joint_return_stage", T0 + 5 * D, T0 + 47 * D)], now)
    svg = render_svg(tl, labels("dropout"), title="个案 #7")
    root = parse(svg)
    assert len([c for c in root.iter(f"{SVG}circle") if "mark" in c.get("class", "")]) == 406
    ticks = [t.text for t in root.iter(f"{SVG}text") if (t.text or "")[:5] in ("2026-", "2027-")]
    assert ticks == ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2027-07"]
    assert all(tl.start <= m.at <= tl.end for m in tl.marks)
    marks = sorted((int(c.get("data-seq")), float(c.get("cx"))) for c in root.iter(f"{SVG}circle") if c.get("data-seq"))
    assert all(a[1] <= b[1] for a, b in zip(marks, marks[1:]))  # later events never left of earlier ones


# --- through the API: real cases, real rows ---------------------------------------------------------

def timeline_of(app, case_id, now=None):
    with app.app_context():
        case = db.session.get(Case, case_id)
        events, deadlines = load(case)
        tl = build(case, events, deadlines, now or clock.now())
        return tl, render_svg(tl, labels(case.workflow), title=f"个案 #{case.id}")


def test_api_case_overdue_to_level_2_is_drawn_with_its_mark_and_level(app, bx):
    case = bx.case_in("joint_return")
    with app.app_context():
        due = db.session.execute(select(Deadline.due_at).where(
            Deadline.case_id == case["id"], Deadline.clock == "joint_return_stage")).scalar_one()
        level2 = actions.escalation_time(due, 2)
        clock.freeze(level2 + M)
        actions.sweep()
    tl, svg = timeline_of(app, case["id"])
    (d,) = tl.deadlines_of("joint_return_stage")
    assert (d.outcome, d.level, d.state) == ("overdue", 2, "joint_return")
    assert d.level_at(1) == level2 + M and d.level_at(2) == level2 + M  # the sweep caught up both at once
    root = parse(svg)
    assert rows_of(root) == MAIN
    (mark,) = [g for g in root.iter(f"{SVG}g") if g.get("data-clock") == "joint_return_stage"]
    assert mark.get("class") == "deadline overdue" and mark.get("data-level") == "2"
    assert mark.find(f"{SVG}text").text == "!L2"
    triangles = [p for p in root.iter(f"{SVG}path") if p.get("class") == "escalation"]
    assert {"1", "2"} <= {p.get("data-level") for p in triangles}
    levels = [m.level for m in tl.marks if m.action in ("overdue", "escalated") and m.clock == "joint_return_stage"]
    assert levels == [1, 2]


def test_api_a_note_with_a_script_tag_is_escaped(app, bx):
    case = bx.case_in("visiting")
    note = "<script>alert('x')</script> & 家长\"电话\""
    bx.step(case["id"], "add_note", "school_admin", text=note)
    tl, svg = timeline_of(app, case["id"])
    assert "<script" not in str(svg) and "&lt;script&gt;" in str(svg)
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    (mark,) = [c for c in root.iter(f"{SVG}circle") if c.get("data-seq") == str(tl.marks[-1].seq)]
    assert note in mark.find(f"{SVG}title").text


def test_api_case_closed_on_its_first_day_has_an_off_ramp_row(app, bx):
    case = bx.open()
    bx.step(case["id"], "close_false_alarm", "bureau")
    tl, svg = timeline_of(app, case["id"])
    assert [b.state for b in tl.bands] == ["detected", "closed_false_alarm"]
    assert tl.end - tl.closed_at == D and tl.deadlines[0].outcome == "cancelled"
    root = parse(svg)
    assert rows_of(root) == MAIN + ["closed_false_alarm"]
    assert all(float(b.get("width")) >= MIN_BAR for b in bands_drawn(root))
    (tick,) = [g for g in root.iter(f"{SVG}g") if g.get("data-clock") == "report"]
    assert tick.get("class") == "deadline cancelled"
