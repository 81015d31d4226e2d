"""The notices page (/notices): every notice of the logged-in user, read and unread, newest first, in
pages, filtered by unread / kind / case; marking read one, the ticked ones, or all that match the
filter. Only the user's own notices exist here: a foreign id in a selection is 404 and marks nothing.
The header's counter of unread notices comes from unread_counter() (one COUNT, once per page)."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import clock
from app.district import notices
from app.views import bp
from app.web import paging

PER_PAGE = 30
HEADER_CAP = 999  # past it the header says "999+": counting stops there
KIND_LABELS = {"reminder": _l("提醒"), "overdue": _l("逾期"), "escalated": _l("升级督办"), "at_risk": _l("新增重点生")}


def unread_counter():
    """For the header (a template global, so pages that show no header cost nothing): the count
    of the user's unread notices, read at most once per request."""
    if not current_user.is_authenticated:
        return None
    if "unread_notices" not in g:
        n = notices.unread_count(current_user.id, cap=HEADER_CAP)
        g.unread_notices = n if n <= HEADER_CAP else f"{HEADER_CAP}+"
    return g.unread_notices


@bp.get("/notices")
@login_required
def notices_page():
    return _render(notices.read_filter(request.args), paging.lenient_page(request.args))


def _render(flt, page: int, error: str | None = None, status: int = 200):
    rows, pages = paging.fetch(*notices.listing(current_user.id, flt), page, PER_PAGE, after=request.args.get("after"))
    if not rows and page > 1 and pages["pages"]:  # past the end (its notices just marked read): the last page
        rows, pages = paging.fetch(*notices.listing(current_user.id, flt), pages["pages"], PER_PAGE)
    return render_template("notices.html", rows=rows, pages=pages, flt=flt, kinds=notices.KINDS,
                           kind_labels=KIND_LABELS, error=error), status


@bp.post("/notices/read")
@login_required
def notices_read():
    """`one=<id>`: that notice; `ids=<id>…`: the ticked ones; `all=1`: every unread one matching the
    filter the form carries (unread / kind / case), however many pages it spans."""
    flt = notices.read_filter(request.form)
    now = clock.now()
    if request.form.get("all") == "1":
        done = notices.mark_matching_read(current_user.id, flt, now)
    else:
        one = request.form.get("one")
        chosen = [one] if one else request.form.getlist("ids")
        if not chosen:  # the button pressed with nothing ticked: say so beside the list, change nothing
            return _render(flt, paging.lenient_page(request.form), _("请先勾选要标为已读的通知"), 422)
        done = notices.mark_read(current_user.id, notices.selected_ids(chosen), now)
    flash(f"已标为已读：{done} 条 / marked read: {done}", "ok")
    page = request.form.get("page", type=int)
    return redirect(url_for("views.notices_page", **flt.args(), **({"page": page} if page and page > 1 else {})))
