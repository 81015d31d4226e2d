"""Working without signal: the service worker at the app's root (/sw.js: scope / needs it served from
there, not from /static/), and what the case page's action forms need for their drafts — a fresh
client key per form, and the keys of this user's actions the case has recorded (the page's script
tells the phone its queued drafts arrived). The drafts and the queue are app/static/offline.js; the
server's side of "sent once" is app/engine/client_keys.py."""
import hashlib
import json
import secrets
from pathlib import Path

from flask import current_app, url_for
from flask_login import current_user

from app.engine import client_keys
from app.views import bp

STATIC_SHELL = ("baoxue.css", "baoxue.js", "tables.js", "offline.js")  # what a cached case page needs


def _static_dir() -> Path:
    return Path(current_app.static_folder)


@bp.get("/sw.js")
def service_worker():
    """The worker's script with its cache version (a hash of itself and the files it keeps) and the
    URLs of those files: a changed stylesheet is fetched again, an old cache dropped."""
    static = _static_dir()
    source = (static / "sw.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode())
    for name in STATIC_SHELL:
        digest.update((static / name).read_bytes())
    shell = [url_for("static", filename=name) for name in STATIC_SHELL]
    body = (f"const VERSION = {json.dumps(digest.hexdigest()[:12])};\n"
            f"const SHELL = {json.dumps(shell)};\n" + source)
    # no-cache: the browser asks each time whether the worker changed (it does so at most daily anyway)
    return body, 200, {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache",
                       "Service-Worker-Allowed": url_for("views.index")}


@bp.app_template_global()
def new_client_key() -> str:
    """A key for one posting of an action form (a page without script still sends each form once)."""
    return secrets.token_urlsafe(16)


@bp.app_template_global()
def drafts_sent(case) -> list[str]:
    """The client keys of the current user's latest actions on the case."""
    if not current_user.is_authenticated:
        return []
    return client_keys.done_by(case.id, current_user.id)
