"""A school's monthly report frozen on submission (report_versions), and the audit anchored on it:
`baoxue audit verify --against` a submitted report finds a case of the school rewritten or deleted since."""
import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa

from app.audit import chain as audit
from app.extensions import db
from tests.tamper import tamper
from tests.test_audit_checkpoint import delete_case_statements, rehash_chain
from tests.district import TODAY
from tests.test_toy_workflow import FIGURES, open_report, step

MONTH = TODAY[:7]  # the report of the month the pupils' cases are opened in


@pytest.fixture
def submitted(app, bx):
    """Two pupil cases of school SA, then its November report submitted: (report, first, second)."""
    first, second = bx.case_in("visiting"), bx.case_in("reported")
    report = open_report(bx, month=MONTH)
    step(bx, report, "submit_report", "school_admin", **FIGURES)
    return report, first["id"], second["id"]


def versions(bx, report, as_="bureau"):
    r = bx.get(f"/cases/{report['id']}/report-versions", as_=as_)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["versions"]


def verify(runner, anchor):
    out = runner.invoke(args=["audit", "verify", "--against", str(anchor)])
    return out.exit_code, out.output


def test_a_submission_is_frozen_with_figures_counts_and_the_schools_chain_heads(app, bx, submitted):
    report, first, second = submitted
    [v] = versions(bx, report)
    assert (v["version"], v["month"], v["frozen_by"]) == (1, MONTH, "school_admin")
    assert v["figures"]["dropouts_found"] == 2 and len(v["sha256"]) == 64
    r = bx.get(f"/cases/{report['id']}/report-versions/1", as_="school_admin")
    export = r.get_json()
    snap = export["snapshot"]
    assert hashlib.sha256(audit.canonical(snap).encode()).hexdigest() == export["sha256"] == v["sha256"]
    assert snap["counts"]["totals"]["suspected"] == 2  # the school's live counts at submission
    heads = {c["case"]: (c["seq"], c["events"]) for c in snap["checkpoint"]["cases"]}
    assert heads[first] == (3, 3) and heads[second] == (2, 2)
    assert heads[report["id"]] == (1, 1)  # the report's own chain before its submission
    assert snap["checkpoint"]["scope"] == {"school": "SA", "month": MONTH}
    assert snap["checkpoint"]["hmac"] == v["checkpoint_hmac"]
    # the report's own audit chain carries the hash
    events = bx.get(f"/cases/{report['id']}/timeline").get_json()["events"]
    assert events[-1]["data"]["frozen"] == {"version": 1, "sha256": v["sha256"], "checkpoint_hmac": v["checkpoint_hmac"]}
    # other schools see nothing of it
    assert bx.get(f"/cases/{report['id']}/report-versions", as_="other_admin").status_code == 404
    assert bx.get(f"/cases/{report['id']}/report-versions/2").status_code == 404


def test_a_frozen_version_cannot_change_and_a_correction_is_a_new_version(app, bx, submitted):
    report, _, _ = submitted
    [v1] = versions(bx, report)
    for statement in ("UPDATE report_versions SET sha256 = 'x'", "DELETE FROM report_versions"):
        with app.app_context():
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
    step(bx, report, "return_for_correction", "bureau", reason="在籍人数有误")
    step(bx, report, "submit_report", "school_admin", **{**FIGURES, "enrolled": 898})
    old, new = versions(bx, report)
    assert old == v1
    assert (new["version"], new["figures"]["enrolled"]) == (2, 898) and new["sha256"] != v1["sha256"]


def test_verify_against_an_untouched_report_is_ok_and_a_case_opened_after_is_fine(app, bx, runner, submitted,
                                                                                  tmp_path):
    report, _, _ = submitted
    bx.case_in("reported")  # after the report: not in it, and no tampering
    [v] = versions(bx, report)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(bx.get(f"/cases/{report['id']}/report-versions/1").get_json(), ensure_ascii=False))
    for anchor in (f"report:{v['id']}", str(v["id"]), path):
        code, output = verify(runner, anchor)
        assert code == 0, output
        assert f"holds the report of SA中学 (SA) for {MONTH}, version 1" in output


