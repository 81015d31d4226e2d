"""One module per aggregate; importing this package registers every table."""
from app.models.action_keys import ActionKey
from app.models.attendance import Absence, AbsenceStreak, RiskEntry, RosterGap
from app.models.calendar import CalendarDay
from app.models.cases import Case, CaseAssignee, CasePartner
from app.models.deadlines import Deadline
from app.models.events import AccessLog, CaseEvent
from app.models.files import CaseFile
from app.models.filters import SavedFilter
from app.models.home_visits import HomeVisit
from app.models.history import AdminEvent, ImportRun, PupilEvent
from app.models.incidents import DeadlineFailure
from app.models.notifications import Notification
from app.models.org import OrgUnit
from app.models.pupils import FormerNumber, Pupil
from app.models.rechecks import RecheckDraw
from app.models.rollups import DashboardRollup
from app.models.reporting import ReportVersion, UnitSetting
from app.models.targets import ReportTarget, StatusCount
from app.models.registers import Mismatch, RegisterFigures, RegisterImport, RegisterRow
from app.models.users import ApiToken, AuthEvent, RoleAssignment, User

__all__ = ["Absence", "AbsenceStreak", "AccessLog", "ActionKey", "AdminEvent", "ApiToken", "AuthEvent", "CalendarDay", "Case",
           "CaseAssignee", "CaseEvent", "CaseFile", "CasePartner", "Deadline", "DeadlineFailure", "FormerNumber", "HomeVisit",
           "ImportRun", "Mismatch", "Notification", "OrgUnit", "Pupil", "PupilEvent", "DashboardRollup", "RecheckDraw", "RegisterFigures", "RegisterImport",
           "RegisterRow", "ReportTarget", "ReportVersion", "RiskEntry", "RoleAssignment", "RosterGap", "SavedFilter",
           "StatusCount", "UnitSetting",
           "User"]
