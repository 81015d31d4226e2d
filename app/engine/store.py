"""How a step meets the database: one read (the case and its open deadlines) and one write (the
guarded case UPDATE, its audit event, its deadline changes, any rows its effects add) in one
transaction.

On PostgreSQL the write is ONE round trip: one prepared call of the step function in autocommit (its
own transaction), or, when the step adds rows of its own, the statements and the COMMIT as a single
batch (client-side bound by psycopg, which quotes every value); every statement after the case UPDATE
is conditional on that UPDATE having matched — the row carries the new version and hash only if it
did — so a stale step commits nothing. Profiles showed the time of a step going to per-statement
driver and ORM work, so this path is kept to plain strings. On SQLite (in-process) the same writes
run as SQLAlchemy statements one by one. The whole test suite runs on both.
"""
import json
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import date, datetime

from psycopg import ClientCursor, errors
from psycopg.pq import TransactionStatus
from psycopg.types.json import Json
from sqlalchemy import and_, bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import chain as audit
from app.deadlines import clocks
from app.extensions import db
from app.models import Case, CasePartner, Deadline, OrgUnit, Pupil

_CASES = Case.__table__
_DEADLINES = Deadline.__table__


@dataclass(slots=True)
class OpenDeadline:
    id: int
    clock: str
    point: int
    level: int
    due_at: datetime


@dataclass(slots=True)
class Snapshot:
    """The case as a step reads it: the columns the checks and guards need and its open deadlines.

    A plain value, not an ORM object: the step changes the row only through write_step()."""
    id: int
    workflow: str
    state: str
    version: int
    unit_path: str
    also_unit_path: str | None  # the subject's second unit (app/engine/subjects.py "also"), if any
    subject_key: str
    fields: dict    # the workflow's case-level fields as stored (definition.field_values fills defaults)
    vars: dict
    closed_at: datetime | None
    opened_on: date
    last_seq: int
    last_hash: str
    pupil_id: int | None     # the pupil the case is about, if it is (a follow-on case's subject: then_open)
    birth_date: date | None  # of the pupil the case is about, if it is: no date of the case is before it
    # Whether the case has an invitation that has not ended. Only a step writes invitations and every
    # step moves the version, so what the read saw holds at the write: a step that ends partners' access
    # looks them up only when there are any.
    partnered: bool = True
    open_deadlines: list = field(default_factory=list)


_PUPILS = Pupil.__table__
_PARTNERS = CasePartner.__table__
_PARTNERED = exists().where(_PARTNERS.c.case_id == _CASES.c.id, _PARTNERS.c.ended_at.is_(None)).label("partnered")
_NOT_OF_CASES = {"birth_date": _PUPILS.c.birth_date, "partnered": _PARTNERED}
_SNAPSHOT_COLUMNS = [_NOT_OF_CASES[name] if name in _NOT_OF_CASES else _CASES.c[name]
                     for name in Snapshot.__slots__ if name != "open_deadlines"]
_LOAD = (select(*_SNAPSHOT_COLUMNS, _DEADLINES.c.id.label("d_id"), _DEADLINES.c.clock, _DEADLINES.c.point,
                _DEADLINES.c.level, _DEADLINES.c.due_at)
         .select_from(_CASES.outerjoin(_PUPILS, _PUPILS.c.id == _CASES.c.pupil_id)
                      .outerjoin(_DEADLINES, and_(_DEADLINES.c.case_id == _CASES.c.id,
                                                  _DEADLINES.c.status == "open")))
         .where(_CASES.c.id == bindparam("case_id")))


class Duplicate(Exception):
    """The database refused a row as a duplicate (a second open case for a subject in a workflow)."""


def _rows_to_snapshot(rows) -> Snapshot | None:
    if not rows:
        return None
    n = len(_SNAPSHOT_COLUMNS)
    snap = Snapshot(*rows[0][:n])
    snap.open_deadlines = [OpenDeadline(*r[n:]) for r in rows if r[n] is not None]
    return snap


# What app/engine/subjects.py reads of a case's subject.
PupilRow = namedtuple("PupilRow", "id birth_date class_id path")
_PUPIL = (select(Pupil.id, Pupil.birth_date, Pupil.class_id, OrgUnit.path)
          .join(OrgUnit, Pupil.class_id == OrgUnit.id).where(Pupil.id == bindparam("pupil_id")))
UnitRow = namedtuple("UnitRow", "id kind path")
_UNIT = select(OrgUnit.id, OrgUnit.kind, OrgUnit.path).where(OrgUnit.id == bindparam("unit_id"))


