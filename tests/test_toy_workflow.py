"""A second, toy definition proves the engine is not hard-wired to dropout cases."""
import pytest
from wtforms import DateField, IntegerField
from wtforms.validators import DataRequired, InputRequired

from app.auth.actor import Actor
from app.auth.scope import load_case_in_scope
from app.engine import definition, machine
from app.errors import Invalid, NotAllowedNow, NotPermitted
from app.engine.operations import fire, open_case
from app.extensions import db
from app.models import Case, User
from app.auth.roles import ROLES
from forms.base import BaseForm, long_text, short_text


class OpenForm(BaseForm):
    student_id = IntegerField("学生", [InputRequired()])
    detected_on = DateField("日期", [DataRequired()])


class LendForm(BaseForm):
    book = short_text("书名")


class ReturnForm(BaseForm):
    condition = long_text("品相")


def at_most_three_loans(ctx):
    """A pupil borrows at most three times."""
    if ctx.vars.get("loans", 0) >= 3:
        return {"book": "too many loans"}


def count_loan(ctx):
    ctx.vars["loans"] = ctx.vars.get("loans", 0) + 1


TOY = {
    "name": "library", "initial": "shelved",
    "open": {"roles": ["class_teacher"], "form": OpenForm},
    "states": [{"name": "shelved"}, {"name": "lent"}, {"name": "lost", "final": True}],
    "triggers": [
        {"name": "lend", "source": "shelved", "dest": "lent", "roles": ["class_teacher"], "form": LendForm,
         "guards": [at_most_three_loans], "effects": [count_loan]},
        {"name": "give_back", "source": "lent", "dest": "shelved", "roles": ["class_teacher"], "form": ReturnForm},
        {"name": "write_off", "source": "*", "dest": "lost", "roles": ["school_admin"], "form": None},
    ],
    "clocks": [{"name": "due_back", "starts_on": "lent", "due": [{"working_days": 10}], "met_by": ["give_back"],
                "while_in": ["lent"]}],
}


@pytest.fixture
def toy(app):
    defn = machine.register(definition.build(TOY, ROLES))
    return defn


def actor(name):
    return Actor(db.session.execute(db.select(User).where(User.username == name)).scalar_one())


def test_toy_workflow_runs_on_the_same_engine(app, district, toy):
    with app.app_context():
        teacher, admin = actor("teacher"), actor("school_admin")
        case = db.session.get(Case, open_case(teacher, {"student_id": district.pupils[0],
                                                          "detected_on": "2026-09-01"}, workflow="library"))
        assert (case.state, case.version, case.workflow) == ("shelved", 1, "library")
        for n in range(3):
            fire(case, "lend", teacher, {"book": f"西游记 {n}"}, version=case.version)
            assert case.state == "lent" and [d.clock for d in case.open_deadlines] == ["due_back"]
            fire(case, "give_back", teacher, {"condition": "good"}, version=case.version)
        with pytest.raises(Invalid) as err:
            fire(case, "lend", teacher, {"book": "红楼梦"}, version=case.version)
        assert err.value.fields == {"book": "too many loans"}
        with pytest.raises(NotPermitted):
            fire(case, "write_off", teacher, {}, version=case.version)
        with pytest.raises(NotAllowedNow):
            fire(case, "give_back", teacher, {"condition": "x"}, version=case.version)
        fire(case, "write_off", admin, {}, version=case.version)
        assert case.state == "lost" and case.closed_at is not None
        loaded = load_case_in_scope(teacher, case.id)
        assert loaded.vars == {"loans": 3}
    r = app.test_client().get("/api/v1/workflows/library", headers={"Authorization": f"Bearer {district.tokens['teacher']}"})
    assert [s["name"] for s in r.get_json()["states"]] == ["shelved", "lent", "lost"]


def test_each_definition_is_compiled_once(app, toy):
    from app import create_app
    before = machine.get("dropout").machine
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert machine.get("dropout").machine is before
    assert machine.get("library") is toy


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.update(initial="nowhere"), "initial state"),
    (lambda d: d["triggers"][0].update(dest="moon"), "unknown destination"),
    (lambda d: d["triggers"][0].update(roles=["wizard"]), "unknown role"),
    (lambda d: d["triggers"][0].update(form=dict), "WTForms"),
    (lambda d: d["clocks"][0].update(met_by=["vanish"]), "unknown trigger"),
    (lambda d: d["clocks"][0].update(due=[{"weeks": 2}]), "due point"),
    (lambda d: d["triggers"][2].update(source="lost"), "is final"),
    (lambda d: d.pop("open"), "lacks"),
])
def test_inconsistent_definitions_are_refused_at_start_up(mutate, message):
    import copy
    raw = copy.deepcopy({k: v for k, v in TOY.items()})
    raw["triggers"] = [dict(t) for t in TOY["triggers"]]
    raw["clocks"] = [dict(c) for c in TOY["clocks"]]
    mutate(raw)
    with pytest.raises(definition.DefinitionError, match=message):
        definition.build(raw, ROLES)
