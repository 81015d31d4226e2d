"""The home-visit register (家访登记表) on screen: record a visit to a pupil of one's class, and the
register — the register's visits and the cases' visit steps, each once. School staff only (403), their
pupils only (404); the data is app/home_visits."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.auth.actor import current_actor
from app.engine.validation import validated_form
from app.errors import Conflict, Invalid
from app.home_visits import register
from app.views import bp, forms
from app.views.i18n import pick
from app.web import paging
from forms.home_visit import HomeVisitForm


def _page(form, status=200, conflict=None):
    actor = current_actor()
    register.require_recorder(actor)
    pupils = register.class_pupils(actor)
    form.student_id.picker = [(p.id, f"{p.name} · {p.klass.name}") for p in pupils]
    rows, count = register.entries(actor)
    keys, meta = paging.fetch(rows, count, paging.lenient_page(request.args), 50, scalars=False)
    return render_template("home_visits.html", form=form, entries=register.render(keys), meta=meta,
                           conflict=conflict), status


@bp.get("/home-visits")
@login_required
def home_visits_page():
    chosen = request.args.get("student_id", type=int)
    return _page(forms.bound(HomeVisitForm, student_id=chosen))


@bp.post("/home-visits")
@login_required
def home_visit_record():
    posted = request.form
    try:
        register.record(current_actor(), validated_form(HomeVisitForm, forms.payload(HomeVisitForm, posted)))
    except Invalid as e:
        return _page(forms.bound(HomeVisitForm, posted, e.fields), 422)
    except Conflict as e:
        return _page(forms.bound(HomeVisitForm, posted), 409, conflict=e.extra.get("open_case_id"))
    flash(pick("家访已登记 / the home visit is recorded"), "success")
    return redirect(url_for("views.home_visits_page"))
