"""Cases: one subject's walk through a workflow (a pupil, a school's month...), with assignees and
invited partners."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow: Mapped[str] = mapped_column(String(32))
    # The case's subject (app/engine/subjects.py): "pupil:<id>", "unit:<id>:<key fields>"...; the pupil
    # when the subject is one (the pupil's pages and the access log go by it), else NULL.
    subject_key: Mapped[str] = mapped_column(String(255))
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    # Optimistic lock: every UPDATE says "WHERE version = <the one I read>" (SQLAlchemy version_id_col).
    version: Mapped[int] = mapped_column(default=1)
    # Org path of the subject when the case was opened (a pupil's class, a school): scope checks are a
    # prefix test.
    unit_path: Mapped[str] = mapped_column(String(255))
    school_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    # A second unit whose staff also see and work the case (the definition's subject "also": a transfer's
    # receiving school), its org path; NULL for most cases. Scope is the same prefix test on it.
    also_unit_path: Mapped[str | None] = mapped_column(String(255))
    # The workflow's own case-level fields (its definition's "fields"), set by its effects (ctx.set).
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # Workflow variables the guards read (visit counters, flags); written only by the engine.
    vars: Mapped[dict] = mapped_column(JSON, default=dict)
    escalation_level: Mapped[int] = mapped_column(default=0)
    # An open deadline of the case has fallen due (level >= 1): set by the deadline action that made it
    # so, cleared by the step that meets or cancels the last such deadline (migration 0026). Lists and the
    # dashboard filter and count by it instead of joining every open deadline.
    overdue: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The day the case counts from: the open form's `dated_by` date, else the day it was opened.
    opened_on: Mapped[date]
    source: Mapped[str] = mapped_column(String(32), default="teacher")
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # Head of the audit chain, kept on the row so appending an event needs no extra read.
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")

    # Loaded on demand: the engine's hot path needs neither; lists and pages ask for them (CARD_OPTIONS).
    pupil = relationship("Pupil", lazy="select")
    school = relationship("OrgUnit", lazy="select", foreign_keys=[school_id])
    assignees = relationship("CaseAssignee", lazy="select", cascade="all, delete-orphan",
                             order_by="CaseAssignee.id")
    open_deadlines = relationship(
        "Deadline", primaryjoin="and_(Deadline.case_id == Case.id, Deadline.status == 'open')",
        order_by="Deadline.due_at", viewonly=True, lazy="select")

    # version_id_generator=False: the engine bumps the version once per step, however many flushes it takes.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # At most one open case per subject and workflow, enforced by the database so racing requests
        # cannot both win (0014).
        Index("uq_cases_open_per_subject", "workflow", "subject_key", unique=True,
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
        # Scope is a prefix test (LIKE '/1/4/%'): a pattern index serves it whatever the collation (0006).
        # the state (the overdue flag, the id) beside the path: a scope's counts and page ids from the index alone
        Index("ix_cases_unit_path_state", "unit_path", "state", postgresql_ops={"unit_path": "varchar_pattern_ops"},
              postgresql_include=["overdue", "id"]),
        Index("ix_cases_also_unit_path", "also_unit_path", postgresql_ops={"also_unit_path": "varchar_pattern_ops"}),
        Index("ix_cases_state", "state"),
        # a subject's cases of a workflow, closed ones too: the case page's earlier cases (0031)
        Index("ix_cases_subject", "workflow", "subject_key", "id"),
        Index("ix_cases_overdue", "id", postgresql_where=text("overdue"), sqlite_where=text("overdue")),
        # the list's sorts, the id breaking ties (app/district/filters.py keys; migration 0030)
        Index("ix_cases_sort_state", "state", "id"),
        Index("ix_cases_sort_opened_on", "opened_on", "id"),
        Index("ix_cases_sort_level", "escalation_level", "id"),
        Index("ix_cases_sort_updated", "updated_at", "id"),
        Index("ix_cases_sort_overdue", "overdue", "id"),
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseAssignee(db.Model):
    __tablename__ = "case_assignees"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("case_id", "user_id", "role", name="uq_case_assignee"),)


class CasePartner(db.Model):
    """A partner department's user invited to a case (联合劝返): their only window onto cases."""
    __tablename__ = "case_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime]
    # An invitation ends when the joint-return stage does, or when it is revoked; the row stays as the
    # record of who could see the case until when (0010).
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(16))  # stage_ended | revoked

    # One live invitation per partner and case; ended ones may be followed by a new one (after a relapse).
    __table_args__ = (Index("uq_case_partner_live", "case_id", "user_id", unique=True,
                            postgresql_where=text("ended_at IS NULL"), sqlite_where=text("ended_at IS NULL")),)
