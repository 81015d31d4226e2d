"""四查三比对: a reviewer's answers to a mismatch, a comparison run, and the other offices' figures."""
from flask_babel import lazy_gettext as _l
from wtforms import FileField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from forms.base import N_, BaseForm, long_text, options, short_text

DISMISS_REASONS = [("moved_away", N_("已迁出本县")), ("enrolled_outside", N_("在县外就读")), ("deceased", N_("已死亡")),
                   ("exempt", N_("经批准缓学/免学")), ("register_error", N_("户籍信息有误")),
                   ("duplicate_fixed", N_("重复学籍已处理")), ("other", N_("其他"))]
YEARS = (2000, 2100)


class ReviewForm(BaseForm):
    visitor = short_text(_l("摸排责任人"), required=False,
                         help=_l("未在学籍中的儿童：负责上门核实的人员（包村干部、村委会主任或教师）。"))
    note = long_text(_l("说明"), required=False, help=_l("可不填；不填时写入比对类型。"))


class DismissForm(BaseForm):
    reason = SelectField(_l("排除原因"), choices=options(DISMISS_REASONS), description=_l("为什么这名儿童不需要立案。"))
    receipt_no = short_text(_l("回执编号"), required=False, max_len=64,
                            help=_l("在县外就读时必填：就读学校出具的学籍回执或接收证明编号。"))
    evidence = long_text(_l("证明材料"), help=_l("核实的方式和依据，如迁移证明、死亡证明、就读学校和联系人。"))

    def validate(self, extra_validators=None):
        # Not an inline validator: Optional() ends an empty field's chain before one would run.
        ok = super().validate(extra_validators)
        if self.reason.data == "enrolled_outside" and not (self.receipt_no.data or "").strip():
            self.receipt_no.errors = [*self.receipt_no.errors, "在县外就读须填写回执编号 / a receipt number is "
                                      "required for a child enrolled outside the district"]
            return False
        return ok


class CompareForm(BaseForm):
    school_year = IntegerField(_l("学年"), [Optional(), NumberRange(min=YEARS[0], max=YEARS[1])],
                               description=_l("学年开始的年份，如 2026 表示 2026—2027 学年；不填为本学年。"))


class FiguresForm(BaseForm):
    school_year = IntegerField(_l("学年"), [InputRequired(), NumberRange(min=YEARS[0], max=YEARS[1])],
                               description=_l("学年开始的年份，如 2026 表示 2026—2027 学年。"))
    xueji_other_left = IntegerField(_l("学籍系统“其他离校”人数"), [Optional(), NumberRange(min=0, max=10**7)],
                                    description=_l("全国学籍系统中本县义务教育阶段“其他离校”的人数。"))
    poverty_dropouts = IntegerField(_l("乡村振兴部门辍学人数"), [Optional(), NumberRange(min=0, max=10**7)],
                                    description=_l("乡村振兴（原扶贫）部门掌握的脱贫户家庭义务教育阶段辍学人数。"))


class RegisterUploadForm(BaseForm):
    file = FileField(_l("名册文件(CSV 或 XLSX)"), [DataRequired()],
                     description=_l("列：身份证号、姓名、出生日期、乡镇、村、监护人。新版本替换本县原有名册；有错误行时整份文件不导入。"))


class DispatchForm(BaseForm):
    visitor = short_text(_l("摸排责任人"), help=_l("负责上门核实的人员，如包村干部、村委会主任或学校教师的姓名。"))
    township = short_text(_l("乡镇"), required=False, max_len=100, help=_l("只派发该乡镇的儿童；不填为全部。"))
