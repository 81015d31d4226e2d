"""Dates say when things happened in the world: every date a form carries is checked (not after today
in Shanghai, not before the pupil's birth, in order with the case's own dates), visits count for their
round by their date, and the figures count events by the day they happened, not the day they were typed.

The district's pupils are born 2012-03-02 .. 2012-03-09 (SA-7-1) and 2012-03-21 (SB's pupil).
"""
import csv
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text, update

from app import clock

from app.audit import chain as audit
from app.extensions import db
from app.models import Case, CaseEvent
from tests.payloads import VALID
from tests.web import Browser, form_fields

DEC_2 = datetime(2026, 12, 2, 2, 0)          # 10:00 on 2 December in Shanghai
LATE_DEC_1 = datetime(2026, 12, 1, 17, 0)    # 01:00 on 2 December in Shanghai, still 1 December in UTC


@pytest.fixture
def dec(bx):
    clock.freeze(DEC_2)
    return bx


def opened(bx, detected_on="2026-11-02", pupil=None):
    return bx.open(pupil, detected_on=detected_on)


def walk(bx, case, steps):
    for trigger, who, *fields in steps:
        case = bx.step(case["id"], trigger, who, **(fields[0] if fields else {}))
    return case


def ready(bx, case, trigger):
    """A case where `trigger` may be fired: enrolled elsewhere needs an accepted transfer of the pupil."""
    if trigger == "close_enrolled_elsewhere":
        bx.transfer_accepted(case["pupil"]["id"])
    return case


TO = {  # trigger -> (its date field, the steps from a case detected 2026-11-02 to where it may be fired, who)
    "report": ("dropout_date", [], "school_admin"),
    "log_visit": ("visited_on", [("report", "school_admin"), ("start_visits", "school_admin")], "teacher"),
    "re_enroll": ("return_date", [("report", "school_admin"), ("start_visits", "school_admin")], "school_admin"),
    "log_joint_action": ("acted_on", [("report", "school_admin"), ("start_visits", "school_admin"),
                                      ("log_visit", "teacher"), ("log_visit", "teacher"),
                                      ("escalate_joint", "school_admin")], "bureau"),
    # back on 20 Nov: the first checkpoint (due 4 Dec) may be logged from 1 Dec, so "today" is in its window
    "log_follow_up": ("checked_on", [("report", "school_admin", {"dropout_date": "2026-11-05"}),
                                     ("start_visits", "school_admin"),
                                     ("re_enroll", "school_admin", {"return_date": "2026-11-20"})], "teacher"),
    "relapse": ("absent_since", [("report", "school_admin"), ("start_visits", "school_admin"),
                                 ("re_enroll", "school_admin")], "teacher"),
    "close_enrolled_elsewhere": ("transfer_date", [], "bureau"),
    "close_special_placement": ("placed_on", [], "bureau"),
}


def refused(bx, case, trigger, who, field, value, *words):
    before = bx.footprint(case["id"])
    r = bx.fire(case["id"], trigger, who, **{field: value})
    assert r.status_code == 422, r.get_json()
    message = r.get_json()["fields"][field]
    assert " / " in message and all(w in message for w in words), message
    assert bx.footprint(case["id"]) == before  # nothing written
    return message


@pytest.mark.parametrize("trigger", list(TO))
def test_every_form_date_in_the_future_is_refused_naming_the_field(dec, trigger):
    field, steps, who = TO[trigger]
    case = ready(dec, walk(dec, opened(dec), steps), trigger)
    refused(dec, case, trigger, who, field, "2026-12-03", "不能晚于今天", "cannot be in the future")
    assert dec.step(case["id"], trigger, who, **{field: "2026-12-02"})  # today is fine


def test_today_is_the_shanghai_day_not_the_utc_day(bx):
    clock.freeze(LATE_DEC_1)  # 1 December in UTC, 2 December in Shanghai
    case = opened(bx, "2026-12-01")
    assert bx.step(case["id"], "report", "school_admin", dropout_date="2026-12-02")["state"] == "reported"
    other = opened(bx, "2026-12-01")
    refused(bx, other, "report", "school_admin", "dropout_date", "2026-12-03", "cannot be in the future")


@pytest.mark.parametrize("trigger", list(TO))
def test_every_form_date_before_the_pupils_birth_is_refused(dec, trigger):
    field, steps, who = TO[trigger]
    case = ready(dec, walk(dec, opened(dec), steps), trigger)
    refused(dec, case, trigger, who, field, "2011-12-31", "早于出生日期", "before the pupil's birth date")


