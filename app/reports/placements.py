"""Placements of disabled children by kind (送教上门, 随班就读, 特教学校, 外出就读): the open cases in a state
marked `placed` (workflows/placement.py), per school in the reader's scope and in all, from one GROUP BY.
The kinds are the marked states of the registered definitions, labelled with their names."""
from sqlalchemy import and_, false, func, or_, select

from app.district.filters import schools_in_scope
from app.engine import machine
from app.extensions import db
from app.models import Case
from app.reports import reader
from app.reports.export import Column

PLACED = "placed"  # state: an open case in it is a placement of the kind the state names


def _kinds() -> list[tuple[str, str, object]]:
    """(workflow, state, state definition) of every state marked placed, in definition order."""
    return [(d.name, name, st) for d in machine.registered().values() for name, st in d.states.items()
            if PLACED in st.marks]


def placements(actor) -> dict:
    view = reader(actor)
    kinds = _kinds()
    clauses = [and_(Case.workflow == w, Case.state == s) for w, s, _ in kinds]
    counts: dict[int, dict] = {}
    for school_id, state, n in db.session.execute(
            select(Case.school_id, Case.state, func.count(Case.id))
            .where(view.case_filter(), Case.closed_at.is_(None), or_(*clauses) if clauses else false())
            .group_by(Case.school_id, Case.state)):
        counts.setdefault(school_id, {})[state] = counts.get(school_id, {}).get(state, 0) + int(n)
    names = list(dict.fromkeys(s for _, s, _ in kinds))
    schools = []
    for s in schools_in_scope(view):
        by_kind = {k: counts.get(s.id, {}).get(k, 0) for k in names}
        schools.append({"school": s.code, "name": s.name, "by_kind": by_kind, "total": sum(by_kind.values())})
    totals = {k: sum(row["by_kind"][k] for row in schools) for k in names}
    labels = {s: st for _, s, st in kinds}
    return {"kinds": [{"kind": k, "zh": labels[k].zh, "en": labels[k].en, "count": totals[k]} for k in names],
            "total": sum(totals.values()), "schools": schools}


def placements_table(report: dict) -> tuple[list, list]:
    """One line per school, a column per kind, then the totals (合计)."""
    columns = [Column("学校")] + [Column(k["zh"], "int") for k in report["kinds"]] + [Column("合计", "int")]
    rows = [[s["name"]] + [s["by_kind"][k["kind"]] for k in report["kinds"]] + [s["total"]] for s in report["schools"]]
    rows.append(["合计"] + [k["count"] for k in report["kinds"]] + [report["total"]])
    return columns, rows
