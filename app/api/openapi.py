"""GET /openapi.json: the API described from the same forms and definitions that validate it.

Request bodies are the forms' JSON Schemas (app/engine/schema.py); parameters carry the types, enums
and ranges their parsers enforce; response bodies are app/api/openapi_schemas.py. Every operation
lists every status it can answer, so a conformance run (tests/conformance/run.py) holds the API to
this document: a status, content type or body that it does not describe is a failure.
"""
from flask import jsonify, request
from flask_babel import force_locale

from app.api import bp
from app.api.attendance import MAX_ITEMS as ATTENDANCE_MAX
from app.api.openapi_schemas import REASON_CODES, components, ref
from app.auth.scope import MAX_ID
from app.district.notices import KINDS as NOTICE_KINDS
from app.district.notices import MAX_SELECTED
from app.engine import machine
from app.engine.schema import form_schema
from app.deadlines import unit_settings
from app.audit.history import ADMIN_ACTIONS
from app.district.filters import SORTS
from app.reports.downloads import MIMETYPES
from app.registers import KINDS as MISMATCH_KINDS
from app.registers import REGISTERS, STATUSES as MISMATCH_STATUSES
from app.ledgers import LEDGERS
from forms.home_visit import HomeVisitForm
from forms.attendance import AbsenceForm
from forms.pupils import PHONE, STUDENT_NO, PupilForm
from forms.registers import CompareForm, DismissForm, FiguresForm, ReviewForm
from forms.recheck import RecheckDrawForm
from forms.targets import StatusCountsForm, TargetsForm

JSON = "application/json"
TEXTS = {400: "bad request: malformed JSON, a bad query parameter, a control character (`field` names it)",
         401: "no valid bearer token", 403: "your role may not do this (`roles_allowed`)",
         404: "not found, or not in your scope", 409: "conflict: stale `version` (`current_version`), not "
         "allowed in this state (`allowed`), or the pupil has an open case (`open_case_id`)",
         413: "body too large", 422: "invalid fields (each named in `fields`)",
         429: "too many requests: wait for `Retry-After`",
         503: "the database is unavailable: retry after `Retry-After`"}
ALWAYS = (400, 401, 503)
BOOL_ARG = {"type": "string", "enum": ["true", "false", "1", "0"]}
PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10**6},
         "description": "page number (OFFSET: costs what the rows before it cost; with `after`, only a label)"},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
        {"name": "after", "in": "query", "schema": {"type": "string", "maxLength": 2000},
         "description": "the previous page's `next_after` cursor (follow `next`): the page after its last row, "
                        "as fast at any depth; a cursor not made by this list and sort is a 400 naming `after`"}]


def _error(status: int) -> dict:
    schema = ref("Error")
    if status == 422:  # an Invalid always names its fields
        schema = {"allOf": [ref("Error"), {"required": ["fields"]}]}
    return {"description": TEXTS[status], "content": {JSON: {"schema": schema}}}


def _responses(ok: int, body, *codes: int, auth: bool = True, mime: str = JSON) -> dict:
    out = {str(ok): {"description": "success", "content": {mime: {"schema": body}}}}
    for c in sorted(set((ALWAYS if auth else (400, 503)) + codes)):
        out[str(c)] = _error(c)
    return out


def _query(**params) -> list:
    return [{"name": n, "in": "query", "required": False, "schema": s} for n, s in params.items()]


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "example": 1,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def _op(summary: str, ok: int, body, *codes: int, params=(), request=None, auth=True, mime=JSON, **extra) -> dict:
    if any(p["in"] == "path" for p in params):
        codes += (404,)
    if request is not None:
        codes += (413,)
    op = {"summary": summary, "parameters": list(params), "responses": _responses(ok, body, *codes, auth=auth,
                                                                                  mime=mime), **extra}
    if request is not None:
        op["requestBody"] = {"required": True, "content": request}
    if not auth:
        op["security"] = []
    return op