def test_not_before_birth_is_the_birth_of_the_pupil_the_case_belongs_to(dec):
    # SB's pupil is born 2012-03-21, SA's first pupil 2012-03-02: the same date is before one birth only
    theirs = dec.open(dec.district.other_pupil, as_="other_teacher", detected_on="2026-11-02")
    before = dec.footprint(theirs["id"])
    r = dec.fire(theirs["id"], "report", "other_admin", dropout_date="2012-03-10")
    assert r.status_code == 422 and "birth" in r.get_json()["fields"]["dropout_date"]
    assert dec.footprint(theirs["id"]) == before
    ours = opened(dec)
    assert dec.step(ours["id"], "report", "school_admin", dropout_date="2012-03-10")["state"] == "reported"


ORDER = [  # trigger, field, a date before the case's own date it must follow, the words naming that date
    ("log_visit", "visited_on", "2026-11-01", ["发现日期", "the detection date (2026-11-02)"]),
    ("log_joint_action", "acted_on", "2026-11-01", ["发现日期", "the detection date"]),
    ("re_enroll", "return_date", "2026-11-04", ["辍学日期", "the dropout date (2026-11-05)"]),
    ("log_follow_up", "checked_on", "2026-11-19", ["返校日期", "the return date (2026-11-20)"]),
    ("relapse", "absent_since", "2026-11-19", ["返校日期", "the return date"]),
]


@pytest.mark.parametrize("trigger, field, value, words", ORDER, ids=[o[0] for o in ORDER])
def test_dates_are_in_order_with_the_cases_own_dates(dec, trigger, field, value, words):
    case = opened(dec, "2026-11-02")
    steps = [("report", "school_admin", {"dropout_date": "2026-11-05"}), ("start_visits", "school_admin")]
    if trigger == "log_joint_action":
        steps += [("log_visit", "teacher"), ("log_visit", "teacher"), ("escalate_joint", "school_admin")]
    if trigger in ("log_follow_up", "relapse"):
        steps += [("re_enroll", "school_admin", {"return_date": "2026-11-20"})]
    case = walk(dec, case, steps)
    refused(dec, case, trigger, TO[trigger][2], field, value, "不能早于", *words)
    day_after = (date.fromisoformat(value) + timedelta(days=1)).isoformat()  # the case's own date is fine
    if trigger == "log_follow_up":  # ... and a follow-up must also fall in its checkpoint's window (from 1 Dec)
        day_after = "2026-12-02"
    assert dec.step(case["id"], trigger, TO[trigger][2], **{field: day_after})


def test_a_dropout_date_before_detection_is_accepted(dec):
    # a pupil is often found out of school days after they stopped coming: that is not out of order
    case = opened(dec, "2026-11-20")
    assert dec.step(case["id"], "report", "school_admin", dropout_date="2026-11-02")["state"] == "reported"


def test_the_case_records_its_own_dates(dec):
    case = walk(dec, opened(dec, "2026-11-02"), [("report", "school_admin", {"dropout_date": "2026-11-05"}),
                                                 ("start_visits", "school_admin"),
                                                 ("re_enroll", "school_admin", {"return_date": "2026-11-20"})])
    with dec.app.app_context():
        kept = db.session.get(Case, case["id"]).vars["dates"]
    assert kept == {"dropout_date": "2026-11-05", "return_date": "2026-11-20", "visiting_since": "2026-12-02"}


def failed_visit(bx, case, visited_on):
    return bx.step(case["id"], "log_visit", "teacher", visited_on=visited_on, outcome="failed")


def test_visits_count_for_the_round_by_their_date(bx):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    case = walk(bx, opened(bx, "2026-11-02"), [("report", "school_admin"), ("start_visits", "school_admin")])
    # two failed visits dated before the case entered visiting (20 Nov): recorded, not this round's
    failed_visit(bx, case, "2026-11-05")
    failed_visit(bx, case, "2026-11-19")
    r = bx.fire(case["id"], "escalate_joint", "school_admin")
    assert r.status_code == 422 and "logged: 0" in r.get_json()["fields"]["visits"]
    # a visit on 21 Nov typed on 2 Dec, with its real date, counts
    clock.freeze(DEC_2)
    failed_visit(bx, case, "2026-11-21")
    r = bx.fire(case["id"], "escalate_joint", "school_admin")
    assert r.status_code == 422 and "logged: 1" in r.get_json()["fields"]["visits"]
    failed_visit(bx, case, "2026-11-20")  # the day visiting started counts
    assert bx.step(case["id"], "escalate_joint", "school_admin")["state"] == "joint_return"
    with bx.app.app_context():
        assert db.session.get(Case, case["id"]).vars["visits_total"] == 4


