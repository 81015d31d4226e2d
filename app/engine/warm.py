"""Build at start-up what a process's first steps would otherwise build one by one.

A fresh web or worker process used to pay, inside its first lifecycle of steps, for binding each
trigger's form (WTForms builds a form's fields on first use, app/engine/validation.py keeps one bound
form per class and thread), for reading each form's field kinds and date fields, and for compiling the
step's read statements for the database's dialect. prepare() does all of that when the app is made,
touching no database, so `baoxue db upgrade` on an empty server still starts. The state machines and
their move tables are compiled before it (app/engine/machine.py, at load_workflows()).

What needs the database — the pool's first connection, the calendar's overrides — is connect()'s, which
the worker calls at start (a web process gets its first connection on its first request either way).
"""
import gc
import logging

from app.deadlines import calendar
from app.extensions import db
from app.engine import machine, store, validation

log = logging.getLogger(__name__)


def forms_of(defn) -> list:
    """The open form and every trigger's form of a definition, each once."""
    forms = [defn.open_form] + [t.form for t in defn.triggers.values()]
    return list(dict.fromkeys(f for f in forms if f is not None))


def prepare(app) -> None:
    with app.app_context():
        for defn in machine.registered().values():
            for form in forms_of(defn):
                validation.prepare(form)
        store.prepare(db.engine.dialect)


def connect(app) -> None:
    """Open the pool's first connection and read the calendar's overrides, before the first step."""
    with app.app_context():
        try:
            calendar.overrides()
        except Exception:  # the database is not up yet: the first step connects, as it always did
            log.warning("start-up: could not reach the database to warm up", exc_info=True)
        finally:
            db.session.remove()


def settle() -> None:
    """Put what start-up built out of the garbage collector's way (gc.freeze, after one collection so no
    garbage is kept): a full collection walks every object the process holds, and the app's ~200,000
    (modules, compiled forms, templates, SQL) cost 130–180 ms each time — a request's p95 when one lands
    in it. Frozen, a full collection sees only what was made since."""
    gc.collect()
    gc.freeze()
