"""Lists and work (issue 12): school and class in every list and export, search by part of a 学籍号 / a
village / a guardian / the responsible teacher (scope and masking kept), sort by any column with paging
intact, bulk assign / assign to me / export the selection, user pickers, saved and shared filters."""
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth.scope import unit_by_code
from app.extensions import db
from app.models import Case, CaseAssignee, Pupil, SavedFilter, User


@pytest.fixture
def names(app, district):
    """Display names as people have them (the list shows these, the 负责人 filter takes them)."""
    with app.app_context():
        for username, shown in {"teacher": "王老师", "leader": "李组长", "school_admin": "赵专干",
                                "teacher2": "钱老师", "partner": "民政局孙科长"}.items():
            db.session.execute(select(User).where(User.username == username)).scalar_one().display_name = shown
        db.session.commit()


def ids(r) -> list[int]:
    assert r.status_code == 200, r.get_json()
    return [c["id"] for c in r.get_json()["items"]]


def search(bx, q, as_="school_admin", **more):
    return ids(bx.post("/cases/search", {"q": q, **more}, as_=as_))


def pupil_of(app, pupil_id) -> Pupil:
    with app.app_context():
        p = db.session.get(Pupil, pupil_id)
        db.session.expunge(p)
        return p


# ── 1. school and class everywhere ──────────────────────────────────────────────────────────────────

