"""Compile a definition into ONE `transitions` machine, and apply it to case rows.

The machine holds no models: it is the state graph, built once at start-up and shared by every
request and thread. A case row is passed to an event as the model for the duration of one call;
`transitions` reads and writes its `state` attribute and nothing else.
"""
from transitions import Machine

from app.engine.definition import Definition

_compiled: dict[str, Definition] = {}


def compile_definition(defn: Definition) -> Definition:
    machine = Machine(model=None, states=list(defn.states), initial=defn.initial,
                      auto_transitions=False, ignore_invalid_triggers=False)
    for t in defn.triggers.values():
        # dest None is an internal transition: recorded, state unchanged.
        machine.add_transition(t.name, list(t.sources), t.dest)
    defn.machine = machine
    return defn


def register(defn: Definition) -> Definition:
    """Compile once per process; registering the same definition again is a no-op."""
    existing = _compiled.get(defn.name)
    if existing is not None and existing.triggers.keys() == defn.triggers.keys():
        return existing
    _compiled[defn.name] = compile_definition(defn)
    return _compiled[defn.name]


def get(name: str) -> Definition:
    return _compiled[name]


def default() -> Definition:
    """The first definition registered (workflows.ALL's first): a request naming no workflow means it."""
    return next(iter(_compiled.values()))


def registered() -> dict[str, Definition]:
    return dict(_compiled)


def triggers_from(defn: Definition, state: str) -> list[str]:
    return defn.machine.get_triggers(state)


def apply(defn: Definition, case, trigger: str) -> None:
    """Move the case row along `trigger` (the caller has checked that it may)."""
    defn.machine.events[trigger].trigger(case)
