"""The response bodies of /api/v1 as JSON Schemas (OpenAPI 3.0 components), built from the sources
the code answers from: the workflow definitions (states, triggers, clocks), the forms' choice lists,
the report columns and targets, the pupil flags. A value the code guarantees is `required`; an object
whose keys the code fixes is closed (`additionalProperties: false`), so a conformance check catches
a field added or dropped without the document.
"""
from app.privacy.access_log import WHAT
from app.engine import machine
from app.audit.history import ADMIN_ACTIONS
from app.attendance.risk import KINDS as RISK_KINDS
from app.models.pupils import FLAGS
from app.reports import TARGETS, reported_workflows
from app.reports.monthly import COUNT_FIELDS
from app.auth.roles import ROLE_CHOICES
from forms.base import REASONS
from forms.intake import SOURCES
from app.registers import KINDS as MISMATCH_KINDS
from app.registers import REGISTERS, STATUSES as MISMATCH_STATUSES
from forms.registers import DISMISS_REASONS
from app.ledgers import ENTRY_KINDS as LEDGER_ENTRY_KINDS, LEDGERS

INT = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
ID = {"type": "integer", "minimum": 1}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
RATE = {"type": "number", "minimum": 0, "nullable": True}  # None: no enrolment to divide by
# (enrolment - out of school) / enrolment: below 0 when more pupils are out than enrolled
RETENTION = {"type": "number", "maximum": 1, "nullable": True}
ROLES = [value for value, _ in ROLE_CHOICES]
REASON_CODES = [code for code, _ in REASONS]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


def obj(props: dict, *, optional=(), closed: bool = True, **extra) -> dict:
    """An object with `props`, all required but `optional`; closed unless the keys are data."""
    return {"type": "object", "properties": props, "required": [k for k in props if k not in optional],
            "additionalProperties": not closed, **extra}


def counts_of(keys) -> dict:
    return obj({k: COUNT for k in keys})


# The counts and links of every list page (app/web/paging.py): `total` is exact up to a cap and the
# planner's estimate past it (`total_exact` says which); `next` is this request's URL with the next page's
# `after` cursor (`next_after`), null on the last page and for lists that page by number only.
PAGE_META = {"page": ID, "per_page": ID, "total": COUNT, "total_exact": BOOL, "pages": COUNT,
             "next_after": nullable(STR), "next": nullable(STR)}


def page_of(item: str, **extra_props) -> dict:
    return obj({"items": array(ref(item)), **PAGE_META, **extra_props})


def _register_schemas() -> dict:
    """四查三比对 (app/api/registers.py)."""
    mismatch = obj({
        "id": ID, "district_id": ID, "kind": {"type": "string", "enum": list(MISMATCH_KINDS)}, "kind_label": STR,
        "id_number": {**STR, "description": "masked in lists"}, "name": STR, "birth_date": nullable(DATE),
        "township": STR, "village": STR, "guardian": STR, "pupil_id": nullable(ID), "known_case_id": nullable(ID),
        "found_at": DATETIME, "resolved_at": nullable(DATETIME),
        "status": {"type": "string", "enum": list(MISMATCH_STATUSES)}, "case_id": nullable(ID),
        "reason": nullable({"type": "string", "enum": [c for c, _ in DISMISS_REASONS]}),
        "receipt_no": nullable(STR), "evidence": nullable(STR), "reviewed_by": nullable(STR),
        "reviewed_at": nullable(DATETIME)})
    by_kind = obj({k: COUNT for k in MISMATCH_KINDS})
    maybe = nullable(INT)
    return {
        "Mismatch": mismatch,
        "MismatchReviewed": {"allOf": [mismatch, {"type": "object", "required": ["case_id"]}]},
        "MismatchPage": page_of("Mismatch"),
        "RegisterImport": obj({"id": ID, "register": {"type": "string", "enum": list(REGISTERS)}, "at": DATETIME,
                               "actor": STR, "via": STR, "filename": STR, "rows": COUNT, "inserted": COUNT,
                               "updated": COUNT, "deleted": COUNT}),
        "CompareRun": obj({"school_year": INT, "cutoff": DATE, "found": COUNT, "new": COUNT, "changed": COUNT,
                           "resolved": COUNT}),
        "VisitList": obj({"district": STR, "villages": array(obj({
            "township": STR, "village": STR, "visits": array(obj({
                "mismatch": ref("Mismatch"), "visitor": STR, "due_on": nullable(DATE),
                "level": {"type": "integer", "minimum": 0, "maximum": 3}}))}))}),
        "ThreeUnified": obj({"school_year": INT, "baoxue_confirmed": COUNT, "xueji_other_left": maybe,
                             "poverty_dropouts": maybe, "xueji_difference": maybe, "poverty_difference": maybe,
                             "unified": BOOL}),
        "RegisterReport": obj({"district": STR, "three_unified": ref("ThreeUnified"), "by_township": obj({
            "kinds": array({"type": "string", "enum": list(MISMATCH_KINDS)}),
            "rows": array(obj({"township": STR, "counts": by_kind, "total": COUNT, "open": COUNT})),
            "totals": obj({"counts": by_kind, "total": COUNT, "open": COUNT})})}),
    }


