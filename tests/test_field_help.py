"""Field help: one text per field in its form class (`description=`), shown under the field on the
pages and read out with it (aria-describedby), and the same text as the property's `description` in
the OpenAPI document (Chinese; English when the client sends Accept-Language: en)."""
from html.parser import HTMLParser

from app.engine import machine
from tests.web import Browser
from workflows import ALL

VISIT_DATE_ZH = "实际上门的日期（不是录入的日期），不能晚于今天，也不能早于发现日期。"
VISIT_DATE_EN = "The day of the visit itself (not the day it is typed in): not after today, not before the detection date."


class Elements(HTMLParser):
    """Every element's attributes by id, and the text inside each element that has an id."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id, self.text, self.open = {}, {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            assert a["id"] not in self.by_id, f"duplicate id {a['id']}"
            self.by_id[a["id"]] = {"tag": tag, **a}
            self.text[a["id"]] = ""
        if tag not in ("input", "br", "meta", "link", "img"):
            self.open.append(a.get("id"))

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "meta", "link", "img") and self.open:
            self.open.pop()

    def handle_data(self, data):
        for i in self.open:
            if i:
                self.text[i] += data

    def description_of(self, element_id: str) -> str:
        ids = self.by_id[element_id].get("aria-describedby", "").split()
        return " ".join(self.text[i].strip() for i in ids)


def _visiting_case_page(app, bx, lang="zh"):
    case = bx.case_in("visiting")
    teacher = Browser(app, "teacher")
    if lang == "en":
        teacher.post("/language", {"lang": "en", "next": "/work"})
    return Elements(teacher.text(f"/cases/{case['id']}"))


def test_the_visit_form_shows_each_field_s_help_tied_to_its_input(app, bx):
    page = _visiting_case_page(app, bx)
    visited_on = page.by_id["log_visit-visited_on"]
    assert visited_on["name"] == "visited_on" and visited_on["type"] == "date"
    assert page.description_of("log_visit-visited_on") == VISIT_DATE_ZH
    assert page.by_id["log_visit-visited_on-help"]["tag"] == "small"
    # a select, a free list of names and a text area carry theirs the same way
    assert "算一次未成功的家访" in page.description_of("log_visit-outcome")
    assert page.description_of("log_visit-visitors") == "多人用逗号或顿号分隔。"
    assert "宣讲义务教育法" in page.description_of("log_visit-content")


def test_the_help_is_translated_on_an_english_page(app, bx):
    page = _visiting_case_page(app, bx, lang="en")
    assert page.description_of("log_visit-visited_on") == VISIT_DATE_EN


def test_a_refused_form_keeps_the_help_beside_the_error(app, bx):
    case = bx.case_in("visiting")
    teacher = Browser(app, "teacher")
    r = teacher.post(f"/cases/{case['id']}/actions/log_visit", {"version": case["version"], "visited_on": "",
                                                                  "outcome": "failed"})
    assert r.status_code == 422
    page = Elements(r.get_data(as_text=True))
    assert page.description_of("log_visit-visited_on") == VISIT_DATE_ZH


def test_the_open_form_and_the_admin_forms_show_their_help(app, district):
    teacher = Browser(app, "teacher")
    page = Elements(teacher.text("/cases/new"))
    assert "上报时限从这天起按工作日计算" in page.description_of("detected_on")
    admin = Browser(app, "admin")
    users = Elements(admin.text("/admin/users"))
    assert "班主任填班级" in users.description_of("unit")
    calendar = Elements(admin.text("/admin/calendar"))
    assert "调休补班" in calendar.description_of("kind")
    upload = Elements(admin.text("/admin/import"))
    assert "UTF-8 或 GBK" in upload.description_of("file")


def _payload_schema(spec, trigger):
    return spec["paths"][f"/cases/{{case_id}}/transitions/{trigger}"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]


def test_openapi_carries_the_same_help_in_chinese_and_on_request_in_english(client, district):
    zh = client.get("/api/v1/openapi.json")
    assert "Accept-Language" in zh.headers["Vary"]
    visit = _payload_schema(zh.get_json(), "log_visit")["properties"]
    assert visit["visited_on"]["description"] == VISIT_DATE_ZH and visit["visited_on"]["title"] == "家访日期"
    assert "回访节点" == _payload_schema(zh.get_json(), "log_follow_up")["properties"]["checkpoint"]["title"]
    reasons = _payload_schema(zh.get_json(), "report")["properties"]["reasons"]
    assert "经济困难" in reasons["description"]

    en = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    visit_en = _payload_schema(en, "log_visit")["properties"]
    assert visit_en["visited_on"]["description"] == VISIT_DATE_EN and visit_en["visited_on"]["title"] == "Home visit date"
    # the pupil of POST /students and the open form of POST /cases too
    pupil = en["paths"]["/students"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "2013年1月4日" in pupil["properties"]["birth_date"]["description"]
    assert en["paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"] != zh.get_json()[
        "paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_every_field_of_every_workflow_form_has_help(app):
    """Each field a person fills in a case step says what to write (the forms are the one schema)."""
    missing = []
    shipped = {raw["name"] for raw in ALL}  # not a toy workflow another test registered in this process
    for defn in (d for d in machine.registered().values() if d.name in shipped):
        forms = [defn.open_form] + [t.form for t in defn.triggers.values() if t.form]
        for form_cls in set(forms):
            for f in form_cls(meta={"csrf": False}):
                if not str(f.description).strip():
                    missing.append(f"{form_cls.__name__}.{f.name}")
    assert not missing
