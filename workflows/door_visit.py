"""铁脚板摸排: a door-to-door visit to a child of compulsory age whom a register lists and the school
roster does not (四查三比对, app/registers). The child is not a pupil, so the case's subject is the
district (the register's owner) and the mismatch: one visit per mismatch. The visit is due in
VISIT_WORKING_DAYS working days, reminded and escalated like any other clock; the finding closes it.

Like every definition it imports nothing from app/.
"""
from forms.door_visit import FindingForm, OpenDoorVisitForm

VISIT_WORKING_DAYS = 10


def _open_payload(mismatch: dict, today: str, given: dict) -> dict:
    """The open form's data for a visit to the child of `mismatch` (what app/registers opens it with)."""
    note = given.get("note") or f"{mismatch['kind_label']}: {mismatch['township']} {mismatch['village']}"
    return {"district_id": mismatch["district_id"], "mismatch_id": mismatch["id"], "ordered_on": today,
            "visitor": given.get("visitor") or "", "note": note, "source": "registry"}


DEFINITION = {
    "name": "door_visit",
    "title": {"zh": "铁脚板摸排", "en": "Door-to-door check"},
    "subject": {"kind": "unit", "field": "district_id", "unit_kinds": ["district"], "key": ["mismatch_id"]},
    "initial": "searching",
    "open": {"roles": ["bureau_officer"], "form": OpenDoorVisitForm, "occurred_on": "ordered_on",
             "dated_by": "ordered_on"},
    "case_dates": {"ordered_on": ("派发日期", "the day the visit was ordered")},
    "states": [
        {"name": "searching", "zh": "摸排中", "en": "Visit pending", "main": True},
        {"name": "visit_done", "zh": "已核实", "en": "Checked", "main": True, "final": True},
    ],
    "triggers": [
        {"name": "record_finding", "zh": "登记摸排结果", "en": "Record the finding", "source": "searching",
         "dest": "visit_done", "roles": ["bureau_officer"], "form": FindingForm, "occurred_on": "visited_on",
         "dates": {"visited_on": {"not_before": ["ordered_on"]}}},
    ],
    "clocks": [
        {"name": "door_check", "zh": "上门核实", "en": "Door-to-door visit", "starts_on": "searching",
         "due": [{"working_days": VISIT_WORKING_DAYS}], "met_by": ["record_finding"], "while_in": ["searching"],
         "remind": ["bureau_officer"],
         "ladder": [{"level": 1, "after_working_days": 0, "notify": ["bureau_officer"]},
                    {"level": 2, "after_working_days": 3, "notify": ["bureau_head"]}]},
    ],
    "registry": {"opens_for": "unenrolled", "payload": _open_payload},
}
