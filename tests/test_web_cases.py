"""The case pages as staff use them: scope, masking, forms that keep what was typed, stale forms,
the list's filters and export, and a fixed number of queries per page however many cases."""
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessLog, Case
from tests.payloads import VALID
from tests.web import Browser, count_queries, form_fields


def act(b: Browser, case: dict, trigger: str, version: int, **fields):
    body = dict(VALID[trigger], **fields)
    data = form_fields(body)
    data["version"] = str(version)
    data["seen_seq"] = "0"
    return b.post(f"/cases/{case['id']}/actions/{trigger}", data)


def test_another_schools_case_is_404_on_every_page(bx, as_):
    case = bx.open()
    other = as_("other_admin")
    for url in (f"/cases/{case['id']}", f"/cases/{case['id']}/timeline", f"/cases/{case['id']}/timeline.csv"):
        assert other.get(url).status_code == 404, url
    r = act(other, case, "report", 1)
    assert r.status_code == 404
    assert bx.case(case["id"])["state"] == "detected"


def test_case_page_shows_only_the_actions_the_user_may_take_now(bx, as_):
    case = bx.open()
    teacher = as_("teacher").text(f"/cases/{case['id']}")
    assert 'id="action-add_note"' in teacher and 'id="action-report"' not in teacher
    assert "action-close_false_alarm" not in teacher  # off-ramps are the bureau's
    admin = as_("school_admin").text(f"/cases/{case['id']}")
    assert 'id="action-report"' in admin and "action-close_false_alarm" not in admin
    assert "action-close_false_alarm" in as_("bureau").text(f"/cases/{case['id']}")
    assert 'id="actions"' in as_("supervisor").text(f"/cases/{case['id']}")
    assert "action-" not in as_("supervisor").text(f"/cases/{case['id']}").split('id="actions"')[1].split("</section>")[0]


def test_personal_data_is_masked_for_the_supervisor_and_logged_for_the_teacher(app, bx, as_):
    case = bx.open()
    page = as_("supervisor").text(f"/cases/{case['id']}")
    assert "学生1" not in page and "学*" in page and "1380000" not in page and "个人信息已脱敏" in page
    with app.app_context():
        before = db.session.scalar(select(func.count(AccessLog.id)))
    page = as_("teacher").text(f"/cases/{case['id']}")
    assert "学生1" in page and "13800000001" in page
    with app.app_context():
        log = db.session.execute(select(AccessLog).order_by(AccessLog.id.desc())).scalars().first()
        assert db.session.scalar(select(func.count(AccessLog.id))) == before + 1 and log.via == "page:case"


def test_a_step_through_the_page_moves_the_case_and_lands_on_the_audit_trail(bx, as_):
    case = bx.open()
    r = act(as_("school_admin"), case, "report", 1)
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/cases/{case['id']}")
    assert bx.case(case["id"])["state"] == "reported"
    assert [e["action"] for e in bx.events(case["id"])] == ["open", "report"]
    assert "已完成" in as_("school_admin").text(f"/cases/{case['id']}")


def test_an_invalid_form_keeps_what_was_typed_and_names_the_field_in_chinese(bx, as_):
    case = bx.open()
    before = bx.footprint(case["id"])
    r = act(as_("school_admin"), case, "report", 1, reason_analysis="", measures_taken="打过三次电话<b>")
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    field = page.split('data-field="reason_analysis"')[1].split("</div>")[0]
    assert "该字段是必填字段" in field and "This field" not in field
    assert "打过三次电话&lt;b&gt;" in page  # kept, and escaped
    assert 'value="learning" checked' in page  # the ticked reasons stay ticked
    assert 'open>' in page.split('id="action-report"')[1][:40]  # the form is shown open
    assert bx.footprint(case["id"]) == before


def test_the_same_error_in_english(bx, as_):
    case = bx.open()
    b = as_("school_admin")
    b.post("/language", {"lang": "en", "next": "/work"})
    page = act(b, case, "report", 1, reason_analysis="").get_data(as_text=True)
    field = page.split('data-field="reason_analysis"')[1].split("</div>")[0]
    assert "This field is required." in field and "该字段" not in field


def test_a_stale_form_says_what_changed_and_keeps_the_typed_text(bx, as_):
    case = bx.case_in("visiting")
    version = case["version"]
    bx.step(case["id"], "log_visit", "teacher")  # someone else logs a visit meanwhile
    r = act(as_("school_admin"), case, "log_visit", version, content="第二次家访的记录")
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and 'id="stale"' in page and "已被他人修改" in page
    stale = page.split('id="stale"')[1].split("</section>")[0]
    assert "teacher" in stale and "记录家访" in stale
    assert "第二次家访的记录" in page and f'name="version" value="{version + 1}"' in page
    assert len([e for e in bx.events(case["id"]) if e["action"] == "log_visit"]) == 1