def test_school_and_class_in_the_case_list_work_tables_pupil_card_pupil_page_and_export(app, bx, as_, district):
    case = bx.open()
    pupil_id = case["pupil"]["id"]
    admin = as_("school_admin")
    page = admin.text("/cases")
    row = page.split('id="case-table"')[1]
    assert 'data-label="学校">SA中学</td>' in row and 'data-label="班级">七年级1班</td>' in row
    work = admin.text("/work")
    assert "SA中学 · 七年级1班" in work.split('id="waiting"')[1].split("</section>")[0]
    card = admin.text(f"/cases/{case['id']}").split('id="pupil"')[1].split("</section>")[0]
    assert "<dt>学校</dt><dd>SA中学</dd>" in card and "七年级1班" in card
    assert "SA中学 · 七年级1班" in admin.text(f"/students/{pupil_id}")
    assert bx.case(case["id"])["pupil"]["school_name"] == "SA中学"  # the API names it too
    r = admin.get("/cases/export.xlsx")
    sheet = load_workbook(BytesIO(r.data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(r for r in rows if "个案编号" in r)
    data = rows[rows.index(header) + 1]
    assert data[header.index("学校")] == "SA中学" and data[header.index("班级")] == "七年级1班"


# ── 2. search and sort ──────────────────────────────────────────────────────────────────────────────

def test_search_by_part_of_a_number_village_guardian_and_teacher(app, bx, names, district):
    first, second = bx.open(), bx.open()
    with app.app_context():  # a teacher of the grade's other class helps with the second case
        db.session.add(CaseAssignee(case_id=second["id"], user_id=db.session.execute(
            select(User.id).where(User.username == "teacher2")).scalar_one(), role="class_teacher"))
        db.session.commit()
    number = pupil_of(app, first["pupil"]["id"]).student_no
    assert search(bx, number[9:17]) == [first["id"]]            # the middle of a 学籍号
    assert search(bx, number) == [first["id"]]                   # the whole number, as before
    assert search(bx, "学生2") == [second["id"]]                  # a name's beginning, as before
    assert set(search(bx, "河口")) == {first["id"], second["id"]}  # village / township / address
    assert search(bx, "家长2") == [second["id"]]                  # a guardian's name
    assert search(bx, "钱老") == [second["id"]]                   # the responsible teacher's display name
    assert search(bx, "nobody-at-all") == []


def test_the_assignee_filter_takes_the_names_the_list_shows(bx, names):
    first, second = bx.open(), bx.open()
    bx.step(first["id"], "assign", "school_admin", username="leader", role="grade_leader")
    assert ids(bx.get("/cases?assignee=李组长", as_="school_admin")) == [first["id"]]
    assert ids(bx.get("/cases?assignee=李组", as_="school_admin")) == [first["id"]]   # part of it
    assert ids(bx.get("/cases?assignee=leader", as_="school_admin")) == [first["id"]]  # the username still
    assert set(ids(bx.get("/cases?assignee=王老", as_="school_admin"))) == {first["id"], second["id"]}  # the opener


def test_search_never_finds_a_case_out_of_scope(bx, district):
    other = bx.open(district.other_pupil, as_="other_teacher")
    mine = bx.open()
    assert search(bx, "河口", as_="other_admin") == [other["id"]]
    assert search(bx, "学生1", as_="other_admin") == []
    assert search(bx, "家长", as_="other_admin") == [other["id"]]
    assert mine["id"] not in search(bx, "河口", as_="other_admin")


def test_roles_that_see_pupils_masked_cannot_search_by_what_the_mask_hides(app, bx, district):
    """Decision: the supervisor and the bureau head (masked data) search by a name's beginning, a whole
    学籍号 and the responsible teacher only; a village, a guardian or part of a number finds nothing."""
    case = bx.open()
    number = pupil_of(app, case["pupil"]["id"]).student_no
    for role in ("supervisor", "head"):
        assert search(bx, "河口村", as_=role) == []
        assert search(bx, "家长1", as_=role) == []
        assert search(bx, number[9:17], as_=role) == []
        assert search(bx, number, as_=role) == [case["id"]]
        assert search(bx, "学生1", as_=role) == [case["id"]]
    assert search(bx, "河口村", as_="bureau") == [case["id"]]  # the bureau officer's work needs it


def test_like_wildcards_are_searched_for_as_themselves(app, bx, district):
    first, second = bx.open(), bx.open()
    with app.app_context():
        db.session.get(Pupil, first["pupil"]["id"]).village = "百分%村"
        db.session.get(Pupil, second["pupil"]["id"]).address = "下_划线路"
        db.session.commit()
    assert search(bx, "%") == [first["id"]]
    assert search(bx, "_") == [second["id"]]
    assert search(bx, "%村") == [first["id"]]
    assert ids(bx.get("/cases?assignee=%25", as_="school_admin")) == []
    assert ids(bx.get("/cases?assignee=_", as_="school_admin")) == []


def test_sort_by_any_column_both_ways_with_paging_intact(app, bx, names):
    opened = [bx.open() for _ in range(6)]
    with app.app_context():  # names in an order unlike the ids
        for case, name in zip(opened, ["丙", "甲", "乙", "甲", "丁", "乙"]):
            db.session.get(Pupil, case["pupil"]["id"]).name = name
        db.session.commit()
    every = ids(bx.get("/cases?sort=pupil&dir=asc&per_page=50", as_="school_admin"))
    with app.app_context():
        keyed = sorted((db.session.get(Pupil, c["pupil"]["id"]).name, c["id"]) for c in opened)
    assert every == [case_id for _, case_id in keyed]  # ties (甲, 乙) by id
    paged = [i for p in (1, 2, 3) for i in ids(bx.get(f"/cases?sort=pupil&dir=asc&per_page=2&page={p}",
                                                       as_="school_admin"))]
    assert paged == every  # no row twice, none skipped
    desc = ids(bx.get("/cases?sort=pupil&dir=desc", as_="school_admin"))
    assert desc == list(reversed(every))
    for column in ("id", "pupil", "school", "class", "state", "reasons", "opened_on", "overdue", "level",
                   "assignee", "updated"):
        for direction in ("asc", "desc"):
            got = ids(bx.get(f"/cases?sort={column}&dir={direction}", as_="school_admin"))
            assert sorted(got) == sorted(c["id"] for c in opened), column
    r = bx.get("/cases?sort=password_hash", as_="school_admin")
    assert r.status_code == 422 and "sort" in r.get_json()["fields"]
    assert bx.get("/cases?dir=sideways", as_="school_admin").status_code == 422


def test_the_list_page_sorts_by_header_links_and_pages_keep_the_sort(app, bx, as_):
    for _ in range(3):
        bx.open()
    admin = as_("school_admin")
    page = admin.text("/cases")
    assert 'id="sort-pupil"' in page and "sort=pupil" in page and 'aria-sort="descending"' in page  # by id
    page = admin.text("/cases?sort=pupil&dir=asc")
    assert 'aria-sort="ascending"' in page
    link = re.search(r'id="sort-pupil" href="([^"]+)"', page).group(1)
    assert "dir=desc" in link  # clicking the sorted column again turns it round
    shown = re.findall(r'id="pick-(\d+)"', page)
    assert shown == sorted(shown, key=lambda i: pupil_of(admin.app, db_pupil(admin.app, int(i))).name)


def db_pupil(app, case_id) -> int:
    with app.app_context():
        return db.session.get(Case, case_id).pupil_id


def test_the_search_box_posts_and_finds_part_of_a_number_on_the_page(app, bx, as_):
    case = bx.open()
    number = pupil_of(app, case["pupil"]["id"]).student_no
    admin = as_("school_admin")
    r = admin.post("/cases", {"q": number[5:13]})
    assert r.status_code == 303 and number[5:13] not in r.headers["Location"]  # never in a URL
    page = admin.text(r.headers["Location"])
    assert f'id="pick-{case["id"]}"' in page


# ── 3. bulk actions ─────────────────────────────────────────────────────────────────────────────────

def bulk(b, action, case_ids, **fields):
    data = MultiDict([("action", action), *[("ids", str(i)) for i in case_ids], *fields.items()])
    return b.post("/cases/bulk", data)


def assignees(app, case_id) -> set:
    with app.app_context():
        return set(db.session.execute(select(User.username, CaseAssignee.role).join(
            CaseAssignee, CaseAssignee.user_id == User.id).where(CaseAssignee.case_id == case_id)).all())


def test_bulk_assign_fires_the_assignment_per_case_and_reports_each(app, bx, as_, names):
    a, b = bx.open(), bx.open()
    r = bulk(as_("school_admin"), "assign_to", [a["id"], b["id"]], username="leader", role="grade_leader")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert page.count('class="done"') == 2 and "完成 2 个" in page
    for case in (a, b):
        assert ("leader", "grade_leader") in assignees(app, case["id"])
        assert any(e["action"] == "assign" for e in bx.get(f"/cases/{case['id']}/timeline").get_json()["events"])


def test_bulk_assign_refuses_per_case_with_the_reason(app, bx, as_, names):
    a = bx.open()
    r = bulk(as_("school_admin"), "assign_to", [a["id"]], username="teacher2", role="class_teacher")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'class="refused"' in page and "没有 class_teacher 角色" in page
    assert ("teacher2", "class_teacher") not in assignees(app, a["id"])


def test_a_case_out_of_scope_in_a_bulk_request_is_404_and_nothing_changes(app, bx, as_, district):
    mine, theirs = bx.open(), bx.open(district.other_pupil, as_="other_teacher")
    before, theirs_before = assignees(app, mine["id"]), assignees(app, theirs["id"])  # the opening teacher
    admin = as_("school_admin")
    for action, fields in (("assign_to", {"username": "leader", "role": "grade_leader"}), ("assign_me", {}),
                           ("export", {})):
        r = bulk(admin, action, [mine["id"], theirs["id"]], **fields)
        assert r.status_code == 404, action
        assert assignees(app, mine["id"]) == before and assignees(app, theirs["id"]) == theirs_before
    assert bulk(admin, "assign_to", [mine["id"], 2**40], username="leader", role="grade_leader").status_code == 404
    assert assignees(app, mine["id"]) == before


def test_bulk_bad_input_names_the_field(bx, as_):
    a = bx.open()
    admin = as_("school_admin")
    for fields, named in (({"action": "assign_to", "ids": str(a["id"]), "role": "grade_leader"}, "username"),
                          ({"action": "assign_to", "ids": str(a["id"]), "username": "leader"}, "role"),
                          ({"action": "assign_to"}, "ids"), ({"action": "nuke", "ids": str(a["id"])}, "action"),
                          ({"action": "export", "ids": "x"}, "ids")):
        r = admin.post("/cases/bulk", fields)
        assert r.status_code in (400, 422) and f"<code>{named}</code>" in r.get_data(as_text=True), (fields, r.status_code)


def test_assign_to_me_for_the_roles_that_may(app, bx, as_):
    a, b = bx.open(), bx.open()
    r = bulk(as_("school_admin"), "assign_me", [a["id"], b["id"]])
    assert r.status_code == 200
    assert ("school_admin", "school_admin") in assignees(app, a["id"]) & assignees(app, b["id"])
    leader = bulk(as_("leader"), "assign_me", [a["id"]])
    assert ("leader", "grade_leader") in assignees(app, a["id"]) and leader.status_code == 200
    # a class teacher may not assign: no button, and a hand-made POST is refused per case
    assert 'id="bulk-assign-me"' not in as_("teacher").text("/cases")
    assert 'id="bulk-assign-me"' in as_("school_admin").text("/cases")
    with app.app_context():
        seq = db.session.get(Case, a["id"]).last_seq
    r = bulk(as_("teacher"), "assign_me", [a["id"]])
    assert 'class="refused"' in r.get_data(as_text=True) and "不能" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, a["id"]).last_seq == seq  # no step written


def test_a_case_changed_since_the_list_was_shown_is_refused_as_stale(app, bx, as_):
    a = bx.open()
    seen = bx.case(a["id"])["version"]
    bx.step(a["id"], "add_note", "teacher")
    r = bulk(as_("school_admin"), "assign_me", [a["id"]], **{f"v{a['id']}": str(seen)})
    assert 'class="refused"' in r.get_data(as_text=True)
    assert ("school_admin", "school_admin") not in assignees(app, a["id"])


def test_export_the_selection(bx, as_):
    a, b, c = bx.open(), bx.open(), bx.open()
    r = bulk(as_("school_admin"), "export", [a["id"], c["id"]])
    assert r.status_code == 200 and r.mimetype.endswith("sheet")
    sheet = load_workbook(BytesIO(r.data)).active
    first_column = [row[0].value for row in sheet.iter_rows()]
    assert a["id"] in first_column and c["id"] in first_column and b["id"] not in first_column
    assert not any("学生1" == cell.value for row in sheet.iter_rows() for cell in row)  # masked


# ── 4. user pickers ─────────────────────────────────────────────────────────────────────────────────

def test_assign_form_picks_from_the_eligible_users_by_display_name(app, bx, as_, names):
    case = bx.open()
    page = as_("school_admin").text(f"/cases/{case['id']}")
    form = page.split('id="action-assign"')[1].split("</form>")[0]
    picker = re.search(r'<select name="username"[^>]*>(.*?)</select>', form, re.S)
    assert picker, form
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', picker.group(1)))
    assert "李组长 (leader)" in options["leader"] and "包年级领导" in options["leader"]
    assert "王老师 (teacher)" in options["teacher"]
    assert "teacher2" not in options and "other_admin" not in options and "partner" not in options
    role = re.search(r'<select name="role"[^>]*>', form).group(0)
    assert 'required' in role and 'aria-required="true"' in role  # required, and marked so
    assert re.search(r'<label for="[^"]*role">[^<]*<span class="req"', form)


def test_a_user_not_eligible_is_refused_with_a_field_error_and_the_api_still_takes_a_username(app, bx, as_):
    case = bx.open()
    admin = as_("school_admin")
    r = admin.post(f"/cases/{case['id']}/actions/assign",
                   {"username": "other_teacher", "role": "class_teacher", "version": "1", "seen_seq": "0"})
    assert r.status_code == 422
    field = r.get_data(as_text=True).split('data-field="username"')[1].split("</div>")[0]
    assert 'class="error"' in field
    assert ("other_teacher", "class_teacher") not in assignees(app, case["id"])
    r = bx.fire(case["id"], "assign", "school_admin", username="leader", role="grade_leader")
    assert r.status_code == 200
    r = bx.fire(case["id"], "assign", "school_admin", data={"username": "leader"})
    assert r.status_code == 422 and "role" in r.get_json()["fields"]  # required on the API too


def test_invite_and_revoke_pick_partners_by_display_name(app, bx, as_, names):
    case = bx.case_in("joint_return")
    page = as_("bureau").text(f"/cases/{case['id']}")
    form = page.split('id="action-invite_partner"')[1].split("</form>")[0]
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', form))
    assert options.get("partner") == "民政局孙科长 (partner)" and "partner2" in options and "teacher" not in options
    bx.step(case["id"], "invite_partner", "bureau")
    page = as_("bureau").text(f"/cases/{case['id']}")
    form = page.split('id="action-revoke_partner"')[1].split("</form>")[0]
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', form))
    assert set(options) == {"", "partner"}


# ── 5. saved and shared filters ─────────────────────────────────────────────────────────────────────

def save(b, name, query, unit=""):
    return b.post("/work/filters", {"name": name, "query": query, "unit": unit})


def saved_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SavedFilter.id)))


