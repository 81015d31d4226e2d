"""The package's layout holds: imports at the top of modules, no import cycles among app/'s modules, and
the top level of app/ keeps only the factory and what everything else stands on.

Read with the standard library's ast: nothing here imports the modules it checks (except the one
`import app` in a fresh interpreter).
"""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
SKIP = ("migrations",)  # Alembic's scripts: run by Alembic, never imported by the app

# Function-level imports of app modules that stay, each with its reason: (file, module) -> why.
FACTORY = "the factory: app/__init__ is imported before any of its submodules (forms/ imports app.auth.roles), " \
          "so it loads the layers when an app is built, not when the package is imported"
SWEEPER = "a real cycle: the sweeper runs act() and records incidents, and these entry points hand over to it"
FACTORY_USER = "a real cycle: the factory registers this module's hooks; a job run outside the worker makes an app"
LOCAL_IMPORTS = {
    ("app/__init__.py", "app.web.limits"): FACTORY,
    ("app/__init__.py", "app.views"): FACTORY,
    ("app/__init__.py", "app.web.edge"): FACTORY,
    ("app/__init__.py", "app.api"): FACTORY,
    ("app/__init__.py", "app.privacy.redaction"): FACTORY,
    ("app/__init__.py", "app.engine.warm"): FACTORY,
    ("app/deadlines/burst.py", "app.deadlines.sweeper"): SWEEPER,
    ("app/reports/figures.py", "app.reports.rollup"): "a real cycle: the rollup stores the counts this module's row helpers make, and the dashboard reads them back",
    ("app/reports/rollup.py", "app.deadlines.timers"): FACTORY_USER,
    ("app/__init__.py", "app.cli"): FACTORY,
    ("app/__init__.py", "app.deadlines.timers"): FACTORY,
    ("app/__init__.py", "app.engine.operations"): FACTORY,
    ("app/__init__.py", "app.reports.frozen"): FACTORY,
    ("app/__init__.py", "app.engine.definition"): FACTORY,
    ("app/__init__.py", "app.engine.machine"): FACTORY,
    ("app/__init__.py", "app.auth.roles"): FACTORY,
    ("app/deadlines/actions.py", "app.deadlines.sweeper"): SWEEPER,
    ("app/deadlines/incidents.py", "app.deadlines.sweeper"): SWEEPER,
    ("app/deadlines/timers.py", "app"): FACTORY_USER,
}

TOP_LEVEL = {"__init__.py", "config.py", "extensions.py", "errors.py", "clock.py", "logs.py"}


def _modules() -> dict[str, Path]:
    """Every module of app/ by dotted name (a package by its own name)."""
    out = {}
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[1] in SKIP:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(node) -> list[str]:
    """The modules an import statement names (for `from a import b`, a and a.b: b may be a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or not node.module:
        return []
    return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]


def _is_app(name: str) -> bool:
    return name == "app" or name.startswith("app.")


def _function_level_imports(tree, modules) -> list[tuple[int, str]]:
    """(line, module) of each import of an app module inside a function (`from app.x import y`: app.x.y
    when y is a module, else app.x)."""
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                             for a in node.names]
                else:
                    continue
                found += [(node.lineno, n) for n in dict.fromkeys(names) if _is_app(n)]
    return found


def _module_level_imports(tree):
    """Import statements run when the module is imported: the body and its if/try blocks, not functions,
    classes' methods or `if TYPE_CHECKING:`."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
        elif isinstance(node, ast.ClassDef):
            pending += node.body


def test_no_function_level_imports_of_app_modules_outside_the_allowlist():
    found = set()
    modules = _modules()
    for path in modules.values():
        rel = path.relative_to(ROOT).as_posix()
        for lineno, module in _function_level_imports(ast.parse(path.read_text(encoding="utf-8")), modules):
            found.add((rel, module))
            assert (rel, module) in LOCAL_IMPORTS, (
                f"{rel}:{lineno} imports {module} inside a function: move it to the top of the module "
                "(a cycle that forces it is fixed, not worked around), or add it to LOCAL_IMPORTS with why")
    stale = sorted(set(LOCAL_IMPORTS) - found)
    assert not stale, f"LOCAL_IMPORTS lists imports that are gone (drop them): {stale}"


def test_no_import_cycles_among_app_modules():
    """A module importing from its own package (a blueprint's module reading `bp` from the package that
    imports it) is how packages are built, not a cycle: Python initialises the package first."""
    modules = _modules()
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _imported(node):
                # importing a.b.c runs a, a.b and a.b.c
                parts = target.split(".")
                for i in range(1, len(parts) + 1):
                    dep = ".".join(parts[:i])
                    if dep in modules and dep != name and not name.startswith(dep + "."):
                        graph[name].add(dep)
    cycles = _strongly_connected(graph)
    assert not cycles, "import cycles among app/'s modules:\n  " + "\n  ".join(", ".join(c) for c in cycles)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components of more than one module."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def test_cycle_check_finds_a_cycle():
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _strongly_connected({"a": {"b"}, "b": set()}) == []


def test_import_app_and_the_cli_in_a_fresh_interpreter(tmp_path):
    for statement in ("import app", "import app.cli", "import forms.admin, workflows",
                      "from app import create_app; create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'})"):
        done = subprocess.run([sys.executable, "-c", statement], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, env={"PATH": "/usr/bin:/bin", "BAOXUE_INSTANCE": str(tmp_path)})
        assert done.returncode == 0, f"{statement}:\n{done.stderr}"


def test_top_of_app_holds_only_the_factory_and_the_base_modules():
    loose = {p.name for p in APP.iterdir() if p.is_file() and p.suffix == ".py"}
    assert loose <= TOP_LEVEL, f"put these in a package of app/: {sorted(loose - TOP_LEVEL)}"
    packages = [p for p in APP.iterdir() if p.is_dir() and any(p.glob("*.py"))]
    assert all((p / "__init__.py").exists() for p in packages if p.name not in SKIP), \
        "every folder of Python modules under app/ is a package"
