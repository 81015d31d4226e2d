"""A number the bureau sets for its county (the monthly report's due day)."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from forms.base import BaseForm


class UnitSettingForm(BaseForm):
    value = IntegerField(_l("设定值"), [InputRequired(), NumberRange(min=0, max=365)],
                         description=_l("如月报报送截止日（每月几号）。"))