def test_save_list_open_and_delete_a_filter(app, bx, as_):
    bx.open()
    admin = as_("school_admin")
    page = admin.text("/cases?overdue=true&sort=pupil&dir=asc")
    query = re.search(r'name="query" value="([^"]*)"', page).group(1)
    r = save(admin, "我的逾期个案", query.replace("&amp;", "&"))
    assert r.status_code == 303
    work = admin.text("/work")
    found = re.search(r'id="saved-filter-(\d+)"><a href="([^"]+)">我的逾期个案</a>', work)
    assert found
    r = admin.get(found.group(2))
    assert r.status_code == 302 and "overdue=true" in r.headers["Location"] and "sort=pupil" in r.headers["Location"]
    assert as_("teacher").get(found.group(2)).status_code == 404  # not shared: someone else's does not exist
    assert as_("teacher").post(f"/work/filters/{found.group(1)}/delete").status_code == 404
    assert saved_count(app) == 1
    assert admin.post(f"/work/filters/{found.group(1)}/delete").status_code == 303
    assert saved_count(app) == 0 and "我的逾期个案" not in admin.text("/work")


def test_a_shared_filter_is_seen_by_everyone_whose_scope_meets_the_unit(app, as_):
    with app.app_context():
        sa, d = unit_by_code("SA").id, unit_by_code("D").id
    assert save(as_("school_admin"), "SA 的联合劝返", "state=joint_return", str(sa)).status_code == 303
    for who in ("school_admin", "leader", "teacher", "bureau", "supervisor"):
        assert "SA 的联合劝返" in as_(who).text("/work"), who
    for who in ("other_admin", "other_teacher", "partner"):
        assert "SA 的联合劝返" not in as_(who).text("/work"), who
    assert save(as_("bureau"), "全区逾期", "overdue=true", str(d)).status_code == 303
    assert "全区逾期" in as_("other_admin").text("/work")


