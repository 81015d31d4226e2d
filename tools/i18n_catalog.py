"""The English catalog's upkeep: which message ids the UI needs, and which of them it lacks.

Message ids are the Chinese UI text; the English is in app/translations/en/LC_MESSAGES/messages.po,
compiled to messages.mo next to it (the app reads only the .mo). Two kinds of message ids:

* literal ones: ``_('中文')`` / ``gettext`` / ``ngettext`` / ``lazy_gettext`` / ``_l`` (form labels) /
  ``N_`` (choice and role labels) in app/templates/**/*.html and in the Python code under app/ and forms/,
  plus what a template translates with ``'中文'|t`` or through ``_(x)`` over a literal list in a
  ``{% for %}``. Found with the sections of babel.cfg (which stock ``pybabel extract -F babel.cfg`` reads
  too), each method read with this module's extractor of that name (EXTRACTORS);
* run-time ones, which a template translates with ``_(x)`` from data: the labels and choices of every
  WTForms class (the forms/ package and the login form), the choice lists of forms/ (REASONS,
  SOURCES, VISIT_OUTCOMES, ROLE_CHOICES...), the role labels, the system's action names, 是/否.
  Found by importing those modules (runtime_msgids()): a label built at run time is not in any call.

Maintenance, from the top of the checkout::

    .venv/bin/python -m tools.i18n_catalog            # list what is missing; exit status 1 if anything is
    .venv/bin/python -m tools.i18n_catalog --update   # add the missing ids to messages.po (empty msgstr),
                                                    # refresh their source locations, compile messages.mo

then write the English of each empty ``msgstr ""`` in messages.po and run ``--update`` once more to
compile it. Keep the placeholders (``%(n)s``) of the message id; write ``%%`` for a literal percent sign
in a template string. ``--prune`` (with --update) also drops ids no source uses any more.
tests/test_i18n.py fails while an id lacks its English or the .mo is older than the .po.
"""
import argparse
import ast
import importlib
import io
import pkgutil
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po
from jinja2 import Environment, nodes
from jinja2.ext import babel_extract
from wtforms import BooleanField, Form
from wtforms.fields.core import UnboundField

from app.auth import roles
from app.casefile import fields as record_fields
from app.views import i18n

ROOT = Path(__file__).resolve().parent.parent          # the checkout: babel.cfg, app/, forms/
CONFIG = ROOT / "babel.cfg"
CATALOG_DIR = ROOT / "app" / "translations" / "en" / "LC_MESSAGES"
PO = CATALOG_DIR / "messages.po"
MO = CATALOG_DIR / "messages.mo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
FORM_PACKAGES = ("forms", "app.views")   # every wtforms.Form subclass defined in their modules
HEADER = """\
English translations for Baoxue (保学).
The message ids are the Chinese UI text. After changing the UI, run
    python -m tools.i18n_catalog --update
write the English of each empty msgstr, and run it again to compile
messages.mo (see tools/i18n_catalog.py)."""

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# printf-style conversions as Python's % operator reads them ("%(n)s", "%d", "%%").
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?[diouxXeEfFgGcrsa%]")


# ---------------------------------------------------------------- literal ids (Babel's extractors)

def extract_jinja(fileobj, keywords, comment_tags, options):
    """Babel extraction method for the templates: Jinja's own extractor (gettext calls), plus the
    string literals a template translates at run time: ``'中文'|t`` and the Chinese items of a literal
    list looped over by ``{% for %}`` or assigned by ``{% set %}`` (as in ``{% for key, title in
    [('plan', '一人一案'), ...] %}...{{ _(title) }}``)."""
    source = fileobj.read()
    options = {**options, "silent": options.get("silent", "false")}
    yield from babel_extract(io.BytesIO(source), keywords, comment_tags, options)

    extensions = ["jinja2.ext.i18n"] + [e.strip() for e in str(options.get("extensions", "")).split(",") if e.strip()]
    env = Environment(extensions=extensions)
    tree = env.parse(source.decode(options.get("encoding", "utf-8")))
    literal = (nodes.List, nodes.Tuple, nodes.Dict)
    for node in tree.find_all(nodes.Filter):
        if node.name == "t" and isinstance(node.node, nodes.Const) and isinstance(node.node.value, str):
            yield node.lineno, "gettext", node.node.value, []
    # Literal lists/dicts whose items reach _() at run time: looped over, assigned, or indexed
    # inside the call (_(['周一', ...][i]), _({'override': '本地调整'}[source])).
    holders = [n.iter for n in tree.find_all(nodes.For)] + [n.node for n in tree.find_all(nodes.Assign)]
    holders += [n.args[0] for n in tree.find_all(nodes.Call)
                if isinstance(n.node, nodes.Name) and n.node.name in keywords and n.args
                and not isinstance(n.args[0], nodes.Const)]
    seen = set()
    for holder in holders:
        found = [holder] if isinstance(holder, literal) else list(holder.find_all(literal))
        for collection in found:
            for const in collection.find_all(nodes.Const):
                if id(const) not in seen and isinstance(const.value, str) and CJK.search(const.value):
                    seen.add(id(const))
                    yield const.lineno, "gettext", const.value, []


