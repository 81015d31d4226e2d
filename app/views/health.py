"""The landing redirect and the operators' liveness check."""
from flask import current_app, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from app.extensions import db
from app.redis_conn import connection
from app.views import bp


@bp.get("/")
def index():
    return redirect(url_for("views.workbench" if current_user.is_authenticated else "views.login"))


@bp.get("/healthz")
def healthz():
    """Liveness for operators: the database answers and Redis (the timers' home) answers."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as e:  # noqa: BLE001 — report, do not crash: this page exists to say what is down
        checks["database"] = type(e).__name__
    try:
        connection(current_app).ping()
        checks["redis"] = "ok"
    except Exception as e:  # noqa: BLE001
        checks["redis"] = type(e).__name__
    ok = all(v == "ok" for v in checks.values())
    return {"ok": ok, **checks}, 200 if ok else 503