def _recheck_schemas(w: dict) -> dict:
    """The county's quarterly re-check (app/api/rechecks.py, app/rechecks)."""
    draw = obj({"id": ID, "quarter": {"type": "string", "pattern": r"^\d{4}-Q[1-4]$"}, "seed": COUNT,
                "share": {"type": "integer", "minimum": 1, "maximum": 100}, "minimum": COUNT, "population": COUNT,
                "drawn": array(ID, description="the pupils drawn, in the order drawn"), "drawn_at": DATETIME,
                "drawn_by": STR})
    check = obj({"pupil_id": ID, "name": {**STR, "description": "masked"}, "case_id": nullable(ID),
                 "state": nullable({"type": "string", "enum": w["states"]}), "state_zh": nullable(STR),
                 "state_en": nullable(STR), "final": BOOL})
    return {"RecheckDraw": draw, "RecheckCheck": check, "Rechecks": obj({
        "quarter": {"type": "string", "pattern": r"^\d{4}-Q[1-4]$"}, "district": STR, "district_name": STR,
        "draw": {"allOf": [ref("RecheckDraw")], "nullable": True},  # null: the quarter is not drawn yet
        "checks": array(ref("RecheckCheck")), "done": COUNT})}


def _ledger_schemas(w: dict) -> dict:
    """The three ledgers (app/api/ledgers.py, app/ledgers/entries.py)."""
    counts = obj({k: COUNT for k in ("school_age", "suspected", "confirmed", "suspected_struck",
                                     "confirmed_struck")})
    school_age = obj({"kind": {"type": "string", "enum": list(LEDGER_ENTRY_KINDS)}, "id": ID,
                      "name": {**STR, "description": "masked"}, "number": {**STR, "description": "masked"},
                      "birth_year": INT, "school": nullable(STR), "school_name": nullable(STR),
                      "class_name": nullable(STR), "township": STR, "village": STR})
    case = {"case_id": ID, "pupil_id": ID, "name": STR, "student_no": STR, "school": STR, "school_name": STR,
            "class_name": STR, "state": {"type": "string", "enum": w["states"]}, "state_zh": STR, "state_en": STR,
            "detected_on": DATE, "confirmed": BOOL}
    struck = obj({**case, "struck_on": DATE, "struck_at": DATETIME, "step": {"type": "string", "enum": w["triggers"]},
                  "step_zh": STR, "step_en": STR, "by": STR, "to_state": {"type": "string", "enum": w["states"]},
                  "evidence": array(obj({"label": STR, "value": STR}))})
    ledger_page = page_of("SchoolAgeEntry", ledger={"type": "string", "enum": list(LEDGERS)}, history=BOOL,
                          school=nullable(STR), counts=ref("LedgerCounts"))
    # the items are of the ledger's kind: school-age children, cases now listed, or strike-offs (history=1)
    ledger_page["properties"]["items"] = array({"oneOf": [ref("SchoolAgeEntry"), ref("LedgerEntry"),
                                                          ref("StruckEntry")]})
    visit = obj({"source": {"type": "string", "enum": ["register", "case"]}, "id": ID, "pupil_id": ID,
                 "pupil": {**STR, "description": "masked"}, "class_name": nullable(STR), "school_name": nullable(STR),
                 "visited_on": nullable(DATE), "case_id": nullable(ID), "visitors": array(STR), "met_with": STR,
                 "content": STR, "situation": STR, "next_step": STR, "recorded_by": STR, "role": STR})
    return {"HomeVisit": visit, "HomeVisitPage": page_of("HomeVisit"), "LedgerCounts": counts, "SchoolAgeEntry": school_age, "LedgerEntry": obj(case), "StruckEntry": struck,
            "LedgerPage": ledger_page}


