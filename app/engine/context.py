"""What guards and effects of a definition see of a step, and the few things they may change."""
from sqlalchemy import select

from app.auth.actor import Actor
from app.errors import Invalid
from app.extensions import db
from app.audit import history
from app.models import Case, CaseAssignee, CasePartner, OrgUnit, Pupil, User

# What a step may freeze (ctx.freeze(name)): name -> maker(ctx) -> ((table, row), note). The makers are
# the app's (app/reports/frozen.py registers the monthly report's); the definition names one.
FREEZERS: dict = {}


class StepContext:
    def __init__(self, case, data: dict, actor, now, defn):
        self.case, self.data, self.actor, self.now = case, data, actor, now
        self.vars = dict(case.vars or {})
        # The definition's case-level fields as the case has them (defaults where it has none yet).
        self.fields = defn.field_values(case.fields)
        self.sets: dict = {}
        self.notes: dict = {}  # extra facts for the audit event (who was assigned, invited)
        self.extra: list[tuple[str, dict]] = []  # rows to add in the step's own write (table, values)
        self.files: list[dict] = []  # the evidence files the step carries (sha256, name, size, type)

    def on_side(self, side: str) -> bool:
        """Whether the actor works this case from its subject's side ("subject": a grant over the case's
        own unit) or from its second unit's ("also": the subject's `also` unit, a receiving school). A
        bureau over both is on both. Without an actor (nothing asked of a person) every side holds."""
        if self.actor is None:
            return True
        path = self.case.unit_path if side == "subject" else getattr(self.case, "also_unit_path", None)
        return bool(path) and bool(self.actor.roles_for_path(path))

    def has_side(self, side: str) -> bool:
        """Whether the case has that side: "also" only when its open form named a second unit."""
        return side == "subject" or bool(getattr(self.case, "also_unit_path", None))

    def subject_cases(self, workflow: str) -> list[tuple[str, bool]]:
        """(state, closed) of every case of `workflow` about this case's subject (a transfer of the pupil
        this dropout case is about), oldest first."""
        rows = db.session.execute(select(Case.state, Case.closed_at).where(
            Case.workflow == workflow, Case.subject_key == self.case.subject_key).order_by(Case.id)).all()
        return [(state, closed is not None) for state, closed in rows]

    def move_pupil(self, class_id, within: str = "also", field: str = "class_id") -> None:
        """The case's pupil moves to class `class_id`, a class under the case's `within` side's unit, in
        the step's own write: the pupil's class changes and the pupil's history records it, as a roster
        change does (who, when, the class before and after). A class elsewhere is a 422 naming `field`."""
        under = self.case.unit_path if within == "subject" else self.case.also_unit_path
        target = db.session.get(OrgUnit, class_id) if isinstance(class_id, int) else None
        if target is None or target.kind != "class" or not under or not target.path.startswith(under):
            raise Invalid({field: "须是接收单位的班级 / must be a class of the receiving unit"})
        kind, _, ident = self.case.subject_key.partition(":")
        if kind != "pupil":  # a definition error, not the user's: only a pupil's case moves a pupil
            raise ValueError(f"move_pupil on a case about {kind!r}, not a pupil")
        pupil_id = int(ident)
        pupil = db.session.get(Pupil, pupil_id)
        self.extra.append(("pupils", {"class_id": target.id}, [pupil_id]))
        self.extra.append(("pupil_events", history.pupil_event_row(
            pupil_id, history.by(self.actor), "updated", {"class_code": [pupil.klass.code, target.code]}, self.now)))
        self.notes["moved"] = {"pupil_id": pupil_id, "from": pupil.klass.code, "to": target.code}

    def freeze(self, name: str) -> None:
        """Freeze a snapshot of what the step submits, written with the step or not at all; its hash goes
        on the step's audit event, so the case's own chain vouches for it."""
        row, note = FREEZERS[name](self)
        self.extra.append(row)
        self.notes["frozen"] = note

    def field(self, name: str):
        """A case-level field of the definition ("fields"), as the case had it before this step."""
        return self.fields[name]

    def set(self, attr: str, value) -> None:
        """Set one of the definition's case-level fields; nothing else of the case is an effect's to set."""
        if attr not in self.fields:
            raise ValueError(f"a workflow effect may not set case.{attr}")
        self.sets[attr] = value

    def _user(self, username: str) -> User:
        user = db.session.execute(select(User).where(User.username == username, User.active.is_(True))
                                  ).scalar_one_or_none()
        if user is None:
            raise Invalid({"username": "没有这个用户 / no such user"})
        return user

    def add_assignee(self, username: str, role: str) -> None:
        user = self._user(username)
        if role not in Actor(user).roles_for_path(self.case.unit_path):
            raise Invalid({"username": f"该用户在本个案范围内没有 {role} 角色 / the user holds no {role} role "
                                       "over this case"})
        exists = db.session.execute(select(CaseAssignee.id).where(
            CaseAssignee.case_id == self.case.id, CaseAssignee.user_id == user.id, CaseAssignee.role == role)).first()
        if not exists:
            self.extra.append(("case_assignees", {"case_id": self.case.id, "user_id": user.id, "role": role}))
        self.notes["assigned"] = {"username": username, "role": role}

    def invite_partner(self, username: str) -> None:
        user = self._user(username)
        if not any(a.role == "partner" for a in user.assignments):
            raise Invalid({"username": "该用户不是联合劝返成员单位 / the user is not a partner"})
        if not self._live_invitations(user.id):
            self.extra.append(("case_partners", {"case_id": self.case.id, "user_id": user.id,
                                                 "invited_by": self.actor.id, "invited_at": self.now}))
        self.notes["invited"] = username

    def _live_invitations(self, user_id=None) -> list:
        """(invitation id, partner's username) of the case's invitations that have not ended."""
        where = [CasePartner.case_id == self.case.id, CasePartner.ended_at.is_(None)]
        if user_id is not None:
            where.append(CasePartner.user_id == user_id)
        return db.session.execute(select(CasePartner.id, User.username).join(User, User.id == CasePartner.user_id)
                                  .where(*where).order_by(CasePartner.id)).all()

    def _end_invitations(self, rows, reason: str) -> None:
        # An UPDATE in the step's own write: the invitations end with the step, or not at all if it loses a race.
        self.extra.append(("case_partners", {"ended_at": self.now, "ended_by": self.actor.id, "end_reason": reason},
                           [row_id for row_id, _ in rows]))

    def revoke_partner(self, username: str) -> None:
        user = self._user(username)
        rows = self._live_invitations(user.id)
        if not rows:
            raise Invalid({"username": "该用户未受邀参与本个案 / the user holds no invitation to this case"})
        self._end_invitations(rows, "revoked")
        self.notes["revoked"] = username

    def end_partner_access(self) -> None:
        """The stage partners were invited for is over: every live invitation ends (named on the event)."""
        if not getattr(self.case, "partnered", True):  # the step's read found none (store.Snapshot)
            return
        rows = self._live_invitations()
        if rows:
            self._end_invitations(rows, "stage_ended")
            self.notes["partners_ended"] = [name for _, name in rows]
