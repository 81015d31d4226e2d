"""Reading an evidence file back: only through its case, loaded in the reader's scope by the caller
(404 outside it), only a file a step of that case carried (404 otherwise), each read in the access log."""
import re

from flask import send_file
from sqlalchemy import select

from app.errors import NotFound
from app.evidence.files import path_for
from app.extensions import db
from app.models import CaseFile
from app.privacy import access_log

SHA256 = re.compile(r"[0-9a-f]{64}")


def of_case(case_id: int, sha256: str) -> CaseFile:
    row = None
    if SHA256.fullmatch(sha256 or ""):
        row = db.session.execute(select(CaseFile).where(CaseFile.case_id == case_id, CaseFile.sha256 == sha256)
                                 .order_by(CaseFile.id).limit(1)).scalar_one_or_none()
    if row is None or not path_for(row.sha256).is_file():
        raise NotFound("本个案没有这个文件 / no such file on this case")
    return row


def send(actor, case, sha256: str, via: str):
    """The file as a download of its recorded name and type, logged as read."""
    row = of_case(case.id, sha256)
    access_log.record(actor, via, "file", pupil_id=case.pupil_id, case_id=case.id)
    response = send_file(path_for(row.sha256), mimetype=row.mime, as_attachment=row.mime == "application/pdf",
                         download_name=row.name, max_age=0, etag=row.sha256, conditional=False)
    # A file shown in the browser is shown as what it was checked to be, and kept by no shared cache.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
