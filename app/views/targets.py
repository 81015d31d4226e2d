"""The bureau's targets on screen (/targets): what each school in scope is held to this school year, and
the form that sets a school's or the district's (bureau only); the placements by kind and the abnormal 学籍
status series, each with its chart. The figures are app/reports (targets.py, placements.py, status.py)."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from app import clock
from app.audit import history
from app.auth.actor import current_actor
from app.deadlines import calendar
from app.errors import Invalid
from app.reports import charts, placements, reader, school_year, status, targets
from app.views import access, bp, forms
from app.views.i18n import lang
from forms.targets import StatusCountsForm, TargetsForm


@bp.route("/targets", methods=["GET", "POST"])
@login_required
def targets_page():
    access.require("reports")
    view = reader(current_actor())
    year = school_year(calendar.local_date(clock.now()))[0].year
    may_set = bool(current_actor().role_names & set(targets.SETTERS))
    form, status = forms.bound(TargetsForm, school_year=year), 200
    if request.method == "POST":
        form = TargetsForm(forms.formdata_for(TargetsForm, request.form), meta=forms.meta())
        if form.validate():
            try:
                unit = targets.unit_in_scope(current_actor(), form.unit.data, targets.SETTERS, ("school", "district"))
                targets.set_targets(unit, history.by(current_actor()), form.school_year.data,
                                    float(form.dropout_rate_max.data) / 100, float(form.retention_rate_min.data) / 100)
                year = form.school_year.data
            except Invalid as e:
                form = forms.bound(TargetsForm, request.form, e.fields)
                status = 422
        else:
            status = 422
    return render_template("targets.html", report=targets.target_report(view, year), form=form,
                           may_set=may_set), status


@bp.get("/reports/placements")
@login_required
def placements_page():
    access.require("reports")
    report = placements.placements(current_actor())
    label = lang()
    chart = charts.bar_chart([(k[label], k["count"]) for k in report["kinds"]], title=_("残疾儿童安置方式"))
    return render_template("placements.html", report=report, chart=chart)


@bp.route("/reports/status", methods=["GET", "POST"])
@login_required
def status_page():
    access.require("reports")
    may_set = bool(current_actor().role_names & set(status.SETTERS))
    form, code = forms.bound(StatusCountsForm), 200
    if request.method == "POST":
        form = StatusCountsForm(forms.formdata_for(StatusCountsForm, request.form), meta=forms.meta())
        if form.validate():
            try:
                unit = targets.unit_in_scope(current_actor(), form.school.data, status.SETTERS, ("school",),
                                             field="school")
                status.set_counts(unit, history.by(current_actor()), form.month.data, form.abnormal.data,
                                  form.other_left.data, form.problem_records.data)
            except Invalid as e:
                form, code = forms.bound(StatusCountsForm, request.form, e.fields), 422
        else:
            code = 422
    series = status.series(reader(current_actor()))
    months = series["months"]
    chart = charts.line_chart([m["month"][2:] for m in months],
                              {_("学籍异常"): [m["abnormal"] for m in months],
                               _("其他离校"): [m["other_left"] for m in months],
                               _("问题学籍"): [m["problem_records"] for m in months]}, title=_("学籍异常人数（月末）"))
    return render_template("status.html", series=series, chart=chart, form=form, may_set=may_set), code
