"""The user pickers of the case page's team forms: the username box becomes a select of the users who may
be picked for this case (app/district/team.py), by display name. The form class stays the one schema of
the page and the API (a username); the engine refuses a user not eligible with a field error."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.roles import ASSIGNABLE_LABELS
from app.district import team
from app.extensions import db
from app.models import OrgUnit
from forms.team import AssignForm, InvitePartnerForm, RevokePartnerForm
from forms.transfer import AcceptTransferForm


def _who(user) -> str:
    name = user.display_name or user.username
    return name if name == user.username else f"{name} ({user.username})"


def assign_choices(case) -> list[tuple[str, str]]:
    return [(u.username, f"{_who(u)} · {'、'.join(_(ASSIGNABLE_LABELS[r]) for r in roles)}")
            for u, roles in team.assignable_users(case.unit_path)]


# A list longer than this is no use as a select (a district has hundreds of staff, a province tens of
# thousands, and reading and drawing them all cost the list page seconds): the bulk form then takes a
# username typed in, which the engine checks per case as it checks a picked one.
REACH_MAX = 300


def reach_choices(actor) -> list[tuple[str, str]] | None:
    """The bulk form's users, or None when they hold more than REACH_MAX grants (a username is typed)."""
    users = team.users_in_reach(actor, cap=REACH_MAX)
    if users is None:
        return None
    return [(u.username, f"{_who(u)} · {'、'.join(_(ASSIGNABLE_LABELS[r]) for r in roles)}") for u, roles in users]


def attach(case, action_forms: dict) -> None:
    """Give each team form of the page its list (read by the `field` macro as `picker`)."""
    for form in action_forms.values():
        if isinstance(form, AssignForm):
            form.username.picker = assign_choices(case)
        elif isinstance(form, InvitePartnerForm):
            form.username.picker = [(u.username, _who(u)) for u in team.partner_users()]
        elif isinstance(form, RevokePartnerForm):
            form.username.picker = [(u.username, _who(u)) for u in team.invited_users(case.id)]
        elif isinstance(form, AcceptTransferForm):
            form.class_id.picker = class_choices(case.also_unit_path)


def class_choices(path: str | None) -> list[tuple[int, str]]:
    """The classes under a unit (a receiving school's), by name: the class a transferred pupil joins."""
    if not path:
        return []
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.kind == "class", OrgUnit.path.startswith(path, autoescape=True)).order_by(OrgUnit.path)).all()
    return [(unit_id, name) for unit_id, name in rows]


def second_unit(defn, form):
    """The open form's second-unit field (the subject's `also`: a transfer's receiving school) picks from
    every unit of its kinds by name: the unit is usually outside the opener's scope (another school), and
    a school's name is no one's personal data. Returns the form."""
    also = defn.subject.get("also")
    if also and also["field"] in form._fields:
        rows = db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind.in_(also["unit_kinds"]))
                                  .order_by(OrgUnit.code)).all()
        form[also["field"]].picker = [(unit_id, name) for unit_id, name in rows]
    return form