def test_after_a_relapse_the_round_starts_at_the_relapse(bx):
    clock.freeze(datetime(2026, 11, 10, 2, 0))
    case = walk(bx, opened(bx, "2026-11-02"), [("report", "school_admin"), ("start_visits", "school_admin"),
                                              ("re_enroll", "school_admin")])
    clock.freeze(DEC_2)
    case = bx.step(case["id"], "relapse", "teacher", absent_since="2026-11-25")
    assert case["state"] == "visiting"
    failed_visit(bx, case, "2026-11-24")  # before the pupil was absent again: not this round's
    failed_visit(bx, case, "2026-11-26")
    r = bx.fire(case["id"], "escalate_joint", "school_admin")
    assert r.status_code == 422 and "logged: 1" in r.get_json()["fields"]["visits"]
    failed_visit(bx, case, "2026-11-25")
    assert bx.step(case["id"], "escalate_joint", "school_admin")["state"] == "joint_return"


def test_a_visit_typed_in_december_dated_in_november_is_in_novembers_figures(bx):
    clock.freeze(datetime(2026, 11, 3, 2, 0))
    case = walk(bx, opened(bx, "2026-11-02"), [("report", "school_admin", {"dropout_date": "2026-11-02"}),
                                              ("start_visits", "school_admin")])
    clock.freeze(DEC_2)
    failed_visit(bx, case, "2026-11-20")
    bx.step(case["id"], "re_enroll", "school_admin", return_date="2026-11-25")
    events = bx.events(case["id"])
    visit = next(e for e in events if e["action"] == "log_visit")
    assert visit["at"].startswith("2026-12-02") and visit["occurred_on"] == "2026-11-20"  # both kept

    exported = csv.DictReader(io.StringIO(bx.get(f"/cases/{case['id']}/timeline.csv").get_data(as_text=True)))
    row = next(r for r in exported if r["action"] == "log_visit")
    assert row["occurred_on"] == "2026-11-20" and row["at"].startswith("2026-12-02")

    nov = bx.get("/reports/monthly?month=2026-11&school=SA", as_="school_admin").get_json()["totals"]
    dec = bx.get("/reports/monthly?month=2026-12&school=SA", as_="school_admin").get_json()["totals"]
    assert (nov["visits"], nov["returned"], nov["reported"], nov["out_at_end"]) == (1, 1, 1, 0)
    assert (dec["visits"], dec["returned"], dec["reported"]) == (0, 0, 0)
    district = bx.get("/reports/district?period=2026-11", as_="bureau").get_json()["totals"]
    assert (district["visits"], district["returned"]) == (1, 1)

    d = bx.get("/dashboard", as_="bureau").get_json()
    trend = {t["month"]: t["re_enrolled"] for t in d["trend"]}
    assert (trend["2026-11"], trend["2026-12"]) == (1, 0)
    assert {v["username"]: v["visits"] for v in d["home_visits"]}["teacher"] == 1


def test_home_visits_count_in_the_semester_of_their_date(bx):
    # the autumn semester ends 31 January: a visit on 20 January typed on 3 February is the autumn's
    clock.freeze(datetime(2027, 1, 15, 2, 0))
    case = walk(bx, opened(bx, "2027-01-14"), [("report", "school_admin"), ("start_visits", "school_admin")])
    clock.freeze(datetime(2027, 2, 3, 2, 0))
    failed_visit(bx, case, "2027-01-20")
    failed_visit(bx, case, "2027-02-02")
    spring = bx.get("/dashboard", as_="bureau").get_json()
    assert {v["username"]: v["visits"] for v in spring["home_visits"]}["teacher"] == 1
    clock.freeze(datetime(2027, 1, 31, 2, 0))
    autumn = bx.get("/dashboard", as_="bureau").get_json()
    assert {v["username"]: v["visits"] for v in autumn["home_visits"]}["teacher"] == 1


def test_the_hashed_event_says_when_it_happened_and_the_chain_verifies(dec):
    case = walk(dec, opened(dec), [("report", "school_admin", {"dropout_date": "2026-11-01"})])
    with dec.app.app_context():
        report = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case["id"],
                                                            CaseEvent.action == "report")).scalar_one()
        assert report.data["occurred_on"] == "2026-11-01" and report.occurred_on == date(2026, 11, 1)
        assert audit.verify()["ok"]


# --- a pupil's birth date --------------------------------------------------------------------------

def pupil_body(**kw):
    body = {"student_no": "G522601201503010010", "name": "新生", "gender": "M", "birth_date": "2015-03-01",
            "class_code": "SA-7-1"}
    return {**body, **kw}


def test_a_pupil_born_in_the_future_is_refused_by_the_api(dec):
    r = dec.post("/students", pupil_body(student_no="G522601202612030015", birth_date="2026-12-03"),
                 as_="school_admin")
    assert r.status_code == 422, r.get_json()
    assert "cannot be in the future" in r.get_json()["fields"]["birth_date"]
    assert dec.get("/students?q=新生", as_="school_admin").get_json()["items"] == []