def test_an_event_rewritten_after_submission_is_named_by_verify_against_the_report(app, bx, runner, submitted,
                                                                                   tmp_path):
    report, first, _ = submitted
    [v] = versions(bx, report)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(bx.get(f"/cases/{report['id']}/report-versions/1").get_json()))
    with app.app_context():
        key = audit.key()
    # An insider with the key rewrites the chain so that it holds on its own: only the anchor shows it.
    rehash_chain(app, first, lambda body: hmac.digest(key, body, "sha256").hex())
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    for anchor in (f"report:{v['id']}", path):
        code, output = verify(runner, anchor)
        assert code == 1 and f"case {first} event seq 3" in output and "rewritten" in output, output


def test_a_case_deleted_after_submission_is_found(app, bx, runner, submitted):
    report, _, second = submitted
    [v] = versions(bx, report)
    tamper(app, *delete_case_statements(app), c=second)
    code, output = verify(runner, f"report:{v['id']}")
    assert code == 1 and f"case {second}" in output and "case gone since the checkpoint" in output


def test_an_edited_export_or_a_rewritten_version_is_refused_as_anchor(app, bx, runner, submitted, tmp_path):
    report, _, _ = submitted
    [v] = versions(bx, report)
    export = bx.get(f"/cases/{report['id']}/report-versions/1").get_json()
    export["snapshot"]["figures"]["dropouts_found"] = 0
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(export))
    code, output = verify(runner, path)
    assert code == 1 and "SHA-256 does not match its content" in output
    tamper(app, "UPDATE report_versions SET snapshot = replace(snapshot, :a, :b) WHERE id = :i",
           a='"dropouts_found":2', b='"dropouts_found":0', i=v["id"])
    code, output = verify(runner, f"report:{v['id']}")
    assert code == 1 and "does not match its SHA-256" in output
    code, output = verify(runner, "report:99999")
    assert code == 1 and "no report version 99999" in output


# ---------------------------------------------------------------- pages

def test_the_case_page_lists_every_version_and_the_print_page_shows_both_hashes(app, bx, district, submitted):
    from tests.web import Browser
    report, _, _ = submitted
    [v] = versions(bx, report)
    bureau = Browser(app, "bureau")
    page = bureau.text(f"/cases/{report['id']}")
    assert 'id="report-versions"' in page and v["sha256"] in page
    printed = bureau.text(f"/cases/{report['id']}/report-versions/1/print")
    for text in (v["sha256"], v["checkpoint_hmac"], "填报单位", "填报人", "SA中学", "签字", "盖章", 'class="signatures"'):
        assert text in printed, text
    assert Browser(app, "other_admin").get(f"/cases/{report['id']}/report-versions/1/print").status_code == 404
    assert bureau.get(f"/cases/{report['id']}/report-versions/2/print").status_code == 404
    # a version number past the database's integer is no version, not a server error (conformance found it)
    assert bureau.get(f"/cases/{report['id']}/report-versions/{2**31}/print").status_code == 404
    assert bx.get(f"/cases/{report['id']}/report-versions/{2**31}").status_code == 404


# ---------------------------------------------------------------- the county's due day

def test_the_bureau_sets_its_countys_due_day_and_the_submission_clock_counts_by_it(app, bx):
    from datetime import datetime
    from app import clock
    from tests.test_toy_workflow import DUE, deadlines
    clock.freeze(datetime(2026, 11, 2, 2, 0))
    url = "/units/D/settings/report_due_day"
    assert bx.get(url).get_json() == {"name": "report_due_day", "unit": "D", "value": 28, "default": 28,
                                      "set": False, "min": 1, "max": 31}
    first = open_report(bx, month="2026-11")
    assert ("submission", DUE.isoformat() + "Z") in deadlines(bx, first)  # the workflow's default, the 28th
    assert bx.post(url, {"value": 20}, as_="school_admin").status_code == 404  # the county is above its scope
    assert bx.post(url, {"value": 20}, as_="supervisor").status_code == 403    # in scope, not the bureau
    r = bx.post(url, {"value": 40})
    assert r.status_code == 422 and "value" in r.get_json()["fields"]
    assert bx.post("/units/D/settings/nonsense", {"value": 20}).status_code == 404
    r = bx.post(url, {"value": 20})
    assert r.status_code == 200 and r.get_json()["value"] == 20 and r.get_json()["set"] is True
    second = open_report(bx, as_="other_admin", code="SB", month="2026-11")
    # Friday 20 November 2026, end of day in Shanghai
    assert ("submission", "2026-11-20T15:59:59Z") in deadlines(bx, second)
    assert ("submission", DUE.isoformat() + "Z") in deadlines(bx, first)  # an open deadline keeps its day
