"""The county's quarterly re-check (抽查复验) on screen (/rechecks): a quarter's draw, each check with
its state and a link to its case, and the form that draws (bureau officer; the data is app/rechecks)."""
from flask import redirect, render_template, request, url_for
from flask_login import login_required

from app import clock, rechecks
from app.auth.actor import current_actor
from app.deadlines import calendar
from app.errors import Invalid
from app.views import bp, forms
from forms.recheck import RecheckDrawForm


def this_quarter() -> str:
    today = calendar.local_date(clock.now())
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@bp.route("/rechecks", methods=["GET", "POST"])
@login_required
def rechecks_page():
    actor = current_actor()
    district = request.values.get("district") or None
    rechecks.district_of(actor, district)  # 404 outside the scope, 403 without the role
    quarter, status = request.args.get("quarter") or this_quarter(), 200
    form = forms.bound(RecheckDrawForm, quarter=quarter, district=district or "")
    if request.method == "POST":
        form = RecheckDrawForm(forms.formdata_for(RecheckDrawForm, request.form), meta=forms.meta())
        if form.validate():
            try:
                result, _new = rechecks.draw(actor, form.quarter.data, form.district.data or None, form.share.data,
                                             form.seed.data)
                return redirect(url_for("views.rechecks_page", quarter=result["quarter"], district=district))
            except Invalid as e:
                form = forms.bound(RecheckDrawForm, request.form, e.fields)
        status, quarter = 422, this_quarter()
    return render_template("rechecks.html", data=rechecks.listing(actor, quarter, district), form=form), status
