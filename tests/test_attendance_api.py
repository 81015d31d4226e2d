"""POST /attendance and GET /risk-list answer as the OpenAPI document says (closed schemas), for every
status they give: 200, 403, 404, 422; the risk list masks names for the roles that do not need them."""
from app.attendance import warning
from tests.attendance_helpers import FRI, THU, at_evening
from tests.test_openapi import Document


def test_attendance_and_risk_list_answer_as_documented(app, bx, client):
    doc = Document(client)
    at_evening()
    pupil = bx.pupil()
    body = {"absences": [{"student_id": pupil, "day": d.isoformat(), "excused": False, "reason": "未说明"}
                         for d in (THU, FRI)]}
    doc.check(bx.post("/attendance", body, as_="teacher"), "POST", "/attendance")
    doc.check(bx.post("/attendance", body, as_="supervisor"), "POST", "/attendance")            # 403
    doc.check(bx.post("/attendance", body, as_="other_admin"), "POST", "/attendance")           # 404
    doc.check(bx.post("/attendance", {"absences": [{"day": "x"}]}, as_="teacher"), "POST", "/attendance")  # 422
    with app.app_context():
        warning.run()
    for who in ("teacher", "school_admin", "head"):
        r = doc.check(bx.get("/risk-list", as_=who), "GET", "/risk-list")
        item = next(i for i in r.get_json()["items"] if i["student_id"] == pupil)
        assert item["reasons"][0]["kind"] == "absence_rate" and item["last_absence"]["day"] == FRI.isoformat()
        assert item["trackers"] == ["teacher"]
        assert ("*" in item["name"]) == (who == "head")   # the bureau head reads masked names
    doc.check(bx.get("/risk-list?unit=SA-7-1", as_="school_admin"), "GET", "/risk-list")
    doc.check(bx.get("/risk-list?unit=SA", as_="other_admin"), "GET", "/risk-list")              # 404
    doc.check(bx.get("/risk-list", as_="supervisor"), "GET", "/risk-list")                        # 403
    assert bx.get("/risk-list?unit=SB", as_="other_admin").get_json()["items"] == []
