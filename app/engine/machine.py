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
    defn.moves, defn.offered = _tables(machine, defn)
    return defn


def _tables(machine: Machine, defn: Definition) -> tuple[dict, dict]:
    """The machine's graph read out once: (state, trigger) -> the state it leads to, and each state's
    triggers in the machine's own order. A step asks both every time; asking `transitions` builds an
    event data object and walks its callbacks for a move that has none."""
    moves = {}
    for name, event in machine.events.items():
        for source, transitions in event.transitions.items():
            dest = transitions[0].dest  # one transition per (trigger, source): add_transition above
            moves[(source, name)] = source if dest is None else dest
    offered = {state: tuple(machine.get_triggers(state)) for state in defn.states}
    return moves, offered


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
    return list(defn.offered.get(state, ()))


def apply(defn: Definition, case, trigger: str) -> None:
    """Move the case row along `trigger` (the caller has checked that it may)."""
    dest = defn.moves.get((case.state, trigger))
    if dest is None:  # not a move of the graph: the machine raises as it always has
        defn.machine.events[trigger].trigger(case)
    else:
        case.state = dest
