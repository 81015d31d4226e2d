"""The web application (server-rendered, Chinese first): one module per page area, URL rules here.

Every handler does three things in order: load what it shows in the user's scope (404 otherwise),
check the user may do what they ask (403), then call one operation and render.
"""
from flask import Blueprint

bp = Blueprint("views", __name__)

# The page modules register their routes on bp (so they come after it); setup its error handlers.
from app.views import (  # noqa: E402,F401
    admin, attendance, audit, auth, case, casefile, cases, dashboard, health, help, notices, offline, records,
    home_visits, ledgers, rechecks, registers, report_versions, setup, targets,
    timeline, work,
)


def init_app(app) -> None:
    setup.init_app(app)
