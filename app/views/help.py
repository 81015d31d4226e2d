"""帮助: how the work goes for each role (/help/<role>) and what the whole system means by its stages,
its deadlines in working days and its escalation levels (/help). The facts — stages, clocks, ladders,
who may do what, this year's holidays — come from the definitions and the calendar (app/district/guide.py);
the prose is in app/templates/help/."""
from flask import render_template
from flask_login import current_user, login_required

from app import clock
from app.auth.roles import ROLES
from app.deadlines import calendar
from app.district import guide
from app.errors import NotFound
from app.views import bp


def _my_roles() -> list[str]:
    mine = {a.role for a in current_user.assignments}
    return [r for r in ROLES if r in mine]


@bp.get("/help")
@login_required
def help_page():
    today = calendar.local_date(clock.now())
    holidays, makeup, official = guide.year_calendar(today.year)
    return render_template("help/index.html", roles=ROLES, my_roles=_my_roles(), workflows=guide.workflows(),
                           stages=guide.stages, off_ramps=guide.off_ramps, anytime=guide.anytime,
                           clocks=guide.clocks, levels=guide.levels(), year=today.year, holidays=holidays,
                           makeup=makeup, official=official, example=guide.example(today, holidays=holidays))


@bp.get("/help/<role>")
@login_required
def help_role(role):
    if role not in ROLES:
        raise NotFound("没有这个角色 / no such role")
    return render_template("help/role.html", role=role, roles=ROLES, my_roles=_my_roles(),
                           work=[w for w in guide.role_work(role)], prose=f"help/roles/{role}.html")