def extract_python(fileobj, keywords, comment_tags, options):
    """Babel extraction method for Python: the calls of a gettext keyword whose message arguments
    are string literals, read with the ast module. (Babel's tokenizing "python" method also takes
    the literal out of ``_(row["label"])``, which is a run-time translation, not a message id.)
    Option ``runtime_calls``: names of callables whose first argument, a literal, is shown through
    ``_()`` at run time (the reports' ``Column("在校生数")`` headers)."""
    runtime_calls = set(str(options.get("runtime_calls", "")).replace(",", " ").split())
    tree = ast.parse(fileobj.read(), filename=getattr(fileobj, "name", "<python>"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in runtime_calls:
            name, count = "gettext", 1
        elif name in keywords:
            spec = KEYWORDS.get(name) or (1,)   # Babel passes only the names
            count = max(i for i in spec if isinstance(i, int))
        else:
            continue
        args = node.args[:count]
        if len(args) == count and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            values = [a.value for a in args]
            yield node.lineno, name, values if count > 1 else values[0], []


# babel.cfg names Babel's stock methods; the catalog reads them with these (see their docstrings).
EXTRACTORS = {"python": extract_python, "jinja2": extract_jinja}


def _mapping():
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with open(CONFIG, encoding="utf-8") as f:
        return parse(f, str(CONFIG))


def extracted() -> dict:
    """Literal message ids -> the files using them. A plural message's id is (singular, plural)."""
    method_map, options_map = _mapping()
    method_map = [(pattern, EXTRACTORS.get(method, method)) for pattern, method in method_map]
    tops = {pattern.split("/", 1)[0] for pattern, _method in method_map}

    def into(dirpath) -> bool:   # only the folders babel.cfg names (not a virtualenv in the checkout)
        rel = Path(dirpath).relative_to(ROOT)
        return rel.parts[0] in tops and not rel.name.startswith((".", "_"))

    found = defaultdict(set)
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=into):
        found[message].add(filename.replace("\\", "/"))
    return dict(found)


def template_msgids() -> set[str]:
    """The literal message ids of the templates and the Python code (a plural's singular)."""
    return {m[0] if isinstance(m, tuple) else m for m in extracted()}


# ---------------------------------------------------------------- run-time ids (imported data)

def _modules(package: str):
    pkg = importlib.import_module(package)
    yield pkg
    for info in pkgutil.iter_modules(pkg.__path__, package + "."):
        yield importlib.import_module(info.name)


def _where(module) -> str:
    return Path(module.__file__).resolve().relative_to(ROOT).as_posix()


def _choice_labels(choices) -> list:
    """The labels of a choice list: SelectChoice objects (forms.base.options) or (value, label) pairs."""
    return [str(c.label if hasattr(c, "label") else c[1]) for c in choices or []]


def _is_choice_list(value) -> bool:
    """A module-level list of choices: (value, label) pairs of strings, or SelectChoice objects."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all((isinstance(c, tuple) and len(c) == 2 and all(isinstance(x, str) for x in c))
               or (hasattr(c, "label") and hasattr(c, "value")) for c in value)


def _form_fields(form_cls) -> list:
    """The bound fields of a form class, bound on a bare wtforms.Form (so that Flask-WTF forms need
    no request)."""
    unbound = {name: getattr(form_cls, name) for name in dir(form_cls)
               if not name.startswith("_") and isinstance(getattr(form_cls, name, None), UnboundField)}
    return list(type("Probe", (Form,), unbound)())


def _field_labels(field) -> list[str]:
    out = [field.label.text] if field.label and field.label.text else []
    if getattr(field, "choices", None):
        out += _choice_labels(field.choices)
    return out


def _runtime() -> dict:
    """Run-time message ids -> the files defining them."""
    found = defaultdict(set)

    def add(texts, where):
        for text in texts:
            if text:
                found[str(text)].add(where)

    for package in FORM_PACKAGES:
        for module in _modules(package):
            where = _where(module)
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Form) and value.__module__ == module.__name__:
                    for field in _form_fields(value):
                        add(_field_labels(field), where)
                elif package == "forms" and _is_choice_list(value):
                    add(_choice_labels(value), where)

    add([*roles.ROLE_LABELS.values(), *roles.ASSIGNABLE_LABELS.values(), *roles.UNIT_KIND_LABELS.values(),
         roles.SYSTEM_LABEL], _where(roles))
    add(i18n.SYSTEM_ACTIONS.values(), _where(i18n))

    class YesNo(Form):      # describe() shows a recorded yes/no field as a word the template translates
        yes = BooleanField("yes")
        no = BooleanField("no")
    add([text for _label, text in record_fields.describe(YesNo, {"yes": True, "no": False})], _where(record_fields))
    return dict(found)


def runtime_msgids() -> set[str]:
    """Message ids a template translates at run time: form labels and choices, role labels,
    the system's action names, 是/否."""
    return set(_runtime())


# ---------------------------------------------------------------- the catalog

def wanted() -> dict:
    """Every message id the UI needs -> the files it comes from."""
    out = defaultdict(set)
    for source in (extracted(), _runtime()):
        for msgid, files in source.items():
            out[msgid] |= files
    return dict(out)


def load_catalog() -> Catalog:
    if PO.exists():
        with open(PO, "rb") as f:
            return read_po(f, locale="en", domain="messages")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return Catalog(locale="en", domain="messages", project="Baoxue", version="1", msgid_bugs_address="",
                   creation_date=now, revision_date=now, last_translator="Baoxue", language_team="English",
                   fuzzy=False)


def translated(message) -> bool:
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return bool(message.id) and not message.fuzzy and all(s for s in strings)


def placeholders(text: str) -> tuple[list, int]:
    """The % conversions of a string, and the number of stray % signs left (a format error)."""
    tokens = sorted(PLACEHOLDER.findall(text))
    return tokens, PLACEHOLDER.sub("", text).count("%")


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Translations whose % conversions differ from their message id's (a plural form may follow
    either the singular or the plural id)."""
    problems = []
    for m in catalog:
        if not m.id or not translated(m):
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        allowed = [placeholders(i) for i in ids]
        for s in strings:
            got = placeholders(s)
            if got not in allowed:
                problems.append(f"{ids[0]!r} -> {s!r}: {got[0]} (+{got[1]} stray %) but the id has "
                                f"{allowed[0][0]} (+{allowed[0][1]} stray %); write %% for a percent sign")
    return problems


def messages(catalog: Catalog) -> dict:
    """What a compiled catalog holds: id -> translation, for the translated ids (header left out)."""
    def key(value):  # a plural's id and strings come as lists from a .mo, tuples from a .po
        return tuple(value) if isinstance(value, (tuple, list)) else value
    return {key(m.id): key(m.string) for m in catalog if m.id and translated(m)}


def mo_is_current(catalog: Catalog) -> bool:
    """Whether messages.mo holds exactly the translations of this catalog (the .po)."""
    if not MO.exists():
        return False
    with open(MO, "rb") as f:
        return messages(read_mo(f)) == messages(catalog)


def save(catalog: Catalog) -> None:
    """Write messages.po (sorted, locations without line numbers: small diffs) and compile messages.mo."""
    catalog.header_comment = "\n".join(f"# {line}" for line in HEADER.splitlines())
    catalog.fuzzy = False
    CATALOG_DIR.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, catalog, sort_output=True, include_lineno=False, ignore_obsolete=True)
    PO.write_bytes(buf.getvalue())
    with open(MO, "wb") as f:
        write_mo(f, catalog)


def update(catalog: Catalog, needed: dict, prune: bool = False) -> list:
    """Add the missing ids (empty msgstr), refresh every id's locations; returns the ids added."""
    added = []
    for msgid, files in needed.items():
        locations = [(f, None) for f in sorted(files)]
        if msgid in catalog:
            catalog[msgid].locations = locations
        else:
            catalog.add(msgid, ("", "") if isinstance(msgid, tuple) else "", locations=locations)
            added.append(msgid)
    if prune:
        keys = {m[0] if isinstance(m, tuple) else m for m in needed}
        for m in list(catalog):
            if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in keys:
                del catalog[m.id]
    return added