def _links(*targets: str) -> dict:
    """Stateful testing: a case answered (opened, read, stepped) feeds its id, and to a step its
    version, to the case's operations, so a fuzzer walks real cases instead of guessing ids. (Not from
    the lists: under fuzzed filters they are mostly empty.)"""
    out = {}
    for t in targets:
        out[t] = {"operationId": t, "parameters": {"case_id": "$response.body#/id"}}
        if t.startswith("fire_"):
            out[t]["requestBody"] = {"version": "$response.body#/version"}  # merged into the generated body
    return out


def _report_paths() -> dict:
    """The dashboard and the reports (app/api/reports.py): JSON, and CSV / XLSX downloads."""
    monthly = [{"name": "month", "in": "query", "required": True,
                "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"}},
               {"name": "school", "in": "query", "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 64, "example": "S01"}}]
    district = [{"name": "period", "in": "query", "required": True, "description": "YYYY-MM or YYYY-Qn",
                 "schema": {"type": "string", "pattern": r"^\d{4}-(\d{2}|[Qq][1-4])$", "example": "2026-Q4"}}]
    year = {"name": "school_year", "in": "query", "required": False,
            "description": "the year the school year starts; this school year without it",
            "schema": {"type": "integer", "minimum": 2000, "maximum": 2100, "example": 2026}}
    paths = {
        "/dashboard": {"get": _op("Dashboard figures in your scope: counts by state, open cases and overdue/"
                                  "escalation by school, reasons, 12-month trend, dropout rate and retention per "
                                  "school against targets, home visits per class teacher, classes without "
                                  "dropout (report roles only). From the worker's per-minute rollup (as_of says "
                                  "when; read live when it is missing or old); over a unit of districts the "
                                  "tables list the districts (rows_by)", 200, ref("Dashboard"), 403, 404,
                                  params=[{"name": "unit", "in": "query", "required": False,
                                           "description": "a unit in your scope: its dashboard (drill-down)",
                                           "schema": {"type": "string", "maxLength": 64, "example": "S01"}}])},
        "/reports/monthly": {"get": _op("学校辍学月报表: a school's monthly dropout report by grade", 200,
                                        ref("MonthlyReport"), 403, 404, 422, params=monthly)},
        "/reports/district": {"get": _op("District summary by school for a month or a quarter", 200,
                                         ref("DistrictReport"), 403, 422, params=district)},
        "/reports/placements": {"get": _op("Placements of disabled children by kind (送教上门, 随班就读, 特教学校, "
                                           "外出就读), per school and in all (report roles)", 200,
                                           ref("Placements"), 403)},
        "/targets": {"get": _op("The targets each school in your scope is held to in a school year, and those "
                                "the bureau set (report roles)", 200, ref("Targets"), 400, 403, params=[year]),
                     "post": _op("Set a school's or a district's targets for a school year (bureau); an admin "
                                 "event records the change", 200, ref("Targets"), 403, 404, 422,
                                 request={JSON: {"schema": form_schema(TargetsForm)}})},
        "/status-counts": {"get": _op("Pupils in abnormal 学籍 status month by month, summed over the schools in "
                                      "your scope (report roles)", 200, ref("StatusSeries"), 403),
                           "post": _op("A school's month of abnormal 学籍 status counts (school admin, bureau)", 200,
                                       ref("StatusSeries"), 403, 404, 422, request={JSON: {"schema": form_schema(StatusCountsForm)}})},
    }
    for kind, what, params, codes in (("monthly", "The school monthly report", monthly, (403, 404, 422)),
                                      ("district", "The district summary", district, (403, 422)),
                                      ("placements", "Placements by kind", [], (403,))):
        for ext, mime in MIMETYPES.items():
            paths[f"/reports/{kind}.{ext}"] = {"get": _op(
                f"{what} ({ext.upper()}, an attachment; CSV is UTF-8 with BOM)", 200,
                {"type": "string", "format": "binary"}, *codes, 429, params=params, mime=mime.split(";")[0])}
    return paths


def _register_paths() -> dict:
    """四查三比对 (app/api/registers.py): a bureau officer of the district; `district` names it when the
    officer has more than one."""
    district = {"name": "district", "in": "query", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 64, "example": "D01"}}
    year = {"name": "school_year", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}
    upload = {"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}},
        **{m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for m in MIMETYPES.values()}}
    register = {"name": "register", "in": "path", "required": True,
                "schema": {"type": "string", "enum": list(REGISTERS)}}
    body = lambda form: {JSON: {"schema": form_schema(form)}}  # noqa: E731
    filters = _query(kind={"type": "string", "enum": list(MISMATCH_KINDS)},
                     status={"type": "string", "enum": list(MISMATCH_STATUSES)},
                     township={"type": "string", "maxLength": 100},
                     resolved={"type": "string", "enum": ["0", "1", "true", "false", "all"]})
    return {
        "/registers/{register}/import": {"post": _op(
            "Replace the district's snapshot of a register (户籍 household / 脱贫户 poverty) with a CSV/XLSX file: "
            "all or nothing (422 lists each bad row by line); the same file again changes nothing", 200,
            ref("RegisterImport"), 403, 404, 422, 429, params=[register, district], request=upload)},
        "/registers/compare": {"post": _op(
            "Run the 四查三比对 comparisons: new mismatches, changed ones, and those resolved (idempotent)", 200,
            ref("CompareRun"), 403, 404, 422, params=[district], request=body(CompareForm))},
        "/registers/mismatches": {"get": _op("The district's mismatches (ID numbers masked)", 200,
                                             ref("MismatchPage"), 403, 404, params=[district] + filters + PAGE)},
        "/registers/mismatches/{mismatch_id}": {"get": _op("One mismatch", 200, ref("Mismatch"), 403,
                                                           params=[_id("mismatch_id")])},
        "/registers/mismatches/{mismatch_id}/review": {"post": _op(
            "Open a case from the mismatch: a suspected dropout case for a pupil on the roster (the pupil's "
            "open case when it is the cause), a 铁脚板摸排 visit (needs `visitor`) for a child not enrolled", 200,
            ref("MismatchReviewed"), 403, 409, 422, params=[_id("mismatch_id")], request=body(ReviewForm))},
        "/registers/mismatches/{mismatch_id}/dismiss": {"post": _op(
            "Dismiss the mismatch with a reason and evidence (a receipt number for a child enrolled outside)",
            200, ref("Mismatch"), 403, 409, 422, params=[_id("mismatch_id")], request=body(DismissForm))},
        "/registers/visits": {"get": _op("铁脚板摸排: the children no register explains, by township and village, "
                                         "with who must visit and by when", 200, ref("VisitList"), 403, 404,
                                         params=[district] + _query(township={"type": "string", "maxLength": 100}))},
        "/registers/report": {"get": _op("Mismatches by township and kind, and the 三统一 check", 200,
                                         ref("RegisterReport"), 403, 404, params=[district, year])},
        "/registers/report.xlsx": {"get": _op("Mismatches by township and kind (XLSX)", 200,
                                              {"type": "string", "format": "binary"}, 403, 404, 429,
                                              params=[district], mime=MIMETYPES["xlsx"])},
        "/registers/figures": {"post": _op("Enter the 学籍 其他离校 and poverty-office counts of a school year", 200,
                                           ref("ThreeUnified"), 403, 404, 422, params=[district],
                                           request=body(FiguresForm))},
    }


