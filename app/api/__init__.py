"""The JSON API, /api/v1: one module per resource, errors handled in one place (errors.py)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import (  # noqa: E402,F401
    access_log,
    admin_events,
    attendance,
    audit,
    auth,
    cases,
    errors,
    home_visits,
    ledgers,
    notifications,
    openapi,
    rechecks,
    registers,
    report_versions,
    reports,
    students,
    targets,
    unit_settings,
    workflows,
)
