"""The landing redirect and the operators' liveness check."""
from flask import current_app, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from app.extensions import db
from app.web.outage import RETRY_AFTER
from app.extensions import connection
from app.views import bp


@bp.get("/")
def index():
    return redirect(url_for("views.workbench" if current_user.is_authenticated else "views.login"))


@bp.get("/healthz")
def healthz():
    """Liveness for operators: the database answers and Redis (the timers' home) answers."""
    checks = {}
    try:
        # a table, not SELECT 1: SQLite answers SELECT 1 without reading its file
        db.session.execute(text("SELECT count(*) FROM alembic_version"))
        checks["database"] = "ok"
    except Exception as e:  # noqa: BLE001 — report, do not crash: this page exists to say what is down
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 — the connection is gone; the pool drops it
            pass
        checks["database"] = f"down ({type(e).__name__})"
    try:
        connection(current_app).ping()
        checks["redis"] = "ok"
    except Exception as e:  # noqa: BLE001
        checks["redis"] = f"down ({type(e).__name__})"
    ok = all(v == "ok" for v in checks.values())
    return {"ok": ok, **checks}, 200 if ok else 503, {} if ok else {"Retry-After": str(RETRY_AFTER)}