# The types of the workflows' fields the API's clients read (the dropout case's); any other field of a
# workflow is documented as a value of any type.
FIELD_TYPES = {"confirmed": BOOL, "reasons": array({"type": "string", "enum": REASON_CODES}), "detected_on": DATE}


def _workflow_sets() -> dict:
    defns = list(machine.registered().values())
    return {"workflows": sorted(d.name for d in defns),
            "states": sorted({s for d in defns for s in d.states}),
            "triggers": sorted({t for d in defns for t in d.triggers}),
            "clocks": sorted({c.name for d in defns for c in d.clocks}),
            # each workflow's own fields in its case summaries (and the name its open date goes by):
            # {field: how many workflows have it}; a field not every workflow has is optional
            "case_fields": {name: sum(name in (*d.fields, d.opened_on_name) for d in defns)
                            for d in defns for name in (*d.fields, d.opened_on_name)},
            "count": len(defns),
            # the dashboard's open states: those of the workflows the reports count
            "open_states": list(dict.fromkeys(s for d in reported_workflows() for s, st in d.states.items()
                                              if not st.final))}


def components() -> dict:
    w = _workflow_sets()
    period = obj({"start": DATE, "end": DATE})
    targets = obj({k: ({"type": "integer"} if isinstance(v, int) else {"type": "number"})
                   for k, v in TARGETS.items()})
    reason_list = array(obj({"code": {"type": "string", "enum": REASON_CODES}, "label": STR, "count": COUNT}))
    meets = {"meets_dropout_target": nullable(BOOL), "meets_retention_target": nullable(BOOL)}
    fraction = {"type": "number", "minimum": 0, "maximum": 1}
    unit_targets = obj({"dropout_rate_max": fraction, "retention_rate_min": fraction})
    median = {"type": "number", "minimum": 0, "nullable": True, "description": "working days; null: no case yet"}
    share = {"type": "number", "minimum": 0, "maximum": 1, "nullable": True}
    kpis = obj({"cases": COUNT, "median_working_days_to_report": median,
                "median_working_days_to_first_visit": median, "median_working_days_to_return": median,
                "return_within_working_days": COUNT, "returned_within": COUNT, "returned_within_share": share,
                "relapse_months": COUNT, "returned_months_ago": COUNT, "relapsed": COUNT, "relapse_rate": share},
               description="this school year's dropout cases: working days from detection, returns, relapses")
    month_counts = obj({"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "abnormal": COUNT,
                        "other_left": COUNT, "problem_records": COUNT, "schools": COUNT})
    person = {"username": STR, "display_name": STR}
    # pupils who relapsed this semester, and of them those visited at least twice in it
    relapses = {"relapsed": COUNT, "relapsed_visited": COUNT}

    pupil_masked = {"id": ID, "student_no": STR, "name": STR, "gender": {"type": "string", "enum": ["M", "F"]},
                    "class": nullable(STR), "class_name": nullable(STR), "school_name": nullable(STR), "flags": obj({f: BOOL for f in FLAGS})}
    personal = {"birth_date": DATE, "address": STR, "township": STR, "village": STR,
                "guardians": array(obj({"name": STR, "phone": STR, "relation": STR}, optional=("relation",)))}
    summary = {
        "id": ID, "workflow": {"type": "string", "enum": w["workflows"]},
        "state": {"type": "string", "enum": w["states"]}, "state_label": STR, "version": ID,
        **{name: FIELD_TYPES.get(name, {"description": "a field of the case's workflow"}) for name in w["case_fields"]},
        "escalation_level": {"type": "integer", "minimum": 0, "maximum": 3},
        "source": {"type": "string", "enum": [v for v, _ in SOURCES]}, "opened_at": DATETIME,
        "updated_at": DATETIME, "closed_at": nullable(DATETIME),
        "pupil": {"allOf": [ref("Student")], "nullable": True},  # null: a case about a unit (a report, a door visit)
        "assignees": array(obj({**person, "role": {"type": "string", "enum": ROLES}})),
        "overdue": BOOL,
    }
    own = tuple(name for name, n in w["case_fields"].items() if n < w["count"])  # not every workflow's
    report_row = obj({"code": nullable(STR), "name": STR, "enrolment": COUNT,
                      **{f: COUNT for f in COUNT_FIELDS}, "dropout_rate": RATE, "retention_rate": RETENTION,
                      **meets, "reasons": counts_of(REASON_CODES)})

    return {
        "Error": obj({
            "error": {"type": "string", "description": "a stable code: invalid, not_found, forbidden, …"},
            "message": {"type": "string", "description": "中文 / English"},
            "fields": {"type": "object", "additionalProperties": STR,
                       "description": "each bad field (or `_body`) with what is wrong with it"},
            "field": {"type": "string", "description": "the parameter or body field a 400 is about"},
            "roles_allowed": array({"type": "string", "enum": ROLES}),
            "current_version": nullable(INT), "state": {"type": "string", "enum": w["states"]},
            "allowed": array({"type": "string", "enum": w["triggers"]}),
            "triggers": array({"type": "string", "enum": w["triggers"]}),
            "open_case_id": nullable(ID),
            "retry_after": {"type": "integer", "minimum": 0, "description": "seconds, as in Retry-After"},
            "rows": array(obj({"line": ID, "errors": {"type": "object", "additionalProperties": STR}}),
                          description="a register file's bad rows (at most 1000), each line with its columns"),
            "bad_rows": COUNT,
        }, optional=("fields", "field", "roles_allowed", "current_version", "state", "allowed", "triggers",
                     "open_case_id", "retry_after", "rows", "bad_rows")),
        **_register_schemas(),
        **_ledger_schemas(w),
        **_recheck_schemas(w),
        "Student": obj({**pupil_masked, **personal}, optional=tuple(personal),
                       description="masked (no personal fields) unless the reader's role needs personal data"),
        "StudentCreated": obj({**pupil_masked, **personal, "warnings": {
            "type": "object", "additionalProperties": STR,
            "description": "field -> 中文 / English: registered as given, but look (a birth date unlike the "
                           "学籍号's, an area code not known)"}}),
        "AttendanceRecorded": obj({"absences": COUNT, "created": COUNT, "updated": COUNT, "unchanged": COUNT}),
        "RiskList": obj({**PAGE_META, "items": array(obj({
            "student_id": ID, "name": STR, "class": STR,
            "reasons": array(obj({"kind": {"type": "string", "enum": list(RISK_KINDS)}, "absent": COUNT,
                                  "unexcused": COUNT, "of": COUNT, "days": COUNT, "since": DATE, "case_id": ID,
                                  "flags": array({"type": "string", "enum": list(FLAGS)})},
                                 optional=("absent", "unexcused", "of", "days", "since", "case_id", "flags"))),
            "trackers": array(STR), "tracker_named": BOOL, "listed_at": DATETIME,
            "last_absence": nullable(obj({"day": DATE, "excused": BOOL, "reason": STR})),
            "last_visit": nullable(DATE), "open_case_id": nullable(ID)}))}),
        "CaseSummary": obj(summary, optional=("overdue", *own)),
        "Case": obj({**summary, "vars": {"type": "object", "description": "the workflow's counters"},
                     "open_deadlines": array(ref("Deadline")),
                     "available_transitions": array({"type": "string", "enum": w["triggers"]}),
                     "your_roles": array({"type": "string", "enum": ROLES})}, optional=own),
        "Deadline": obj({"id": ID, "clock": {"type": "string", "enum": w["clocks"]}, "point": COUNT,
                         "status": {"type": "string", "enum": ["open", "met", "cancelled"]},
                         "due_at": DATETIME, "remind_at": nullable(DATETIME),
                         "level": {"type": "integer", "minimum": 0, "maximum": 3}, "overdue": BOOL}),
        "CasePage": page_of("CaseSummary"),
        "StudentPage": page_of("Student"),
        "Event": obj({"seq": ID, "at": DATETIME, "actor": STR, "role": STR, "action": STR,
                      "from_state": nullable(STR), "to_state": nullable(STR),
                      "occurred_on": {**nullable(DATE), "description": "the day it happened (visit date, return "
                                      "date); `at` is when it was recorded"},
                      "data": {"type": "object", "description": "the form data and deadline changes"},
                      "prev_hash": STR, "hash": STR}),
        "UnitSetting": obj({"name": STR, "unit": STR, "value": INT, "default": INT, "set": BOOL, "min": INT,
                            "max": INT}),
        "ReportVersions": obj({"case_id": ID, "versions": array(obj({
            "id": ID, "case_id": ID, "version": ID, "month": STR, "frozen_at": DATETIME, "frozen_by": STR,
            "sha256": HEX64, "checkpoint_hmac": HEX64,
            "figures": {"type": "object", "description": "the submitted form, as frozen"},
            "cases_total": COUNT, "events_total": COUNT}))}),
        "ReportVersionExport": obj({
            "format": {"type": "string", "enum": ["baoxue-report-export/1"]}, "id": ID, "sha256": HEX64,
            "snapshot": {"type": "object", "description": "the canonical snapshot the SHA-256 is of: figures, "
                         "counts, and the signed checkpoint of the school's chain heads"}}),
        "Timeline": obj({"case_id": ID, "state": {"type": "string", "enum": w["states"]},
                         "events": array(ref("Event"), minItems=1),
                         "masked": {"type": "boolean", "description": "form data shown masked for your role"}},
                        optional=("masked",)),
        "Token": obj({"token": {"type": "string", "minLength": 20}, "token_id": ID, "expires_at": nullable(DATETIME),
                      "user": obj({"id": ID, **person, "roles": array(obj(
                          {"role": {"type": "string", "enum": ROLES}, "unit": STR, "unit_name": STR}))})},
                     optional=("token_id", "expires_at")),
        "Notification": obj({"id": ID, "case_id": nullable(ID), "kind": STR, "level": COUNT, "title": STR,
                             "body": STR, "created_at": DATETIME, "read_at": nullable(DATETIME)}),
        "NotificationPage": page_of("Notification", unread=COUNT),
        "Marked": obj({"marked": COUNT}),
        "Workflow": _workflow_schema(w),
        "AuditVerify": obj({"ok": BOOL, "events_checked": COUNT, "first_broken": nullable(obj(
            {"case_id": ID, "seq": ID, "event_id": nullable(ID), "reason": STR}))}),
        "ImportReport": obj({"import_id": nullable(ID), "rows": COUNT, "created": COUNT, "updated": COUNT, "unchanged": COUNT,
                             "vanished": {**COUNT, "description": "pupils of the file's classes it does not list "
                                                                  "(suspected on the risk list)"},
                             "failed": COUNT, "errors": array(obj({
                                 "line": ID, "student_no": STR,
                                 "errors": {"type": "object", "additionalProperties": STR}})),
                             "warnings": array(obj({
                                 "line": ID, "student_no": STR,
                                 "warnings": {"type": "object", "additionalProperties": STR}}))}),
        **_history_schemas(person, pupil_masked),
        "Dashboard": obj({
            "today": DATE,
            # the counts' source and UTC time: the worker's rollup, or live (stale: the rollup was missing
            # or too old); rows_by: the tables list schools, or the parts of a unit of districts
            "as_of": obj({"source": {"type": "string", "enum": ["rollup", "live"]}, "at": DATETIME,
                          "stale": BOOL}),
            "rows_by": {"type": "string", "enum": ["school", "unit"]},
            "school_year": period, "semester": period, "targets": targets,
            "states": array(obj({"state": {"type": "string", "enum": w["states"]}, "zh": STR, "en": STR,
                                 "final": BOOL, "count": COUNT, "confirmed": COUNT})),
            "totals": counts_of(["cases", "open", "overdue"]),
            "open_by_school": array(obj({"school": STR, "name": STR, "total": COUNT,
                                         "by_state": counts_of(w["open_states"])})),
            "overdue_by_school": array(obj({"school": STR, "name": STR, "level_1": COUNT, "level_2": COUNT,
                                            "level_3": COUNT, "overdue": COUNT})),
            "reasons": reason_list,
            "trend": array(obj({"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "opened": COUNT,
                                "re_enrolled": COUNT, "closed": COUNT}), minItems=12, maxItems=12),
            "rates": array(obj({"school": STR, "name": STR, "enrolment": COUNT, "dropouts": COUNT,
                                "out_of_school": COUNT, "dropout_rate": RATE,
                                "retention_rate": RETENTION, "targets": unit_targets, **meets})),
            "kpis": kpis,
            "ledgers": obj({k: COUNT for k in ("school_age", "suspected", "confirmed")}),
            "home_visits": array(obj({**person, "classes": array(STR), "visits": COUNT, "standard": COUNT,
                                      "meets_standard": BOOL, **relapses})),
            "home_visits_by_school": array(obj({"school": STR, "name": STR, "visits": COUNT, **relapses})),
            "classes_without_dropout": array(obj({
                "school": STR, "name": STR, "classes": COUNT, "without_dropout": COUNT,
                "class_list": array(obj({"code": STR, "name": STR}))})),
            "early_warning": obj({
                "opened_by_warning": COUNT, "opened_by_hand": COUNT, "hand_after_absences": COUNT,
                "median_days_warning": {"type": "number", "nullable": True},
                "median_days_hand": {"type": "number", "nullable": True},
                "median_days_earlier": {"type": "number", "nullable": True,
                                        "description": "median lag (opened − first absence, days) of hand-opened "
                                                       "cases minus that of early-warning cases"}},
                description="this school year's cases opened by early warning vs by hand"),
        }),
        "ReportRow": report_row,
        "Targets": obj({"school_year": {"type": "integer"}, "defaults": targets,
                        "set": array(obj({"unit": STR, "name": STR, "kind": STR, "school_year": {"type": "integer"},
                                          "dropout_rate_max": fraction, "retention_rate_min": fraction,
                                          "updated_at": DATETIME, "updated_by": STR})),
                        "schools": array(obj({"school": STR, "name": STR, "dropout_rate_max": fraction,
                                              "retention_rate_min": fraction}))}),
        "Placements": obj({"kinds": array(obj({"kind": STR, "zh": STR, "en": STR, "count": COUNT})), "total": COUNT,
                           "schools": array(obj({"school": STR, "name": STR, "total": COUNT,
                                                 "by_kind": {"type": "object", "additionalProperties": COUNT}}))}),
        "StatusSeries": obj({"months": array(month_counts), "first": nullable(month_counts),
                             "last": nullable(month_counts)}),
        "MonthlyReport": obj({
            "school": obj({"code": STR, "name": STR}), "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
            "period": period, "school_year": period, "enrolment": COUNT, "grades": array(ref("ReportRow")),
            "totals": ref("ReportRow"),
            "school_year_to_date": obj({**{k: COUNT for k in ("suspected", "dropouts", "confirmed", "returned",
                                                               "visits", "out_at_end")},
                                        "dropout_rate": RATE, "retention_rate": RETENTION, **meets}),
            "reasons": reason_list, "targets": targets}),
        "DistrictReport": obj({
            "period": {"type": "string", "pattern": r"^\d{4}-(\d{2}|Q[1-4])$"},
            "kind": {"type": "string", "enum": ["month", "quarter"]}, "start": DATE, "end": DATE,
            "school_year": period, "schools": array(ref("ReportRow")), "totals": ref("ReportRow"),
            "reasons": reason_list, "targets": targets}),
    }


