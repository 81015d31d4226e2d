"""Shared field kinds and choice lists used across the case forms."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectMultipleField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app import clock
from app.deadlines.calendar import local_date

# Field labels are lazy_gettext (translated when a page shows them, the message id everywhere else);
# choice labels are data (the API, the reports), marked N_() for `pybabel extract` and translated by the page.
N_ = str


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


# Reason categories from the seeds. Several may apply.
REASONS = [
    ("economic", N_("经济困难")), ("learning", N_("学习困难/厌学")), ("family", N_("家庭原因")),
    ("psychological", N_("心理问题")), ("social", N_("社会环境")), ("illness_disability", N_("疾病残疾")),
    ("work", N_("外出务工")), ("early_marriage", N_("早婚")), ("migration", N_("随迁流动/去向不明")), ("other", N_("其他")),
]

SHORT = 200    # names, codes, one-line answers
LONG = 4000    # narrative fields (analysis, measures, visit notes)


class NotFuture:
    """A date that has happened: not after today in the district (Asia/Shanghai, by the app's clock).

    The case forms' dates are checked by the engine (app/engine/dates.py) against the case too; this
    is for forms outside a case (a pupil's birth date)."""

    def __call__(self, form, field):
        if field.data and field.data > local_date(clock.now()):
            raise ValidationError("不能晚于今天 / cannot be in the future")


class BaseForm(Form):
    """Base of every case form; CSRF is added by the page layer, the API authenticates by token."""


# `help` is the field's WTForms description: a line under the field on the page (tied to it by
# aria-describedby) and the property's `description` in the API's OpenAPI document, so one text serves
# both. Like labels it is lazy_gettext: Chinese is the message id, the English is in the catalog.

def short_text(label, required=True, max_len=SHORT, help=""):
    return StringField(label, [DataRequired() if required else Optional(), Length(max=max_len)], description=help)


def long_text(label, required=True, help=""):
    return TextAreaField(label, [DataRequired() if required else Optional(), Length(max=LONG)], description=help)


def reasons_field(label=_l("辍学原因"), required=True,
                  help=_l("可多选，按《初中学生辍学情况报告表》的分类。含“经济困难”时，复学须填写资助安排。")):
    return SelectMultipleField(label, [InputRequired() if required else Optional()], choices=options(REASONS),
                               description=help)


def names_field(label, required=True, help=""):
    """A list of people's names (team members, visitors), at most 20."""
    return SelectMultipleField(label, [InputRequired() if required else Optional()], choices=None,
                               validate_choice=False, description=help)
