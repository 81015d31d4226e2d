"""GET /workflows/{name}: the definition as data (states, transitions with roles and fields, clocks)."""
from flask import jsonify

from app.api import bp
from app.engine import machine
from app.errors import NotFound
from app.engine.schema import form_schema


def describe(defn) -> dict:
    return {
        "name": defn.name, "title": defn.title, "initial": defn.initial,
        "states": [{"name": s.name, "zh": s.zh, "en": s.en, "main": s.main, "final": s.final}
                   for s in defn.states.values()],
        "open": {"roles": list(defn.open_roles), "form": form_schema(defn.open_form)},
        "transitions": [{"trigger": t.name, "zh": t.zh, "kind": t.kind, "sources": list(t.sources),
                         "dest": t.dest, "roles": list(t.roles),
                         "guards": [{"name": g.__name__, "doc": (g.__doc__ or "").strip()}
                                    for g in t.preconditions + t.guards],
                         "form": form_schema(t.form) if t.form else None}
                        for t in defn.triggers.values()],
        "deadlines": [{"clock": c.name, "zh": c.zh, "starts_on": c.starts_on, "due": list(c.due),
                       "met_by": sorted(c.met_by), "while_in": sorted(c.while_in), "remind": list(c.remind),
                       "remind_before_working_days": c.remind_before, "ladder": list(c.ladder)} for c in defn.clocks],
        "reminder_working_days_before": defn.reminder_working_days_before,
    }


@bp.get("/workflows/<name>")
def workflow(name):
    try:
        defn = machine.get(name)
    except KeyError:
        raise NotFound(f"没有这个流程 / no workflow {name!r}") from None
    return jsonify(describe(defn))