def test_a_roster_row_born_in_the_future_is_a_row_error(dec):
    header = "student_no,name,gender,birth_date,class_code\n"
    rows = "G522601202612030015,新生,M,2026-12-03,SA-7-1\nG52260120261202001X,今天生,F,2026-12-02,SA-7-1\n"
    r = dec.client.post("/api/v1/students/import", data={"file": (io.BytesIO((header + rows).encode()), "r.csv")},
                        headers=dec.headers("school_admin"), content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    errors = {e["line"]: e["errors"] for e in r.get_json()["errors"]}
    assert "cannot be in the future" in errors[2]["birth_date"]
    assert "birth_date" not in errors.get(3, {})  # born today is not in the future


# --- the case page ---------------------------------------------------------------------------------

def test_the_page_shows_the_refused_date_in_the_readers_language(dec):
    case = walk(dec, opened(dec), [("report", "school_admin"), ("start_visits", "school_admin")])
    b = Browser(dec.app, "teacher")
    before = dec.footprint(case["id"])
    data = form_fields(dict(VALID["log_visit"], visited_on="2026-11-01"))
    data["version"], data["seen_seq"] = str(case["version"]), "0"
    r = b.post(f"/cases/{case['id']}/actions/log_visit", data)
    assert r.status_code == 422
    field = r.get_data(as_text=True).split('data-field="visited_on"')[1].split("</div>")[0]
    assert "家访日期不能早于发现日期" in field and "cannot be before" not in field
    assert dec.footprint(case["id"]) == before


# --- migration 0011: old events get occurred_on from their own (hashed) form, and still verify ---------

def test_migration_backfills_old_events_from_their_form_and_the_chain_still_verifies(dec):
    from flask_migrate import downgrade, upgrade
    case = walk(dec, opened(dec, "2026-11-02"), [("report", "school_admin", {"dropout_date": "2026-11-01"})])
    with dec.app.app_context():
        head = db.session.execute(select(Case.last_seq, Case.last_hash).where(Case.id == case["id"])).one()
        db.session.remove()
        try:
            downgrade(revision="0010")
            # an event as the engine wrote it before 0011: no occurred_on anywhere
            at = datetime(2026, 12, 2, 3, 0)
            old = audit.prepare(case["id"], tuple(head), actor_id=None, actor="teacher", role="class_teacher",
                                action="log_visit", from_state="visiting", to_state="visiting",
                                data={"form": {"visited_on": "2026-11-20"}}, at=at)
            columns = ("case_id", "seq", "at", "actor_id", "actor", "role", "action", "from_state", "to_state",
                       "data", "prev_hash", "hash")
            table = CaseEvent.__table__
            db.session.execute(insert(table).values({c: old[c] for c in columns}))
            db.session.execute(update(Case.__table__).where(Case.__table__.c.id == case["id"])
                               .values(last_seq=old["seq"], last_hash=old["hash"]))
            db.session.commit()
        finally:
            db.session.remove()
            upgrade()
        rows = dict(db.session.execute(select(CaseEvent.action, CaseEvent.occurred_on)
                                       .where(CaseEvent.case_id == case["id"])).all())
        assert rows == {"open": date(2026, 11, 2), "report": date(2026, 11, 1), "log_visit": date(2026, 11, 20)}
        assert audit.verify()["ok"]
        # and the table is append-only again
        with pytest.raises(Exception):
            db.session.execute(text("UPDATE case_events SET occurred_on = NULL"))
            db.session.commit()
        db.session.rollback()



# --- the definition names only dates that exist -------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda t, s: t["log_visit"].update(dates={"visited_on": {"not_before": ["nonsense"]}}),
     "ordered after unknown case date 'nonsense'"),
    (lambda t, s: t["log_visit"].update(occurred_on="outcome"), "'outcome' is not a date field"),
    (lambda t, s: t["report"].update(records=["return_date"]), "'return_date' is not a date field"),
    (lambda t, s: s["visiting"].update(stamps="since_whenever"), "stamps unknown case date"),
])
def test_a_definition_naming_a_date_that_does_not_exist_is_refused_at_start_up(change, message):
    import copy

    from app.engine import definition
    from app.auth.roles import ROLES
    from workflows.dropout import DEFINITION
    raw = copy.deepcopy(DEFINITION)
    change({t["name"]: t for t in raw["triggers"]}, {s["name"]: s for s in raw["states"]})
    with pytest.raises(definition.DefinitionError, match=message):
        definition.build(raw, ROLES)
