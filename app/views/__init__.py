"""HTML pages. The full web application comes with its own issue; this serves the landing page."""
from flask import Blueprint, render_template_string

bp = Blueprint("views", __name__)

LANDING = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>保学 Baoxue</title>
<body style="font-family:sans-serif;max-width:46em;margin:2em auto">
<h1>保学 · 控辍保学个案管理</h1>
<p>JSON API: <a href="{{ url_for('api.openapi') }}">/api/v1/openapi.json</a></p>
<p>Workflow: <a href="{{ url_for('api.workflow', name='dropout') }}">/api/v1/workflows/dropout</a></p>
</body></html>"""


@bp.get("/")
def index():
    return render_template_string(LANDING)


@bp.get("/healthz")
def healthz():
    """Liveness for operators: the database answers and Redis (the timers' home) answers."""
    from flask import current_app
    from sqlalchemy import text

    from app.extensions import db
    from app.redis_conn import connection
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as e:  # report, do not crash: this page exists to say what is down
        checks["database"] = type(e).__name__
    try:
        connection(current_app).ping()
        checks["redis"] = "ok"
    except Exception as e:
        checks["redis"] = type(e).__name__
    ok = all(v == "ok" for v in checks.values())
    return {"ok": ok, **checks}, 200 if ok else 503
