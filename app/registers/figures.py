"""What the registers add to the reports: mismatches by township and kind, and the county's 三统一
check — the confirmed dropouts Baoxue counts against the 学籍 system's "其他离校" and the poverty
office's count for the same school year, with the differences. Aggregates in SQL."""
from datetime import date

from sqlalchemy import and_, func, select

from app.audit import history
from app.extensions import db
from app.models import Case, Mismatch, OrgUnit, RegisterFigures
from app.registers import KIND_LABELS, KINDS
from app.reports.export import Column
from app.reports import count_if, counted, in_state_marked, is_confirmed


def by_township(district_id: int) -> dict:
    """{"kinds": [...], "rows": [{"township", "counts": {kind: n}, "total", "open"}], "totals": {...}} over
    the mismatches the latest comparison still finds."""
    rows = db.session.execute(select(Mismatch.township, Mismatch.kind, func.count(Mismatch.id),
                                     count_if(Mismatch.status == "open"))
                              .where(Mismatch.district_id == district_id, Mismatch.resolved_at.is_(None))
                              .group_by(Mismatch.township, Mismatch.kind).order_by(Mismatch.township)).all()
    table: dict[str, dict] = {}
    totals = {"counts": dict.fromkeys(KINDS, 0), "total": 0, "open": 0}
    for township, kind, n, pending in rows:
        row = table.setdefault(township, {"township": township, "counts": dict.fromkeys(KINDS, 0), "total": 0,
                                          "open": 0})
        row["counts"][kind] += n
        row["total"] += n
        row["open"] += int(pending or 0)
        totals["counts"][kind] += n
        totals["total"] += n
        totals["open"] += int(pending or 0)
    return {"kinds": list(KINDS), "rows": list(table.values()), "totals": totals}


def confirmed_dropouts(district: OrgUnit, school_year: int) -> int:
    """Cases of the district opened in the school year, now in a state counting as dropout, confirmed by
    the bureau (the reports' own definitions)."""
    start, end = date(school_year, 9, 1), date(school_year + 1, 8, 31)
    return db.session.scalar(select(func.count(Case.id)).where(
        counted(), Case.unit_path.startswith(district.path, autoescape=True), in_state_marked("counts_as_dropout"),
        is_confirmed, and_(Case.opened_on >= start, Case.opened_on <= end))) or 0


def three_unified(district: OrgUnit, school_year: int) -> dict:
    """三统一: the three counts and how far the others are from Baoxue's (None where not entered)."""
    mine = confirmed_dropouts(district, school_year)
    row = db.session.scalar(select(RegisterFigures).where(RegisterFigures.district_id == district.id,
                                                          RegisterFigures.school_year == school_year))
    xueji = row.xueji_other_left if row else None
    poverty = row.poverty_dropouts if row else None
    diff = lambda other: None if other is None else other - mine  # noqa: E731
    return {"school_year": school_year, "baoxue_confirmed": mine, "xueji_other_left": xueji,
            "poverty_dropouts": poverty, "xueji_difference": diff(xueji), "poverty_difference": diff(poverty),
            "unified": xueji == mine and poverty == mine}


def set_figures(district: OrgUnit, who: history.By, school_year: int, xueji: int | None, poverty: int | None):
    """Enter (or correct) the other offices' figures for a school year; an admin event records it."""
    return history.set_recorded(who, RegisterFigures, {"district_id": district.id, "school_year": school_year},
                                {"xueji_other_left": xueji, "poverty_dropouts": poverty},
                                "register_figures_set", f"{district.code}:{school_year}")


def township_table(report: dict) -> tuple[list, list]:
    """by_township() as a download: one line per township, then the totals (合计)."""
    columns = [Column("乡镇")] + [Column(KIND_LABELS[k], "int") for k in KINDS] + [Column("合计", "int"),
                                                                                 Column("待核查", "int")]
    rows = [[r["township"]] + [r["counts"][k] for k in KINDS] + [r["total"], r["open"]] for r in report["rows"]]
    t = report["totals"]
    rows.append(["合计"] + [t["counts"][k] for k in KINDS] + [t["total"], t["open"]])
    return columns, rows