def _ledger_paths() -> dict:
    """The three ledgers (app/api/ledgers.py): report readers, in their scope."""
    school = _query(school={"type": "string", "minLength": 1, "maxLength": 64, "example": "S01"})
    ledger = {"name": "ledger", "in": "path", "required": True, "schema": {"type": "string", "enum": list(LEDGERS)}}
    history = _query(history={"type": "string", "enum": ["0", "1", "true", "false"],
                              "description": "1: the strike-offs (销号) instead (not of school_age)"})
    return {
        "/ledgers": {"get": _op("The three ledgers' counts (适龄儿童 / 疑似辍学 / 辍学) and their strike-offs", 200,
                                ref("LedgerCounts"), 403, 404, params=school)},
        "/ledgers/{ledger}": {"get": _op(
            "One page of a ledger: school_age (pupils of compulsory age and the household register's children "
            "not enrolled), suspected (open cases not confirmed), confirmed (open cases the bureau confirmed); "
            "history=1: the steps that struck pupils off, with their evidence", 200, ref("LedgerPage"), 403,
            404, params=[ledger] + school + history + PAGE)},
        "/ledgers/{ledger}.xlsx": {"get": _op(
            "The ledger as the official table (XLSX): title, 填报单位/填报人/填报日期, the table, 签字 and 盖章; "
            "a second sheet of strike-offs", 200, {"type": "string", "format": "binary"}, 403, 404, 429,
            params=[ledger] + school, mime=MIMETYPES["xlsx"])},
    }