def _workflow_schema(w: dict) -> dict:
    """GET /workflows/{name}: app/api/workflows.py describe()."""
    names = lambda key: array({"type": "string", "enum": w[key]})  # noqa: E731
    roles = array({"type": "string", "enum": ROLES})
    form = {"type": "object", "description": "the JSON Schema of the step's body"}
    return obj({
        "name": {"type": "string", "enum": w["workflows"]}, "title": obj({"zh": STR, "en": STR}),
        "initial": {"type": "string", "enum": w["states"]},
        "states": array(obj({"name": {"type": "string", "enum": w["states"]}, "zh": STR, "en": STR,
                             "main": BOOL, "final": BOOL})),
        "open": obj({"roles": roles, "form": form}),
        "transitions": array(obj({
            "trigger": {"type": "string", "enum": w["triggers"]}, "zh": STR,
            "kind": {"type": "string", "enum": ["transition", "action", "off_ramp"]},
            "sources": names("states"), "dest": nullable(STR), "roles": roles,
            "guards": array(obj({"name": STR, "doc": STR})), "form": nullable(form)})),
        "deadlines": array(obj({
            "clock": {"type": "string", "enum": w["clocks"]}, "zh": STR, "starts_on": STR,
            "due": array({"type": "object"}), "met_by": names("triggers"), "while_in": names("states"),
            "remind": roles, "remind_before_working_days": COUNT, "ladder": array(obj({
                "level": {"type": "integer", "minimum": 1, "maximum": 3}, "after_working_days": COUNT,
                "notify": roles}))})),
        "reminder_working_days_before": COUNT,
    })