class SessionTx:
    """A step on the SQLAlchemy session (SQLite, and any database without the fast path)."""

    def load(self, case_id: int) -> Snapshot | None:
        return _rows_to_snapshot(db.session.execute(_LOAD, {"case_id": case_id}).all())

    def pupil(self, pupil_id: int):
        """(id, birth_date, class_id, class path) of a pupil, or None."""
        return db.session.execute(_PUPIL, {"pupil_id": pupil_id}).first()

    def unit(self, unit_id: int):
        """(id, kind, path) of an org unit, or None."""
        return db.session.execute(_UNIT, {"unit_id": unit_id}).first()

    def insert_case(self, values: dict) -> int:
        try:
            return db.session.execute(insert(_CASES).returning(_CASES.c.id), values).scalar_one()
        except IntegrityError:
            db.session.rollback()
            raise Duplicate from None

    def write_step(self, case_id, expected, values, event, met, cancelled, opened, now, extra=()) -> bool:
        try:
            changed = db.session.execute(_UPDATE_CASE, {
                "case_id": case_id, "expected": expected, "prev_seq": event["seq"] - 1, "updated_at": now,
                "last_seq": event["seq"], "last_hash": event["hash"], **values})
            if changed.rowcount != 1:
                return False
            audit.append(event)
            clocks.write(met, cancelled, opened, event["action"], now)
            if met or cancelled:  # as baoxue_step does: the flag goes with the last overdue deadline
                db.session.execute(_CLEAR_OVERDUE, {"case_id": case_id})
            for item in extra:
                table = db.metadata.tables[item[0]]
                if len(item) == 3:  # (table, values, ids): an UPDATE of those rows
                    db.session.execute(update(table).where(table.c.id.in_(item[2])).values(item[1]))
                else:
                    db.session.execute(insert(table), item[1])
            db.session.commit()
        except IntegrityError:  # another step took this event's sequence number
            db.session.rollback()
            return False
        return True

    def rollback(self) -> None:
        db.session.rollback()

    def close(self) -> None:
        pass


_CLEAR_OVERDUE = update(_CASES).where(_CASES.c.id == bindparam("case_id"), _CASES.c.overdue).values(
    overdue=exists().where(_DEADLINES.c.case_id == _CASES.c.id, _DEADLINES.c.status == "open",
                           _DEADLINES.c.level > 0))
_UPDATE_CASE = update(_CASES).where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("expected"),
                                    _CASES.c.last_seq == bindparam("prev_seq"))

# PostgreSQL: the step is one call of baoxue_step() (migration 0014), which returns false and writes
# nothing when the case moved on since it was read (the UPDATE is guarded by version and chain head).
# When the call is the whole transaction (a step whose effects add no rows, outside an open
# transaction), it goes alone in autocommit — its own transaction, no BEGIN or COMMIT — as a server-side
# prepared statement whose parameters psycopg's C adapters bind, instead of quoting each value into the
# text in Python; the casts pin the parameter types, so one plan serves every step. In a batch (the
# rows an effect adds, a case opened) the same text is bound client-side.
_PG_STEP = """SELECT baoxue_step(%(case_id)s::int, %(expected)s::int, %(prev_seq)s::int, %(state)s::varchar,
    %(version)s::int, %(vars)s::json, %(now)s::timestamp, %(closed_at)s::timestamp, %(fields)s::json,
    %(seq)s::int, %(at)s::timestamp, %(actor_id)s::int, %(actor)s::varchar, %(role)s::varchar,
    %(action)s::varchar, %(from_state)s::varchar, %(to_state)s::varchar, %(data)s::json, %(prev_hash)s::varchar,
    %(hash)s::varchar, %(met)s::int[], %(closing)s::int[], %(opened)s::json)"""
_DEADLINE_COLUMNS = ("clock", "point", "due_at", "remind_at", "next_action", "next_action_at")
# Rows an effect adds or changes (an assignee, an invitation made or ended) are written only if the
# step's UPDATE was.
_APPLIED = ("EXISTS (SELECT 1 FROM cases WHERE id = %(case_id)s AND version = %(version)s "
            "AND last_hash = %(hash)s)")


def _dumps(obj) -> str:
    return json.dumps(obj, default=lambda v: v.isoformat())


def _pg_extra(i: int, table: str, row: dict, ids=None) -> tuple[str, dict]:
    row = {c: Json(v) if isinstance(v, (dict, list)) else v for c, v in row.items()}  # JSON columns
    if ids is not None:  # an UPDATE of the rows `ids`
        sets = ", ".join(f"{c} = %(x{i}_{c})s" for c in row)
        return (f"UPDATE {table} SET {sets} WHERE id = ANY(%(x{i}_ids)s::int[]) AND {_APPLIED}",
                {**{f"x{i}_{c}": v for c, v in row.items()}, f"x{i}_ids": _int_array(ids)})
    cols = list(row)
    names = ", ".join(f"%(x{i}_{c})s" for c in cols)
    return (f"INSERT INTO {table} ({', '.join(cols)}) SELECT {names} WHERE {_APPLIED}",
            {f"x{i}_{c}": v for c, v in row.items()})