def _recheck_paths() -> dict:
    """The county's quarterly re-check (app/api/rechecks.py): the bureau officer, in their district."""
    args = _query(quarter={"type": "string", "pattern": r"^\d{4}-Q[1-4]$", "example": "2026-Q4"},
                  district={"type": "string", "minLength": 1, "maxLength": 64, "example": "D01"})
    args[0]["required"] = True
    draw = _op("Draw a quarter's re-checks (抽查复验): a share (default 10 %, at least 5, or all if fewer) of the "
               "pupils struck off the ledgers in the quarter, by a recorded seed, and a recheck case opened for "
               "each (bureau officer; 201). Once per quarter and district: again is 200 with the earlier draw",
               201, ref("Rechecks"), 403, 404, 422, request={JSON: {"schema": form_schema(RecheckDrawForm)}})
    draw["responses"]["200"] = {"description": "drawn before: the earlier draw (its missing cases opened)",
                                "content": {JSON: {"schema": ref("Rechecks")}}}
    return {
        "/rechecks/draw": {"post": draw},
        "/rechecks": {"get": _op("A quarter's re-check draw in the district and each check's state (bureau officer)",
                                 200, ref("Rechecks"), 403, 404, 422, params=args)},
    }


# Optional: names this posting, so a retry after a lost answer is answered as done and not recorded twice.
CLIENT_KEY = {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
              "description": "optional: a key made up by the client for this posting (8–64 letters, digits, - or _); "
                             "the same key sent again for the case is answered 200 with the case and recorded once"}


def _transition_paths() -> dict:
    paths = {}
    for defn in machine.registered().values():
        for t in defn.triggers.values():
            schema = form_schema(t.form, {"version": {"type": "integer", "minimum": 1,
                                                      "description": "the case version read"},
                                          "client_key": CLIENT_KEY}, ["version"])
            paths[f"/cases/{{case_id}}/transitions/{t.name}"] = {"post": _op(
                f"{defn.name}: {t.zh} ({t.kind}; from {', '.join(t.sources)}"
                f"{' to ' + t.dest if t.dest else ''}; roles: {', '.join(t.roles)})", 200, ref("Case"), 403, 409,
                422, params=[_id("case_id")], request={JSON: {"schema": schema}, **EVIDENCE_UPLOAD},
                operationId=f"fire_{t.name}")}
    return paths


# Any step may carry evidence files: the same JSON body as the `payload` part, the files as `files` parts
# (PDF, JPEG or PNG by their first bytes, each within the configured size; a bad one is 422 naming `files`).
EVIDENCE_UPLOAD = {"multipart/form-data": {"schema": {"type": "object", "required": ["payload"], "properties": {
    "payload": {"type": "string", "description": "the step's JSON body, as application/json would carry it"},
    "files": {"type": "array", "items": {"type": "string", "format": "binary"},
              "description": "evidence files: PDF, JPEG or PNG (told by their content), each at most the "
                             "configured size (10 MiB by default)"}}}}}
EVIDENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _evidence_paths() -> dict:
    sha = {"name": "sha256", "in": "path", "required": True,
           "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$", "minLength": 64, "maxLength": 64}}
    op = _op("An evidence file a step of the case carried, by the SHA-256 its event records (the read is "
             "logged; 404 outside the case's scope or when no step of this case carried it)", 200,
             {"type": "string", "format": "binary"}, params=[_id("case_id"), sha], mime=EVIDENCE_TYPES[0],
             operationId="get_case_file")
    op["responses"]["200"]["content"] = {m: {"schema": {"type": "string", "format": "binary"}} for m in EVIDENCE_TYPES}
    return {"/cases/{case_id}/files/{sha256}": {"get": op}}


