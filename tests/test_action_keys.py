"""An action form posted twice with the same client key is recorded once (a queued offline home visit
sent again, a double click, a replay): the second post is answered as done, pointing at the record the
first made. The key is checked before the version (a replay carries the old one) but after the scope
(out of scope stays 404). Through the pages (the test client) and the engine."""
import pytest
from sqlalchemy import func, select

from app.auth.actor import Actor
from app.engine.operations import fire
from app.errors import AlreadyDone
from app.extensions import db
from app.models import ActionKey, CaseEvent, User
from tests.district import app_today
from tests.payloads import VALID
from tests.web import Browser, form_fields

KEY = "visit-0f3c9a2e-offline"


def visit_form(version: int, key: str | None = KEY) -> dict:
    body = {**VALID["log_visit"], "visited_on": app_today()}
    data = form_fields(body)
    data["version"] = str(version)
    if key is not None:
        data["client_key"] = key
    return data


def visits(app, case_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseEvent)
                                 .where(CaseEvent.case_id == case_id, CaseEvent.action == "log_visit"))


def test_the_same_key_twice_is_recorded_once_and_answered_as_done(app, bx):
    case = bx.case_in("visiting")
    teacher = Browser(app, "teacher")
    url = f"/cases/{case['id']}/actions/log_visit"
    first = teacher.post(url, visit_form(case["version"]))
    assert first.status_code == 302 and visits(app, case["id"]) == 1
    again = teacher.post(url, visit_form(case["version"]))  # the old version: a replay of the queued post
    assert again.status_code == 302 and visits(app, case["id"]) == 1
    with app.app_context():
        recorded = db.session.execute(select(ActionKey)).scalar_one()
        seq = db.session.scalar(select(CaseEvent.seq).where(CaseEvent.case_id == case["id"],
                                                            CaseEvent.action == "log_visit"))
        assert (recorded.client_key, recorded.action, recorded.seq) == (KEY, "log_visit", seq)
    assert again.headers["Location"].endswith(f"#event-{recorded.seq}")
    page = teacher.text(again.headers["Location"].split("#")[0])
    assert "此前已提交，未重复记录" in page
    assert KEY in page  # the page tells the phone its draft arrived (data-done-keys)


def test_a_new_key_is_a_new_visit(app, bx):
    case = bx.case_in("visiting")
    teacher = Browser(app, "teacher")
    url = f"/cases/{case['id']}/actions/log_visit"
    assert teacher.post(url, visit_form(case["version"], "first-visit-key")).status_code == 302
    assert teacher.post(url, visit_form(case["version"] + 1, "second-visit-key")).status_code == 302
    assert visits(app, case["id"]) == 2


def test_without_a_key_the_version_still_refuses_a_second_post(app, bx):
    case = bx.case_in("visiting")
    teacher = Browser(app, "teacher")
    url = f"/cases/{case['id']}/actions/log_visit"
    assert teacher.post(url, visit_form(case["version"], None)).status_code == 302
    assert teacher.post(url, visit_form(case["version"], None)).status_code == 409
    assert visits(app, case["id"]) == 1


@pytest.mark.parametrize("key", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>"])
def test_a_malformed_key_is_refused_naming_the_field(app, bx, key):
    case = bx.case_in("visiting")
    r = Browser(app, "teacher").post(f"/cases/{case['id']}/actions/log_visit", visit_form(case["version"], key))
    assert r.status_code == 422 and "client_key" in r.get_data(as_text=True)
    assert visits(app, case["id"]) == 0


def test_another_users_key_is_not_theirs_to_confirm(app, bx):
    case = bx.case_in("visiting")
    url = f"/cases/{case['id']}/actions/log_visit"
    assert Browser(app, "teacher").post(url, visit_form(case["version"])).status_code == 302
    r = Browser(app, "school_admin").post(url, visit_form(case["version"] + 1))
    assert r.status_code == 422 and visits(app, case["id"]) == 1


def test_out_of_scope_is_404_before_the_key_is_looked_at(app, bx):
    case = bx.case_in("visiting")
    url = f"/cases/{case['id']}/actions/log_visit"
    assert Browser(app, "teacher").post(url, visit_form(case["version"])).status_code == 302
    assert Browser(app, "other_teacher").post(url, visit_form(case["version"])).status_code == 404


def test_the_engine_answers_a_repeated_key_with_the_event_it_became(app, bx):
    case = bx.case_in("visiting")
    body = {**VALID["log_visit"], "visited_on": app_today()}
    with app.app_context():
        actor = Actor(db.session.execute(select(User).where(User.username == "teacher")).scalar_one())
        fire(case["id"], "log_visit", actor, body, version=case["version"], client_key=KEY)
        with pytest.raises(AlreadyDone) as done:
            fire(case["id"], "log_visit", actor, body, version=case["version"], client_key=KEY)
        assert done.value.seq == db.session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case["id"]))
    assert visits(app, case["id"]) == 1


def test_the_api_takes_a_client_key_too(app, bx):
    """A client that lost the answer posts again with the same key: 200 with the case, one visit."""
    case = bx.case_in("visiting")
    body = {"client_key": "api-retry-7f3e21", "visited_on": app_today()}
    first = bx.fire(case["id"], "log_visit", "teacher", **body)
    assert first.status_code == 200 and visits(app, case["id"]) == 1
    again = bx.fire(case["id"], "log_visit", "teacher", version=case["version"], **body)  # the old version
    assert again.status_code == 200 and visits(app, case["id"]) == 1
    assert again.get_json()["version"] == first.get_json()["version"]
    theirs = bx.fire(case["id"], "log_visit", "school_admin", **body)  # someone else's key: not theirs to confirm
    assert theirs.status_code == 422 and "client_key" in theirs.get_json()["fields"]
    bad = bx.fire(case["id"], "log_visit", "teacher", client_key="x", visited_on=app_today())
    assert bad.status_code == 422 and "client_key" in bad.get_json()["fields"] and visits(app, case["id"]) == 1