def test_a_shared_filter_only_filters_inside_the_viewers_own_scope(app, bx, as_, district):
    mine, theirs = bx.open(), bx.open(district.other_pupil, as_="other_teacher")
    with app.app_context():
        d = unit_by_code("D").id
    save(as_("bureau"), "全区新发现", "state=detected", str(d))
    other = as_("other_admin")
    link = re.search(r'<a href="(/work/filters/\d+)">全区新发现</a>', other.text("/work")).group(1)
    listed = other.text(other.get(link).headers["Location"])
    assert f'id="pick-{theirs["id"]}"' in listed and f'id="pick-{mine["id"]}"' not in listed
    both = as_("bureau").text(as_("bureau").get(link).headers["Location"])
    assert f'id="pick-{theirs["id"]}"' in both and f'id="pick-{mine["id"]}"' in both


def test_bad_saved_filter_input_is_4xx_naming_the_field_and_writes_nothing(app, as_):
    admin = as_("school_admin")
    with app.app_context():
        sb = unit_by_code("SB").id
    for (name, query, unit), field in ((("", "state=detected", ""), "name"), ((" ", "", ""), "name"),
                                       (("x" * 61, "", ""), "name"), (("ok", "state=nonsense", ""), "query"),
                                       (("ok", "overdue=maybe", ""), "query"), (("ok", "x" * 1001, ""), "query"),
                                       (("ok", "", str(sb)), "unit"), (("ok", "", "abc"), "unit")):
        r = save(admin, name, query, unit)
        assert r.status_code == 422 and f"<code>{field}</code>" in r.get_data(as_text=True), (name, query, unit)
    assert saved_count(app) == 0
    assert admin.post("/work/filters/999999/delete").status_code == 404
    assert admin.get("/work/filters/99999999999").status_code == 404