class PgTx:
    """A step on PostgreSQL: a pooled psycopg connection of its own, one query to read, one batch to write.

    Profiles of the engine showed a step's time going to per-statement driver and session work, not
    to the database; this path is kept to plain SQL strings on the driver."""

    _sql: dict = {}

    def __init__(self):
        self.fairy = db.engine.raw_connection()  # returned to the pool by close()
        self.conn = self.fairy.driver_connection
        # Autocommit, with explicit BEGIN/COMMIT: the read needs no transaction of its own (the write is
        # guarded by the version and chain head it read), and the write's BEGIN travels in its batch.
        self.conn.autocommit = True

    def _in_transaction(self) -> bool:
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    @classmethod
    def _compiled(cls, name, statement, dialect=None):
        if name not in cls._sql:
            compiled = statement.compile(dialect=dialect or db.engine.dialect)
            cls._sql[name] = (str(compiled), compiled.params)
        return cls._sql[name]

    def load(self, case_id: int) -> Snapshot | None:
        sql, constants = self._compiled("load", STATEMENTS["load"])
        return _rows_to_snapshot(self.conn.execute(sql, {**constants, "case_id": case_id}, prepare=True).fetchall())

    def pupil(self, pupil_id: int):
        return self._row("pupil", PupilRow, pupil_id=pupil_id)

    def unit(self, unit_id: int):
        return self._row("unit", UnitRow, unit_id=unit_id)

    def _row(self, name, shape, **params):
        sql, constants = self._compiled(name, STATEMENTS[name])
        row = self.conn.execute(sql, {**constants, **params}).fetchone()
        return shape(*row) if row else None

    def insert_case(self, values: dict) -> int:
        cols = list(values)
        sql = (f"INSERT INTO cases ({', '.join(cols)}) VALUES ({', '.join(f'%({c})s' for c in cols)}) "
               "RETURNING id")
        cur = ClientCursor(self.conn)
        try:
            # BEGIN travels with the INSERT: the new row and its first step commit together.
            cur.execute("BEGIN;\n" + sql, {k: Json(v) if isinstance(v, (dict, list)) else v
                                          for k, v in values.items()})
            cur.nextset()
            return cur.fetchone()[0]
        except errors.UniqueViolation:
            self.rollback()
            raise Duplicate from None

    def write_step(self, case_id, expected, values, event, met, cancelled, opened, now, extra=()) -> bool:
        params = {
            "case_id": case_id, "expected": expected, "prev_seq": event["seq"] - 1, "state": values["state"],
            "version": values["version"], "vars": Json(values["vars"]), "now": now,
            "closed_at": values.get("closed_at"),
            "fields": Json(values["fields"]) if "fields" in values else None,  # NULL: unchanged
            "seq": event["seq"], "at": event["at"], "actor_id": event["actor_id"], "actor": event["actor"],
            "role": event["role"], "action": event["action"], "from_state": event["from_state"],
            "to_state": event["to_state"], "data": Json(event["data"]), "prev_hash": event["prev_hash"],
            "hash": event["hash"], "met": _int_array(r.id for r in met),
            "closing": _int_array(r.id for r in met + cancelled),
            "opened": Json([{c: row[c] for c in _DEADLINE_COLUMNS} for row in opened], dumps=_dumps),
        }
        if not extra and not self._in_transaction():
            try:
                row = self.conn.execute(_PG_STEP, params, prepare=True).fetchone()
            except errors.UniqueViolation:  # another step took this event's sequence number
                return False
            return bool(row[0])  # False: the guard matched nothing, and nothing was written
        sql = ([] if self._in_transaction() else ["BEGIN"]) + [_PG_STEP]
        for i, item in enumerate(extra):
            statement, more = _pg_extra(i, *item)
            sql.append(statement)
            params.update(more)
        sql.append("COMMIT")
        cur = ClientCursor(self.conn)
        try:
            # One round trip for the whole transaction; baoxue_step (migration 0014) writes the case, its
            # event and its deadlines with plans the server keeps per connection.
            cur.execute(";\n".join(sql), params)
        except errors.UniqueViolation:
            self.rollback()
            return False
        while not (cur.statusmessage or "").startswith("SELECT") and cur.nextset():
            pass  # skip BEGIN's result
        return bool(cur.fetchone()[0])  # False: the guard matched nothing, and nothing was written

    def rollback(self) -> None:
        if self._in_transaction():
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        try:
            self.rollback()
            self.conn.autocommit = False  # as the pool hands connections out
        except Exception:  # a broken connection (database restarted): never hand it out again
            self.fairy.invalidate()
        self.fairy.close()


def _int_array(ids) -> str:
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


# The reads PgTx compiles once per process into plain SQL for the driver.
STATEMENTS = {"load": _LOAD, "pupil": _PUPIL, "unit": _UNIT}


def prepare(dialect) -> None:
    """Compile the fast path's reads for `dialect` now rather than in the first steps (start-up)."""
    if dialect.name == "postgresql":
        for name, statement in STATEMENTS.items():
            PgTx._compiled(name, statement, dialect)


def begin():
    """The transaction a step runs in: the fast path on PostgreSQL, the session elsewhere."""
    return PgTx() if db.engine.dialect.name == "postgresql" else SessionTx()
