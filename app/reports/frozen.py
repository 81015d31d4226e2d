"""A submitted report, frozen: what the school sent, its live counts at that moment, and a signed
checkpoint of the chain heads of every case of the school, as one canonical JSON and its SHA-256.

A definition's step freezes it by naming the maker (`ctx.freeze("school_month")` in an effect); the
row is written with the step or not at all (report_versions, append-only), and the hash goes on the
step's audit event. A correction is submitted again: a new version, the earlier ones kept. The printed
report carries both hashes for signing and stamping; `baoxue audit verify --against` takes a version
(its id, or its exported JSON) as the anchor and finds any case of the school rewritten or deleted since.
"""
import hashlib
import json

from sqlalchemy import func, select

from app.audit import chain as audit
from app.auth.scope import MAX_ID
from app.audit import checkpoint as audit_checkpoint
from app.engine import machine
from app.engine.context import FREEZERS
from app.extensions import db
from app.models import Case, OrgUnit, ReportVersion
from app.reports import monthly

FORMAT = "baoxue-report-version/1"
EXPORT_FORMAT = "baoxue-report-export/1"


class AnchorError(Exception):
    """What was given as the anchor is not a report version (or was edited)."""


def digest(snapshot: dict) -> str:
    return hashlib.sha256(audit.canonical(snapshot).encode()).hexdigest()


def freeze(ctx):
    """The snapshot of a report case's step: ((table, row), note for its audit event)."""
    case = ctx.case
    school = db.session.execute(select(OrgUnit).where(OrgUnit.path == case.unit_path)).scalar_one()
    month = f"{case.opened_on.year}-{case.opened_on.month:02d}"
    version = 1 + db.session.execute(select(func.count(ReportVersion.id))
                                     .where(ReportVersion.case_id == case.id)).scalar_one()
    counts = monthly.school_month(ctx.actor, school.code, month)
    checkpoint = audit_checkpoint.of_cases(Case.school_id == school.id,
                                           {"school": school.code, "month": month})
    snapshot = {
        "format": FORMAT, "case": case.id, "workflow": case.workflow, "version": version,
        "school": {"id": school.id, "code": school.code, "name": school.name}, "month": month,
        "frozen_at": ctx.now.isoformat(timespec="seconds") + "Z", "frozen_by": ctx.actor.username,
        "figures": ctx.data,
        "counts": {"totals": counts["totals"], "school_year_to_date": counts["school_year_to_date"]},
        "checkpoint": checkpoint,
    }
    text = audit.canonical(snapshot)
    sha = hashlib.sha256(text.encode()).hexdigest()
    row = {"case_id": case.id, "school_id": school.id, "month": month, "version": version, "frozen_at": ctx.now,
           "frozen_by": ctx.actor.id, "snapshot": text, "sha256": sha, "checkpoint_hmac": checkpoint["hmac"]}
    return ("report_versions", row), {"version": version, "sha256": sha, "checkpoint_hmac": checkpoint["hmac"]}


FREEZERS["school_month"] = freeze


def versions(case_id: int) -> list[ReportVersion]:
    return db.session.execute(select(ReportVersion).where(ReportVersion.case_id == case_id)
                              .order_by(ReportVersion.version)).scalars().all()


def version(case_id: int, n: int) -> ReportVersion | None:
    """Version `n` of the case's report, None when there is none (a number past the column's range
    included: the URL is anyone's to type, and the database would refuse it rather than find nothing)."""
    if not 1 <= n <= MAX_ID:
        return None
    return db.session.execute(select(ReportVersion).where(ReportVersion.case_id == case_id,
                                                          ReportVersion.version == n)).scalar_one_or_none()


def figure_labels(case, n: int) -> list[tuple[str, str]]:
    """(name, label) of the fields of the form version `n` froze: the form of the step whose audit
    event names that version."""
    defn = machine.get(case.workflow)
    for e in audit.events(case.id):
        frozen = (e.data or {}).get("frozen") or {}
        t = defn.triggers.get(e.action)
        if frozen.get("version") == n and t is not None and t.form is not None:
            return [(f.name, str(f.label.text)) for f in t.form(meta={"csrf": False})]
    return []


def summary(v: ReportVersion) -> dict:
    snap = json.loads(v.snapshot)
    return {"id": v.id, "case_id": v.case_id, "version": v.version, "month": v.month,
            "frozen_at": v.frozen_at.isoformat() + "Z", "frozen_by": snap["frozen_by"], "sha256": v.sha256,
            "checkpoint_hmac": v.checkpoint_hmac, "figures": snap["figures"],
            "cases_total": snap["checkpoint"]["cases_total"], "events_total": snap["checkpoint"]["events_total"]}


def export(v: ReportVersion) -> dict:
    """The version as a file to keep: its snapshot and hash (verify --against takes it back)."""
    return {"format": EXPORT_FORMAT, "id": v.id, "sha256": v.sha256, "snapshot": json.loads(v.snapshot)}


def anchor(value: str) -> tuple[dict, str]:
    """(checkpoint, description) of the report version `value` names: "report:<id>" or "<id>" (read from
    the database), or the text of an exported version. Its hash is checked, then its checkpoint's HMAC."""
    value = value.strip()
    ref = value.removeprefix("report:")
    if ref.isdigit():
        v = db.session.get(ReportVersion, int(ref))
        if v is None:
            raise AnchorError(f"no report version {ref}")
        snapshot, sha = json.loads(v.snapshot), v.sha256
        if digest(snapshot) != sha:
            raise AnchorError(f"report version {ref}: its snapshot does not match its SHA-256 (rewritten)")
    else:
        try:
            body = json.loads(value)
        except ValueError as e:
            raise AnchorError(f"not a report version (invalid JSON: {e})") from None
        if not isinstance(body, dict) or body.get("format") != EXPORT_FORMAT or not isinstance(body.get("snapshot"), dict):
            raise AnchorError(f"not a report version (format is not {EXPORT_FORMAT})")
        snapshot, sha = body["snapshot"], body.get("sha256")
        if digest(snapshot) != sha:
            raise AnchorError("the report's SHA-256 does not match its content: the file was edited")
    try:
        checkpoint = audit_checkpoint.check(snapshot.get("checkpoint"))
    except audit_checkpoint.CheckpointError as e:
        raise AnchorError(f"the report's checkpoint: {e}") from None
    school = snapshot["school"]
    return checkpoint, (f"the report of {school['name']} ({school['code']}) for {snapshot['month']}, version "
                        f"{snapshot['version']}, sha256 {sha[:16]}…")
