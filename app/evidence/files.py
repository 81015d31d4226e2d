"""Evidence files: checked (size, type told by the first bytes), stored under the instance's data
folder by their SHA-256, read back.

A step hands its uploads to the engine as one Evidence: the engine asks it for errors() after the form
(422 naming `files`, nothing written), puts meta() on the step's audit event (so the hash chain covers
each file's hash, name, size and type) and a row per file into case_files, and calls save() just before
the step's write. Storing by content makes a retried step harmless: the same bytes land on the same
name, written once (a temporary file renamed into place, so a reader never sees half a file). A step
that is then refused at the write leaves a file nobody names, never a record of a file that is missing.
"""
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, request

FIELD = "files"
# The first bytes of each type served: what a file is, whatever its name says.
MAGIC = (("application/pdf", b"%PDF-"), ("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"))
NAME_MAX = 200


def sniff(data: bytes) -> str | None:
    return next((mime for mime, head in MAGIC if data.startswith(head)), None)


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    data: bytes
    mime: str | None   # None: not a type we know
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def _clean_name(name: str) -> str:
    # Only the last part of what the browser sent: a name, never a path.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:NAME_MAX] or "file"


def upload(name: str, data: bytes) -> Upload:
    return Upload(_clean_name(name), data, sniff(data), hashlib.sha256(data).hexdigest())


def from_request() -> "Evidence | None":
    """The files posted as `files` parts (a page's file input, an API client's multipart step); an
    empty file input (nothing chosen) is no file. None when there are none."""
    uploads = [upload(f.filename, f.read()) for f in request.files.getlist(FIELD) if f.filename]
    return Evidence(uploads) if uploads else None


class Evidence:
    """The files of one step."""

    def __init__(self, uploads: list[Upload]):
        self.uploads = uploads

    def __bool__(self):
        return bool(self.uploads)

    def errors(self) -> dict | None:
        cfg = current_app.config
        limit, allowed, most = cfg["EVIDENCE_MAX_BYTES"], cfg["EVIDENCE_TYPES"], cfg["EVIDENCE_MAX_FILES"]
        if len(self.uploads) > most:
            return {FIELD: f"一次最多上传 {most} 个文件 / at most {most} files per step"}
        for u in self.uploads:
            if u.size == 0:
                return {FIELD: f"{u.name}: 文件为空 / the file is empty"}
            if u.size > limit:
                return {FIELD: f"{u.name}: 文件超过 {limit // (1024 * 1024)} MiB / the file is larger than "
                               f"{limit // (1024 * 1024)} MiB"}
            if u.mime not in allowed:
                return {FIELD: f"{u.name}: 只接受 PDF、JPEG、PNG 文件 / only PDF, JPEG or PNG files are accepted"}
        return None

    def meta(self) -> list[dict]:
        """What the audit event records of each file (distinct by content: the same file twice is one)."""
        seen, out = set(), []
        for u in self.uploads:
            if u.sha256 not in seen:
                seen.add(u.sha256)
                out.append({"sha256": u.sha256, "name": u.name, "size": u.size, "type": u.mime})
        return out

    def save(self) -> None:
        for u in self.uploads:
            store(u.data, u.sha256)


def folder() -> Path:
    configured = current_app.config.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "data" / "files"


def path_for(sha256: str) -> Path:
    return folder() / sha256[:2] / sha256


def store(data: bytes, sha256: str) -> Path:
    """Write the bytes under their hash, once: an existing file of that name is already these bytes."""
    target = path_for(sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
