"""A disabled child's placement (残疾儿童少年安置): after the assessment, the child is taught at home (送教
上门), in a regular class (随班就读), at a special school (特教学校) or studies outside the county (外出就读),
and may move from one to another. Teaching at home is ongoing: a teaching visit is due every
TEACHING_VISIT_EVERY; each visit logged meets this period's clock and starts the next one (the visit
leads back into its own state, which starts the state's clocks it met again), and a missed one reminds
and escalates like any clock. A dropout case closed as a special placement opens one of these.

A state's mark `placed` says an open case in it is a placement of that kind (the placements report counts
them by state, labelled with the state's names). Like every definition it imports nothing from app/.
"""
from forms.placement import (EndPlacementForm, HomeTeachingForm, OpenPlacementForm, SchoolPlacementForm,
                             TeachingVisitForm)
from forms.team import AssignForm, NoteForm

ARRANGE_WORKING_DAYS = 10                     # assessment to placement
TEACHING_VISIT_EVERY = {"working_days": 10}   # one teaching visit in each period (about twice a month)
PLACED = ["home_teaching", "regular_class", "special_school", "outside"]
PLACERS = ["school_admin", "bureau_officer"]
TEACHERS = ["class_teacher", "school_admin"]


def assign(ctx):
    ctx.add_assignee(ctx.data["username"], ctx.data["role"])


def count_teaching_visit(ctx):
    ctx.vars["teaching_visits"] = ctx.vars.get("teaching_visits", 0) + 1


def _ladder(first, second):
    return [{"level": 1, "after_working_days": 0, "notify": first},
            {"level": 2, "after_working_days": 3, "notify": second}]


def _place(name, zh, en, dest, form):
    return {"name": name, "zh": zh, "en": en, "source": ["assessed"] + [s for s in PLACED if s != dest],
            "dest": dest, "roles": PLACERS, "form": form, "occurred_on": "started_on",
            "dates": {"started_on": {"not_before": ["assessed_on"]}}}


DEFINITION = {
    "name": "placement",
    "title": {"zh": "残疾儿童安置", "en": "Placement of a disabled child"},
    "subject": {"kind": "pupil", "field": "student_id"},
    "initial": "assessed",
    "open": {"roles": PLACERS, "form": OpenPlacementForm, "occurred_on": "assessed_on", "dated_by": "assessed_on"},
    "case_dates": {"assessed_on": ("评估日期", "the assessment date")},
    "states": [
        {"name": "assessed", "zh": "已评估待安置", "en": "Assessed, to be placed", "main": True},
        {"name": "home_teaching", "zh": "送教上门", "en": "Teaching at home", "main": True, "marks": ["placed"]},
        {"name": "regular_class", "zh": "随班就读", "en": "Regular class", "main": True, "marks": ["placed"]},
        {"name": "special_school", "zh": "特教学校", "en": "Special school", "main": True, "marks": ["placed"]},
        {"name": "outside", "zh": "外出就读", "en": "Studying outside", "main": True, "marks": ["placed"]},
        {"name": "placement_ended", "zh": "安置结束", "en": "Placement ended", "main": True, "final": True},
    ],
    "triggers": [
        _place("teach_at_home", "送教上门", "Teach at home", "home_teaching", HomeTeachingForm),
        _place("place_regular_class", "安排随班就读", "Place in a regular class", "regular_class", SchoolPlacementForm),
        _place("place_special_school", "安排特教学校", "Place at a special school", "special_school",
               SchoolPlacementForm),
        _place("place_outside", "外出就读", "Studying outside", "outside", SchoolPlacementForm),
        {"name": "log_teaching_visit", "zh": "记录送教上门", "en": "Log a teaching visit", "source": "home_teaching",
         "dest": "home_teaching", "roles": TEACHERS, "form": TeachingVisitForm, "effects": [count_teaching_visit],
         "occurred_on": "visited_on", "dates": {"visited_on": {"not_before": ["assessed_on"]}}},
        {"name": "end_placement", "zh": "结束安置", "en": "End the placement", "source": PLACED, "dest": "placement_ended",
         "roles": PLACERS, "form": EndPlacementForm, "occurred_on": "ended_on"},
        {"name": "assign", "zh": "指派负责人", "en": "Assign", "source": "*", "dest": None,
         "roles": PLACERS, "form": AssignForm, "effects": [assign]},
        {"name": "add_note", "zh": "备注", "en": "Add a note", "source": "*", "dest": None,
         "roles": PLACERS + ["class_teacher"], "form": NoteForm},
    ],
    "clocks": [
        {"name": "arrange", "zh": "落实安置", "en": "Arrange the placement", "starts_on": "assessed",
         "due": [{"working_days": ARRANGE_WORKING_DAYS}], "met_by": [t for t in ("teach_at_home", "place_regular_class",
                                                                               "place_special_school", "place_outside")],
         "while_in": ["assessed"], "remind": ["school_admin"], "ladder": _ladder(["school_admin"], ["bureau_officer"])},
        {"name": "teaching_visit", "zh": "送教上门", "en": "Teaching visit", "starts_on": "home_teaching",
         "due": [TEACHING_VISIT_EVERY], "met_by": ["log_teaching_visit"], "while_in": ["home_teaching"],
         "remind": ["class_teacher"], "ladder": _ladder(["school_admin"], ["bureau_officer"])},
    ],
    "sections": [
        {"name": "assessment", "zh": "评估", "en": "Assessment", "actions": ["open"]},
        {"name": "placements", "zh": "安置", "en": "Placements",
         "actions": ["teach_at_home", "place_regular_class", "place_special_school", "place_outside"]},
        {"name": "visits", "zh": "送教记录", "en": "Teaching visits", "actions": ["log_teaching_visit"]},
        {"name": "end", "zh": "结束", "en": "End", "actions": ["end_placement"]},
    ],
}
