"""A register file into the district's snapshot of that register, all or nothing.

Every row is checked first; one bad row refuses the file (422 listing each bad line), because a
snapshot missing a child would wrongly resolve that child's mismatches. A good file is loaded into a
temporary staging table as they are checked — by COPY on PostgreSQL, executemany on SQLite — and merged into
register_rows with three set-based statements in one transaction: delete the children the new
version no longer lists, update the ones that changed, insert the new ones. The same file again
changes nothing (0 inserted, 0 updated, 0 deleted); a new version of the register replaces the snapshot.
"""
import hashlib

from sqlalchemy import text

from app import clock
from app.audit import history
from app.errors import Invalid
from app.extensions import db
from app.models import OrgUnit, RegisterImport
from app.registers import REGISTERS
from app.registers.files import COLUMNS, check, limits, with_headers
from app.roster.files import read_rows

MAX_LISTED = 1000  # bad rows named in one answer; the count says how many there are in all
STAGE = "register_stage"
_COLS = "id_number, name, birth_date, township, village, guardian, line"


class BadRows(Invalid):
    """The file has bad rows: none of it is imported. `rows`: [{line, errors: {column: message}}]."""

    def __init__(self, rows: list, total: int):
        super().__init__({"file": f"{total} 行有误, 未导入任何数据 / {total} rows are invalid: nothing was imported"})
        self.extra.update(rows=rows, bad_rows=total)


def import_register(data: bytes, filename: str, *, district: OrgUnit, register: str, who: history.By, via: str,
                    progress=None) -> RegisterImport:
    """Check every row of the file, then replace the district's snapshot of `register` with it.
    Raises ImportFileError (the file as a whole), BadRows, or returns the import's record."""
    if register not in REGISTERS:
        raise Invalid({"register": f"未知名册 / unknown register {register!r}"})
    rows = read_rows(data, filename, limits(), COLUMNS)
    conn = db.session.connection()
    bad, seen = [], {}
    _create_stage(conn)
    # The rows stream into the staging table as they are checked: a million-row register is never held
    # in memory as objects. A bad row anywhere rolls the whole transaction back.
    with _Stager(conn) as stage:
        for line, raw in rows:
            child, errors = check(line, raw)
            if child is not None and (first := seen.get(child.id_number)):
                child, errors = None, {"id_number": f"文件中重复, 首次出现在第 {first} 行 / duplicate in this file "
                                                    f"(first on line {first})"}
            if errors:
                bad.append({"line": line, "errors": with_headers(errors, rows.headers)})
            elif not bad:
                seen[child.id_number] = line
                stage.add(child)
            else:
                seen[child.id_number] = line
            if progress:
                progress(1)
    if bad:
        db.session.rollback()
        raise BadRows(bad[:MAX_LISTED], len(bad))
    counts = merge(conn, district.id, register)
    run = RegisterImport(district_id=district.id, register=register, at=clock.now(), actor=who.name, via=via,
                         filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(), rows=len(seen),
                         **counts)
    db.session.add(run)
    # The admin-event log is where changes outside a case's workflow are recorded (append-only).
    history.admin_event(who, "register_imported", f"{district.code}:{register}", None,
                        {"filename": run.filename, "rows": run.rows, **counts})
    db.session.commit()
    return run


def _create_stage(conn) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    conn.execute(text(f"CREATE TEMPORARY TABLE {STAGE} (id_number VARCHAR(18) PRIMARY KEY, name VARCHAR(100), "
                      "birth_date DATE, township VARCHAR(100), village VARCHAR(100), guardian VARCHAR(100), "
                      "line INTEGER)"))


class _Stager:
    """Children into the staging table: one COPY on PostgreSQL (on the session's own connection, so in
    its transaction), batches of executemany on SQLite."""
    BATCH = 5000

    def __init__(self, conn):
        self.conn, self.postgres = conn, conn.dialect.name == "postgresql"
        self.batch = []

    def __enter__(self):
        if self.postgres:
            self.cursor = self.conn.connection.driver_connection.cursor()
            self.copy_cm = self.cursor.copy(f"COPY {STAGE} ({_COLS}) FROM STDIN")
            self.copy = self.copy_cm.__enter__()
        return self

    def add(self, c) -> None:
        if self.postgres:
            self.copy.write_row((c.id_number, c.name, c.birth_date, c.township, c.village, c.guardian, c.line))
            return
        self.batch.append({"id_number": c.id_number, "name": c.name, "birth_date": c.birth_date.isoformat(),
                           "township": c.township, "village": c.village, "guardian": c.guardian, "line": c.line})
        if len(self.batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            self.conn.execute(text(f"INSERT INTO {STAGE} ({_COLS}) VALUES (:id_number, :name, :birth_date, "
                                   ":township, :village, :guardian, :line)"), self.batch)
            self.batch = []

    def __exit__(self, *exc):
        if self.postgres:
            self.copy_cm.__exit__(*exc)
            self.cursor.close()
            if exc[0] is None:
                self.conn.execute(text(f"ANALYZE {STAGE}"))  # no autovacuum on a temporary table
        elif exc[0] is None:
            self._flush()
        return False


def merge(conn, district_id: int, register: str) -> dict:
    """Merge the staged children into the snapshot with three set-based statements (in the session's
    transaction, not committed): {"inserted", "updated", "deleted"}."""
    p = {"d": district_id, "r": register}
    mine = "r.district_id = :d AND r.register = :r"
    deleted = conn.execute(text(
        f"DELETE FROM register_rows WHERE district_id = :d AND register = :r AND NOT EXISTS "
        f"(SELECT 1 FROM {STAGE} s WHERE s.id_number = register_rows.id_number)"), p).rowcount
    updated = conn.execute(text(
        f"UPDATE register_rows AS r SET name = s.name, birth_date = s.birth_date, township = s.township, "
        f"village = s.village, guardian = s.guardian, line = s.line FROM {STAGE} s "
        f"WHERE {mine} AND r.id_number = s.id_number AND (r.name <> s.name OR r.birth_date <> s.birth_date "
        f"OR r.township <> s.township OR r.village <> s.village OR r.guardian <> s.guardian)"), p).rowcount
    inserted = conn.execute(text(
        f"INSERT INTO register_rows (district_id, register, {_COLS}) SELECT CAST(:d AS INTEGER), "
        f"CAST(:r AS VARCHAR(16)), {_COLS} FROM {STAGE} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM register_rows r WHERE {mine} AND r.id_number = s.id_number)"), p).rowcount
    conn.execute(text(f"DROP TABLE {STAGE}"))
    return {"inserted": inserted, "updated": updated, "deleted": deleted}