def test_the_search_text_is_never_saved(app, bx, as_):
    admin = as_("school_admin")
    save(admin, "带搜索", "q=学生1&state=detected")
    with app.app_context():
        assert db.session.execute(select(SavedFilter.query)).scalar_one() == "state=detected"


def test_past_reach_max_the_bulk_form_takes_a_typed_username_and_the_engine_checks_it(app, bx, as_, names, monkeypatch):
    """A district's or a province's staff are too many for a select: the bulk form then has a username
    box, and what is typed is checked per case as a picked name is."""
    from app.views import pickers
    a = bx.open()
    admin = as_("school_admin")
    assert '<select name="username" id="bulk-username">' in admin.text("/cases")
    monkeypatch.setattr(pickers, "REACH_MAX", 1)
    page = admin.text("/cases")
    assert '<input type="text" name="username" id="bulk-username"' in page and "<option value=\"leader\">" not in page
    r = bulk(admin, "assign_to", [a["id"]], username="leader", role="grade_leader")
    assert r.status_code == 200 and 'class="done"' in r.get_data(as_text=True)
    assert ("leader", "grade_leader") in assignees(app, a["id"])
    r = bulk(admin, "assign_to", [a["id"]], username="nobody-by-that-name", role="grade_leader")
    assert r.status_code in (200, 422) and 'class="done"' not in r.get_data(as_text=True)