def test_a_guard_refusal_is_shown_on_the_form(bx, as_):
    case = bx.open()
    bx.step(case["id"], "report", "school_admin", reasons=["economic"])
    case = bx.step(case["id"], "start_visits", "school_admin")
    before = bx.footprint(case["id"])
    # aid_for_economic_reason reads the form: the action is offered, and refused beside its field
    r = act(as_("school_admin"), case, "re_enroll", case["version"], aid_arranged="")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="action-re_enroll" open' in page and "须填写资助安排" in page
    assert bx.footprint(case["id"]) == before


def test_a_precondition_refusal_posted_anyway_is_said_on_the_page(bx, as_):
    case = bx.case_in("visiting")
    admin = as_("school_admin")
    assert 'id="action-escalate_joint"' not in admin.text(f"/cases/{case['id']}")  # not offered: 0 visits
    r = act(admin, case, "escalate_joint", case["version"])
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "至少 2 次" in page and 'class="flash error"' in page


def test_new_case_form_picks_a_pupil_and_refuses_a_second_open_case(app, bx, as_):
    teacher = as_("teacher")
    page = teacher.text("/cases/new?q=学生1")
    assert f'value="{bx.district.pupils[0]}"' in page
    r = teacher.post("/cases/new", {"student_id": bx.district.pupils[0], "detected_on": "2026-11-02",
                                    "source": "teacher", "note": "连续三天未到校"})
    assert r.status_code == 302
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.pupil_id == bx.district.pupils[0]))
    assert r.headers["Location"].startswith(f"/cases/{case_id}")
    again = teacher.post("/cases/new", {"student_id": bx.district.pupils[0], "detected_on": "2026-11-02",
                                        "note": "再次填写"})
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and "已有未结个案" in page and f"/cases/{case_id}" in page and "再次填写" in page


def test_new_case_with_a_bad_date_names_the_field(bx, as_):
    r = as_("teacher").post("/cases/new", {"student_id": bx.district.pupils[1], "detected_on": "2099-01-01"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "不能晚于今天" in page.split('data-field="detected_on"')[1].split("</div>")[0]


def test_outsiders_cannot_open_cases_for_pupils_out_of_scope(bx, as_):
    r = as_("other_teacher").post("/cases/new", {"student_id": bx.district.pupils[0], "detected_on": "2026-11-02"})
    assert r.status_code == 422 and "范围内没有这个学生" in r.get_data(as_text=True)


def test_case_list_filters_counts_and_export(bx, as_):
    a = bx.open()
    b = bx.case_in("visiting")
    admin = as_("school_admin")
    page = admin.text("/cases?state=visiting")
    assert f"#{b['id']}<" in page and f"#{a['id']}<" not in page and 'id="total">1<' in page
    assert "学生1" not in page  # lists are masked
    assert admin.get("/cases?state=nonsense").status_code == 422
    assert f"#{a['id']}<" not in as_("other_admin").text("/cases")
    r = admin.get("/cases/export.xlsx?state=visiting")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True))
    ids = [row[0] for row in rows if isinstance(row[0], int)]
    assert ids == [b["id"]] and any("劝返中" in str(c) for row in rows for c in row)


def test_case_list_and_case_page_cost_the_same_queries_for_1_or_8_cases(app, bx, as_):
    admin = as_("school_admin")
    first = bx.case_in("visiting")
    admin.get("/cases"), admin.get(f"/cases/{first['id']}")  # warm up
    with count_queries(app) as one_list:
        admin.get("/cases")
    with count_queries(app) as one_page:
        admin.get(f"/cases/{first['id']}")
    for _ in range(5):
        bx.case_in("reported")
    last = bx.case_in("joint_return")
    for _ in range(3):
        bx.step(last["id"], "add_note", "school_admin")
    with count_queries(app) as many_list:
        admin.get("/cases")
    with count_queries(app) as many_page:
        admin.get(f"/cases/{last['id']}")
    assert len(many_list) == len(one_list), many_list
    print("queries", len(one_list), len(one_page))
    assert len(many_page) == len(one_page), many_page
    # the case page: + the pupil's school (the card names it), the assignment form's list of eligible users
    # the header's unread-notice counter (one COUNT on its index) and the recorders' display names (one query)
    # the list (PostgreSQL): the user and grants 2, the count's estimate 1 and its per-state GROUP BY once
    # per scope branch 2 (unit path, second unit path: each over its own index), the page's ids-first
    # choice 2 estimates (the scope's, the table's), the rows and what they show...
    assert len(one_list) <= 14 and len(one_page) <= 18, (len(one_list), len(one_page))