def _show(msgid) -> str:
    return " | ".join(msgid) if isinstance(msgid, tuple) else msgid


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.i18n_catalog", description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true",
                        help="add missing message ids to messages.po and compile messages.mo")
    parser.add_argument("--prune", action="store_true", help="with --update: drop ids no source uses")
    args = parser.parse_args(argv)

    needed = wanted()
    catalog = load_catalog()
    missing = [m for m in needed if m not in catalog]
    if args.update:
        added = update(catalog, needed, prune=args.prune)
        save(catalog)
        for msgid in added:
            print(f"added: {_show(msgid)}")
        print(f"{PO.relative_to(ROOT)}: {len(added)} added; {MO.relative_to(ROOT)} compiled")
    else:
        for msgid in missing:
            print(f"not in the catalog: {_show(msgid)}")
    untranslated = [m for m in catalog if m.id and not translated(m)]
    for m in untranslated:
        print(f"no English yet: {_show(m.id)}")
    keys = {m[0] if isinstance(m, tuple) else m for m in needed}
    unused = [m for m in catalog if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in keys]
    if unused:
        print(f"({len(unused)} ids in the catalog are used by no source; --update --prune drops them)")
    problems = placeholder_problems(catalog)
    for p in problems:
        print(f"placeholder mismatch: {p}")
    stale = not args.update and PO.exists() and not mo_is_current(catalog)
    if stale:
        print(f"{MO.relative_to(ROOT)} is not compiled from the current messages.po: run with --update")
    print(f"{len(needed)} message ids needed, {len(catalog)} in the catalog, "
          f"{len(untranslated)} without English")
    if args.update:
        return 0
    return 1 if missing or untranslated or problems or stale else 0


if __name__ == "__main__":
    sys.exit(main())