def test_past_school_select_max_the_school_filter_is_a_code_box(app, bx, as_, monkeypatch):
    """A province's 1,500 schools are no select: the filter takes the school's code, as the URL always did."""
    from app.district import filters
    mine = bx.open()["id"]
    bureau = as_("bureau")
    assert '<select name="school">' in bureau.text("/cases")
    monkeypatch.setattr(filters, "SCHOOL_SELECT_MAX", 1)
    page = bureau.text("/cases")
    assert '<select name="school">' not in page and '<input type="text" name="school" value=""' in page
    page = bureau.text("/cases?school=SA")
    assert '<input type="text" name="school" value="SA"' in page and f'href="/cases/{mine}"' in page
    assert f'href="/cases/{mine}"' not in bureau.text("/cases?school=SB")


def test_the_bulk_forms_user_list_is_whole_or_none_counting_grants_not_people(app, district):
    """A capped list never drops someone silently: a user with two grants of one role is one line, but
    the cap counts the grants read, so past it the form asks for a username instead of a shortened list."""
    from app.auth.actor import Actor
    from app.district import team
    from app.models import OrgUnit, RoleAssignment, User
    with app.app_context():
        teacher = db.session.execute(select(User).where(User.username == "teacher")).scalar_one()
        other_class = db.session.execute(select(OrgUnit).where(OrgUnit.code == "SA-7-2")).scalar_one()
        db.session.add(RoleAssignment(user_id=teacher.id, role="class_teacher", unit_id=other_class.id))
        db.session.commit()
        bureau = Actor(db.session.execute(select(User).where(User.username == "bureau")).scalar_one())
        whole = team.users_in_reach(bureau)
        grants = sum(len(roles) for _u, roles in whole) + 1  # the teacher's second class_teacher grant
        for cap in range(grants - 3, grants + 2):
            got = team.users_in_reach(bureau, cap=cap)
            if cap < grants:
                assert got is None, cap
            else:
                assert sorted(u.username for u, _r in got) == sorted(u.username for u, _r in whole), cap


def test_the_per_state_counts_count_a_transferred_case_once_in_every_scope(app, bx, as_):
    """The list counts its scope branch by branch (unit path, second unit path, invitations: each over
    its own index); a case in two branches — a transfer seen by the sending and the receiving school and
    by the bureau above both — is counted once, the same as the OR of the branches counts it."""
    from app.auth.actor import Actor
    from app.district import filters
    from tests.test_transfer import _inside
    bx.open()
    _inside(bx, app)  # a transfer request: unit path in SA, second unit path in SB
    now = clock.now()
    for username in ("bureau", "school_admin", "other_admin", "partner"):
        with app.app_context():
            actor = Actor(db.session.execute(select(User).where(User.username == username)).scalar_one())
            for args in ({}, {"open": "true"}, {"state": "requested"}):
                flt = filters.parse(actor, args, now)
                by_or = dict(db.session.execute(select(Case.state, func.count()).where(flt.clause)
                                                .group_by(Case.state)).all())
                by_parts = {}
                for part in flt.disjoint():
                    for state, n in db.session.execute(select(Case.state, func.count()).where(part)
                                                       .group_by(Case.state)).all():
                        by_parts[state] = by_parts.get(state, 0) + n
                assert by_parts == by_or, (username, args)
    page = as_("bureau").text("/cases")
    counts = re.search(r'class="counts-line">(.*?)</p>', page, re.S).group(1)
    shown = sum(int(n) for n in re.findall(r"</a> (\d+)", counts))
    assert shown == int(re.search(r'id="total">(\d+)<', page).group(1)) == 2
