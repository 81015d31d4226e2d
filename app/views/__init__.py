"""The web application (server-rendered, Chinese first): one module per page area, URL rules here.

Every handler does three things in order: load what it shows in the user's scope (404 otherwise),
check the user may do what they ask (403), then call one operation and render.
"""
from flask import Blueprint

bp = Blueprint("views", __name__)

from app.views import admin, audit, auth, case, cases, dashboard, health, records, timeline, work  # noqa: E402,F401  (registers the routes)


def init_app(app) -> None:
    from app.views import setup
    setup.init_app(app)
