"""Nothing in app/ names a workflow, its states, triggers or clocks: what the pages, the reports and the
API know about a workflow they read from its definition (workflows/), so adding a state, a clock or a
workflow touches only workflows/ and forms/.

The names are taken from every definition in workflows.ALL. The check is precise rather than a grep:
in Python the string literals (ast), in templates the quoted strings, each compared whole with the
names. A few names are also ordinary words of the code (a trigger called `report`, the monthly
report's `reported` column); those are allowed where listed below, each with its reason.
"""
import ast
import re
from fnmatch import fnmatch
from pathlib import Path

import workflows

APP = Path(__file__).resolve().parent.parent / "app"
# The migrations describe the data of past releases as it was, names and all (frozen on purpose).
SKIPPED = ("migrations/*",)
# Where a name is an ordinary word of the code, not the workflow's: name -> {path glob under app/: why}.
ALLOWED = {
    "report": {"reports/downloads.py": "a download's fallback file name"},
    "reported": {"reports/export.py": "the monthly report's column of that name (API field)",
                 "reports/monthly.py": "the monthly report's column of that name (API field)"},
    "re_enrolled": {"reports/figures.py": "the dashboard trend's series of that name (API field)",
                    "views/dashboard.py": "the dashboard trend's series of that name (API field)",
                    "api/openapi_schemas.py": "the dashboard trend's series of that name (API field)"},
    "verify": {"cli/*": "the `baoxue audit verify` command"},
}
# Files another change of this layout step rewrites (the demo leaves app/ for demo/):
# (path glob, name or "*"); delete once it has landed.
PENDING = {("district/demo.py", "*")}
QUOTED = re.compile(r"""(['"])([^'"\n]*)\1""")


def workflow_names() -> set[str]:
    names = set()
    for raw in workflows.ALL:
        names.add(raw["name"])
        names |= {s["name"] for s in raw["states"]}
        names |= {t["name"] for t in raw["triggers"]}
        names |= {c["name"] for c in raw.get("clocks", ())}
    return names


def python_literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def template_literals(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for m in QUOTED.finditer(line):
            yield number, m.group(2)


def named(names: set[str]) -> list[str]:
    found = []
    for path in sorted(APP.rglob("*")):
        where = path.relative_to(APP).as_posix()
        if any(fnmatch(where, s) for s in SKIPPED):
            continue
        reader = python_literals if path.suffix == ".py" else template_literals if path.suffix == ".html" else None
        if reader is None:
            continue
        for line, text in reader(path):
            if text in names and not any(fnmatch(where, glob) for glob in ALLOWED.get(text, {})) \
                    and not any(fnmatch(where, glob) and what in ("*", text) for glob, what in PENDING):
                found.append(f"app/{where}:{line}: {text!r}")
    return found


def test_app_names_no_workflow_state_trigger_or_clock():
    found = named(workflow_names())
    assert not found, ("app/ names a workflow's own names; read them from the definition instead:\n  "
                       + "\n  ".join(found))


def test_the_allowed_words_are_names_and_the_check_finds_a_literal(tmp_path):
    names = workflow_names()
    assert set(ALLOWED) <= names  # an entry for a name no workflow has any more would hide nothing
    sample = tmp_path / "sample.py"
    sample.write_text('x = {"a": 1}\nif case.state == "visiting":\n    pass\n', encoding="utf-8")
    assert [t for _, t in python_literals(sample) if t in names] == ["visiting"]
    page = tmp_path / "page.html"
    page.write_text("{% if case.state == 'reported' %}<b class=\"x\">reported</b>{% endif %}", encoding="utf-8")
    assert [t for _, t in template_literals(page) if t in names] == ["reported"]