def _pupil_schema() -> dict:
    schema = form_schema(PupilForm)
    # The form checks these in its own validate_* methods; the document states the same patterns.
    schema["properties"]["student_no"]["pattern"] = STUDENT_NO.pattern
    schema["properties"]["guardian_phone"]["pattern"] = f"^$|{PHONE.pattern}"
    return schema


def _log_paths(text) -> dict:
    """The histories and logs: a pupil's history, admin events, the access log, logins, one's tokens."""
    return {
        "/students/{student_id}/history": {"get": _op(
            "Every change to a pupil, oldest first (personal values masked for roles with masked cards)", 200,
            ref("StudentHistory"), params=[_id("student_id")])},
        "/admin-events": {"get": _op(
            "The admin-event log, newest first (supervisor, admin)", 200, ref("AdminEventPage"), 403,
            params=_query(action={"type": "string", "enum": list(ADMIN_ACTIONS)}, actor=text(64)) + PAGE)},
        "/access-log": {"get": _op(
            "Who read which pupil's data or a case's timeline, newest first (supervisor)", 200,
            ref("AccessLogPage"), 403,
            params=_query(pupil={"type": "integer", "minimum": 1, "maximum": MAX_ID}, user=text(64)) + PAGE)},
        "/auth-events": {"get": _op(
            "Logins, failed logins, logouts, tokens, password changes (admin)", 200, ref("AuthEventPage"), 403,
            params=_query(user=text(64)) + PAGE)},
        "/auth/tokens": {"get": _op("Your API tokens (never the token itself)", 200, ref("TokenList"))},
        "/auth/tokens/{token_id}": {"delete": _op("Revoke one of your tokens", 200, ref("Revoked"),
                                                  params=[_id("token_id")])},
    }


def _attendance_schema() -> dict:
    return {"type": "object", "required": ["absences"], "additionalProperties": False, "properties": {
        "absences": {"type": "array", "minItems": 1, "maxItems": ATTENDANCE_MAX, "items": form_schema(AbsenceForm)}}}


def _open_schema() -> dict:
    """POST /cases: the open form of the workflow the body names (`workflow`, by default the first)."""
    first = machine.default().name
    schemas = [form_schema(d.open_form, {"workflow": {"type": "string", "enum": [d.name]}},
                           [] if d.name == first else ["workflow"])
               for d in machine.registered().values()]
    return schemas[0] if len(schemas) == 1 else {"oneOf": schemas}


def _setting_params() -> list:
    return [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}},
            {"name": "name", "in": "path", "required": True,
             "schema": {"type": "string", "enum": sorted(unit_settings.known()) or [""]}}]


