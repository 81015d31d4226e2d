"""GET /openapi.json: the API described from the same forms and definitions that validate it."""
from flask import jsonify

from app.api import bp
from app.engine import machine
from app.engine.schema import form_schema
from forms.pupils import PupilForm

ERROR = {"$ref": "#/components/schemas/Error"}


def _responses(ok: str, *codes: int, schema=None) -> dict:
    texts = {400: "bad request (malformed JSON, bad query parameter)", 401: "no or invalid token",
             403: "your role may not do this", 404: "not found or not in your scope",
             409: "conflict: stale version, not allowed in this state, or an open case exists",
             413: "body too large", 422: "invalid fields (named in `fields`)"}
    out = {ok: {"description": "success", "content": {"application/json": {"schema": schema or {"type": "object"}}}}}
    for c in (400, 401, 413) + codes:
        out[str(c)] = {"description": texts[c], "content": {"application/json": {"schema": ERROR}}}
    return out


def _query(*names) -> list:
    return [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in names]


def _path(*names) -> list:
    return [{"name": n, "in": "path", "required": True,
             "schema": {"type": "integer" if n.endswith("id") else "string"}} for n in names]


def _report_paths() -> dict:
    """The dashboard and the reports (app/api/reports.py): JSON, and CSV / XLSX downloads."""
    monthly = [{"name": "month", "in": "query", "required": True, "schema": {"type": "string", "example": "2026-10"}},
               {"name": "school", "in": "query", "required": True, "schema": {"type": "string"}}]
    district = [{"name": "period", "in": "query", "required": True,
                 "schema": {"type": "string", "example": "2026-Q4"}, "description": "YYYY-MM or YYYY-Qn"}]
    files = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

    def download(what, params):
        out = {}
        for ext, mime in files.items():
            responses = _responses("200", 403, 404, 422)
            responses["200"] = {"description": f"{what} as {ext.upper()} (attachment; CSV is UTF-8 with BOM)",
                                "content": {mime: {"schema": {"type": "string", "format": "binary"}}}}
            out[ext] = {"get": {"summary": f"{what} ({ext.upper()})", "parameters": params, "responses": responses}}
        return out

    paths = {
        "/dashboard": {"get": {"summary": "Dashboard figures in your scope: counts by state, open cases and "
                                          "overdue/escalation by school, reasons, 12-month trend, dropout rate and "
                                          "retention per school against targets, home visits per class teacher, "
                                          "classes without dropout (report roles only)",
                               "responses": _responses("200", 403)}},
        "/reports/monthly": {"get": {"summary": "学校辍学月报表: a school's monthly dropout report by grade",
                                     "parameters": monthly, "responses": _responses("200", 403, 404, 422)}},
        "/reports/district": {"get": {"summary": "District summary by school for a month or a quarter",
                                      "parameters": district, "responses": _responses("200", 403, 422)}},
    }
    for ext, spec in download("The school monthly report", monthly).items():
        paths[f"/reports/monthly.{ext}"] = spec
    for ext, spec in download("The district summary", district).items():
        paths[f"/reports/district.{ext}"] = spec
    return paths


def build_spec() -> dict:
    paths = {
        "/auth/token": {"post": {"summary": "Exchange username + password for a bearer token", "security": [],
                                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                                     "type": "object", "required": ["username", "password"],
                                     "properties": {"username": {"type": "string"},
                                                    "password": {"type": "string"}}}}}},
                                 "responses": _responses("201", 422)}},
        "/workflows/{name}": {"get": {"summary": "A workflow definition", "parameters": _path("name"),
                                      "responses": _responses("200", 404)}},
        "/students": {
            "post": {"summary": "Add a pupil to the roster",
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": form_schema(PupilForm)}}},
                     "responses": _responses("201", 403, 409, 422)},
            "get": {"summary": "Search pupils in scope (masked)",
                    "parameters": _query("school", "class", "q", "page", "per_page"),
                    "responses": _responses("200")}},
        "/students/{student_id}": {"get": {"summary": "One pupil (personal data only for roles that need it; "
                                                      "the read is logged)", "parameters": _path("student_id"),
                                           "responses": _responses("200", 404)}},
        "/students/import": {"post": {"summary": "Import a CSV/XLSX roster (multipart field `file`)",
                                      "requestBody": {"content": {"multipart/form-data": {"schema": {
                                          "type": "object", "properties": {"file": {"type": "string",
                                                                                    "format": "binary"}}}}}},
                                      "responses": _responses("200", 403, 422)}},
        "/cases": {
            "get": {"summary": "Cases in scope",
                    "parameters": _query("state", "school", "overdue", "assignee", "open", "page", "per_page"),
                    "responses": _responses("200", 422)},
        },
        "/cases/{case_id}": {"get": {"summary": "A case with its open deadlines and available transitions",
                                     "parameters": _path("case_id"), "responses": _responses("200", 404)}},
        "/cases/{case_id}/timeline": {"get": {"summary": "The case's audit events in order, with hashes",
                                              "parameters": _path("case_id"), "responses": _responses("200", 404)}},
        "/cases/{case_id}/timeline.csv": {"get": {"summary": "The timeline as CSV", "parameters": _path("case_id"),
                                                  "responses": {"200": {"description": "CSV",
                                                                        "content": {"text/csv": {}}}}}},
        "/audit/verify": {"get": {"summary": "Recompute the audit hash chains", "parameters": _query("case"),
                                  "responses": _responses("200", 403)}},
        "/notifications": {"get": {"summary": "The caller's inbox, newest first, with the unread count",
                                   "parameters": _query("unread", "page", "per_page"), "responses": _responses("200")}},
        "/notifications/{notification_id}/read": {"post": {"summary": "Mark one notice read",
                                                           "parameters": _path("notification_id"),
                                                           "responses": _responses("200", 404)}},
        "/notifications/read-all": {"post": {"summary": "Mark every unread notice read",
                                             "responses": _responses("200")}},
        "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": _responses("200")}},
        **_report_paths(),
    }
    for defn in machine.registered().values():
        if defn.name == "dropout":
            paths["/cases"]["post"] = {
                "summary": "Open a case (detected)", "responses": _responses("201", 403, 409, 422),
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": form_schema(defn.open_form)}}}}
        for t in defn.triggers.values():
            schema = form_schema(t.form, {"version": {"type": "integer", "description": "the case version read"}},
                                 ["version"])
            paths.setdefault(f"/cases/{{case_id}}/transitions/{t.name}", {})["post"] = {
                "summary": f"{defn.name}: {t.zh} ({t.kind}; from {', '.join(t.sources)}"
                           f"{' to ' + t.dest if t.dest else ''}; roles: {', '.join(t.roles)})",
                "parameters": _path("case_id"),
                "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
                "responses": _responses("200", 403, 404, 409, 422)}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Baoxue (保学) API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string"}, "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