def _history_schemas(person: dict, pupil_masked: dict) -> dict:
    """The logs: a pupil's history, the admin-event log, the access log, the authentication log, tokens."""
    changes = {"type": "object", "description": "field: [old, new]",
               "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2}}
    import_run = obj({"id": ID, "at": DATETIME, "actor": STR, "via": {"type": "string", "enum": ["api", "page", "cli"]},
                      "filename": STR, "finished_at": nullable(DATETIME), "rows": COUNT, "created": COUNT,
                      "updated": COUNT, "unchanged": COUNT, "failed": COUNT, "error": nullable(STR)})
    token = obj({"id": ID, "created_at": DATETIME, "expires_at": nullable(DATETIME),
                 "last_used_at": nullable(DATETIME), "revoked": BOOL, "revoked_at": nullable(DATETIME)})
    return {
        "StudentHistory": obj({"student_id": ID, "events": array(obj({
            "id": ID, "at": DATETIME, "actor": STR, "actor_id": nullable(ID),
            "action": {"type": "string", "enum": ["created", "imported", "updated"]}, "changes": changes,
            "import": nullable(import_run)}))}),
        "AdminEventPage": page_of("AdminEvent"),
        "AdminEvent": obj({"id": ID, "at": DATETIME, "actor": STR, "actor_id": nullable(ID),
                           "action": {"type": "string", "enum": list(ADMIN_ACTIONS)}, "target": STR,
                           "before": nullable({"type": "object"}), "after": nullable({"type": "object"})}),
        "AccessLogPage": page_of("AccessEntry"),
        "AccessEntry": obj({"id": ID, "at": DATETIME, "what": {"type": "string", "enum": list(WHAT)}, "via": STR,
                            "case_id": nullable(ID), "user": obj(person), "pupil": nullable(obj(pupil_masked)),
                            # a registry mismatch's child no school lists (the pupil is then null)
                            "mismatch": nullable(obj({"id": ID, "kind": STR, "name": STR, "id_number": STR}))}),
        "AuthEventPage": page_of("AuthEvent"),
        "AuthEvent": obj({"id": ID, "at": DATETIME, "user_id": nullable(ID), "username": STR, "action": STR,
                          "outcome": STR, "address": nullable(STR), "user_agent": nullable(STR),
                          "detail": {"type": "object"}}),
        "TokenList": obj({"items": array(token)}),
        "Revoked": obj({"revoked": ID}),
    }