def build_spec() -> dict:
    defns = machine.registered().values()
    states = sorted({s for d in defns for s in d.states})
    text = lambda n: {"type": "string", "maxLength": n}  # noqa: E731
    case_ops = ("get_case", "get_timeline", "get_timeline_csv") + tuple(
        dict.fromkeys(f"fire_{t}" for d in defns for t in d.triggers))
    paths = {
        "/auth/token": {"post": _op(
            "Exchange username + password for a bearer token (403 password_change_required while an admin's "
            "temporary password is unchanged)", 201, ref("Token"), 401, 403, 422, 429, auth=False,
            request={JSON: {"schema": {"type": "object", "required": ["username", "password"],
                                       "properties": {"username": {"type": "string", "minLength": 1},
                                                      "password": {"type": "string", "minLength": 1}}}}})},
        "/workflows/{name}": {"get": _op("A workflow definition: states, transitions with roles and forms, "
                                         "deadline clocks", 200, ref("Workflow"),
                                         params=[{"name": "name", "in": "path", "required": True, "schema": {
                                             "type": "string", "enum": sorted(machine.registered())}}])},
        "/students": {
            "post": _op("Add a pupil to the roster", 201, ref("StudentCreated"), 403, 409, 422,
                        request={JSON: {"schema": _pupil_schema()}}),
            "get": _op("Search pupils in scope (masked)", 200, ref("StudentPage"),
                       params=_query(school=text(64), **{"class": text(64)}, q=text(50)) + PAGE)},
        "/students/{student_id}": {"get": _op("One pupil (personal data only for roles that need it; the read "
                                              "is logged)", 200, ref("Student"), params=[_id("student_id")])},
        "/students/import": {"post": _op(
            "Import a CSV/XLSX roster: multipart field `file`, or the file itself as the body", 200,
            ref("ImportReport"), 403, 422, 429,
            request={"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"}}}},
                **{m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for m in MIMETYPES.values()}})},
        "/attendance": {"post": _op(
            "Record a batch of absences (class teachers for their class; grade, school and bureau in scope): "
            "one per pupil and school day, a day marked again is updated; every item is checked before any "
            "is written (422 names `absences[i].field`, 404 a pupil not in scope)", 200,
            ref("AttendanceRecorded"), 403, 404, 422, request={JSON: {"schema": _attendance_schema()}})},
        "/risk-list": {"get": _op(
            "The risk list (重点生) in your scope or of one school or class (`unit`): each pupil at risk with "
            "the reasons, who tracks them, the last contact (names masked for roles that do not need them)",
            200, ref("RiskList"), 403, 404, params=_query(unit=text(64)) + PAGE)},
        "/cases": {
            "get": _op("Cases in scope, filtered, a page at a time", 200, ref("CasePage"), 422,
                       params=_query(state={"type": "string", "enum": states}, school=text(64),
                                     **{"class": text(64)}, reason={"type": "string", "enum": REASON_CODES},
                                     overdue=BOOL_ARG, level={"type": "integer", "minimum": 0, "maximum": 3},
                                     assignee=text(64), q=text(64), open=BOOL_ARG,
                                     sort={"type": "string", "enum": list(SORTS)},
                                     dir={"type": "string", "enum": ["asc", "desc"]}) + PAGE,
                       operationId="list_cases"),
            "post": _op("Open a case of a workflow (`workflow`; by default the first) with its open form", 201,
                        ref("Case"), 403, 409, 422, request={JSON: {"schema": _open_schema()}},
                        operationId="open_case"),
        },
        "/cases/search": {"post": _op(
            "The case list with its filters in a JSON body (a searched name or 学籍号 stays out of URLs)", 200,
            ref("CasePage"), 422, params=PAGE, operationId="search_cases",
            request={JSON: {"schema": {"type": "object", "properties": {
                "state": {"type": "string", "enum": states}, "school": text(64), "class": text(64),
                "reason": {"type": "string", "enum": REASON_CODES}, "overdue": {"type": "boolean"},
                "level": {"type": "integer", "minimum": 0, "maximum": 3}, "assignee": text(64), "q": text(64),
                "open": {"type": "boolean"}, "sort": {"type": "string", "enum": list(SORTS)},
                "dir": {"type": "string", "enum": ["asc", "desc"]}}}}})},
        "/cases/{case_id}": {"get": _op("A case with its open deadlines and available transitions", 200,
                                        ref("Case"), params=[_id("case_id")], operationId="get_case")},
        "/cases/{case_id}/timeline": {"get": _op("The case's audit events in order, with hashes", 200,
                                                 ref("Timeline"), params=[_id("case_id")],
                                                 operationId="get_timeline")},
        "/cases/{case_id}/timeline.csv": {"get": _op("The timeline as CSV", 200, {"type": "string"}, 429,
                                                     params=[_id("case_id")], mime="text/csv",
                                                     operationId="get_timeline_csv")},
        "/cases/{case_id}/report-versions": {"get": _op(
            "A report case's frozen versions (each submission: its figures, SHA-256 and checkpoint HMAC)", 200,
            ref("ReportVersions"), params=[_id("case_id")])},
        "/cases/{case_id}/report-versions/{n}": {"get": _op(
            "One frozen version as a file to keep (`baoxue audit verify --against` takes it)", 200,
            ref("ReportVersionExport"), params=[_id("case_id"), _id("n")])},
        "/units/{code}/settings/{name}": {
            "get": _op("A number the bureau sets for a unit and everything under it (a county's report due "
                       "day): its value, the definitions' default, and its bounds", 200, ref("UnitSetting"),
                       params=_setting_params()),
            "post": _op("Set it (bureau roles over the unit); deadlines opened from then on count by it", 200,
                       ref("UnitSetting"), 403, 422, params=_setting_params(),
                       request={JSON: {"schema": {"type": "object", "required": ["value"], "additionalProperties": False,
                                                  "properties": {"value": {"type": "integer", "minimum": 0,
                                                                           "maximum": 365}}}}})},
        "/audit/verify": {"get": _op("Recompute the audit hash chains (all, or one case's)", 200,
                                     ref("AuditVerify"), 403,
                                     params=_query(case={"type": "integer", "minimum": 0, "maximum": MAX_ID}))},
        "/notifications": {"get": _op(
            "The caller's notices, read and unread, newest first (filtered), with the unread count", 200,
            ref("NotificationPage"),
            params=_query(unread=BOOL_ARG, kind={"type": "string", "enum": list(NOTICE_KINDS)},
                          case_id={"type": "integer", "minimum": 1, "maximum": MAX_ID}) + PAGE)},
        "/notifications/{notification_id}/read": {"post": _op("Mark one notice read", 200, ref("Notification"),
                                                              params=[_id("notification_id")])},
        "/notifications/read": {"post": _op(
            "Mark the caller's notices read: the listed ids (all or nothing: one that is not the caller's is "
            "404), or every unread one matching kind / case_id", 200, ref("Marked"), 404,
            request={JSON: {"schema": {"type": "object", "additionalProperties": False, "properties": {
                "ids": {"type": "array", "minItems": 1, "maxItems": MAX_SELECTED,
                        "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                "all": {"type": "boolean"}, "kind": {"type": "string", "enum": list(NOTICE_KINDS)},
                "case_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}}}})},
        "/notifications/read-all": {"post": _op("Mark every unread notice read", 200, ref("Marked"))},
        "/openapi.json": {"get": _op("This document", 200, {"type": "object"}, auth=False)},
        **_log_paths(text),
        **_report_paths(),
        **_register_paths(),
        **_ledger_paths(),
        **_recheck_paths(),
        "/home-visits": {
            "post": _op("Record a home visit (家访登记) to a pupil in scope (class teacher, grade leader, school admin); "
                        "409 `open_case_id` when the pupil's open case takes visit steps (record it there)", 201,
                        ref("HomeVisit"), 403, 404, 409, 422, request={JSON: {"schema": form_schema(HomeVisitForm)}}),
            "get": _op("The home-visit register in scope, newest first: the register's visits and the cases' visit "
                       "steps, each once (`student_id`: one pupil's)", 200, ref("HomeVisitPage"), 403, 404,
                       params=_query(student_id={"type": "integer", "minimum": 1, "maximum": MAX_ID}) + PAGE)},
        **_transition_paths(),
        **_evidence_paths(),
    }
    # Where a response names a case, stateful testing carries its id on to the case's operations.
    paths["/cases"]["post"]["responses"]["201"]["links"] = _links(*case_ops)
    steps = [op for p, ops in paths.items() for op in ops.values() if p.startswith("/cases/{case_id}/transitions/")]
    for op in steps + [paths["/cases/{case_id}"]["get"]]:
        op["responses"]["200"]["links"] = _links(*(o["operationId"] for o in steps))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Baoxue (保学) API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": components()},
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi():
    # The API's messages are bilingual, but a schema's `title` and `description` are one text each: the
    # forms' labels and help in Chinese (their message ids), in English when the client asks for it.
    lang = request.accept_languages.best_match(["zh", "en"], default="zh")
    with force_locale(lang):
        response = jsonify(build_spec())
    response.vary.add("Accept-Language")
    return response
