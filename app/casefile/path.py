"""The path a case took through its workflow's main stages, for the stage bar.

Derived from the events alone: a step that takes the case to a main state earlier in the definition's
order than the one it was in is a return (a relapse: re-enrolled -> visiting again). The bar then marks
where the case went back (with the day) and shows as done only what the case has done since; the
stages it passed before the return keep a "passed before" mark, so nothing it did is hidden.
"""
from dataclasses import dataclass


@dataclass
class Return:
    from_state: str
    to_state: str
    at: object       # when it was recorded
    action: str
    seq: int


@dataclass
class BarStage:
    name: str
    state: object
    status: str      # current | done | earlier (done before a return, not since) | todo
    returns: list    # the returns that went back from this stage (a marker after it)


def returns(defn, events) -> list[Return]:
    """Every step that moved the case from a main state to an earlier main state."""
    rank = {n: i for i, n in enumerate(n for n, s in defn.states.items() if s.main)}
    return [Return(e.from_state, e.to_state, e.at, e.action, e.seq) for e in events
            if e.from_state in rank and e.to_state in rank and rank[e.to_state] < rank[e.from_state]]


def bar(defn, case, events) -> list[BarStage]:
    """The main stages in order, each with its status; the returns after the stage they left."""
    rank = {n: i for i, n in enumerate(n for n, s in defn.states.items() if s.main)}
    back = returns(defn, events)
    last = back[-1] if back else None
    since = {e.to_state for e in events if e.to_state and (last is None or e.seq >= last.seq)}
    ever = {e.to_state for e in events if e.to_state}
    # the stages before the one the case went back to stay done: the return does not undo them
    kept = {n for n in ever if last is not None and n in rank and rank[n] < rank[last.to_state]}
    out = []
    for name, s in defn.states.items():
        if not s.main:
            continue
        if name == case.state:
            status = "current"
        elif name in since or name in kept:
            status = "done"
        elif name in ever:
            status = "earlier"
        else:
            status = "todo"
        out.append(BarStage(name, s, status, [r for r in back if r.from_state == name]))
    return out
