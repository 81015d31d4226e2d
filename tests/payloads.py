"""A valid body for every trigger of the dropout workflow (tests override fields as needed)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo


def district_today() -> date:
    """Today as the app means it: the district's date (Asia/Shanghai), not the machine's. CI runs in UTC,
    eight hours behind, so from 16:00 UTC the machine's date is yesterday's in the district."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


TODAY = district_today().isoformat()

VALID = {
    "report": {"dropout_date": TODAY, "reasons": ["learning", "family"], "reason_analysis": "厌学, 父母外出务工",
               "measures_taken": "电话联系家长 3 次", "measures_effect": "未返校", "next_plan": "组织家访"},
    "start_visits": {"goals": "一个月内返校", "measures": "结对帮扶, 心理辅导", "responsible": "王校长",
                     "team": ["班主任", "任课教师", "心理教师"]},
    "log_visit": {"visited_on": TODAY, "visitors": ["班主任", "校长"], "met_with": "学生祖母",
                  "content": "宣传义务教育法", "outcome": "failed"},
    "escalate_joint": {"text": "多次劝返仍不返校"},
    "re_enroll": {"return_date": TODAY, "class_placed": "七年级1班", "xueji_restored": True,
                  "catch_up_plan": "每周两次补课", "aid_arranged": "", "mentor": "李老师"},
    "log_follow_up": {"checkpoint": "two_weeks", "checked_on": TODAY, "learning": "正常", "daily_life": "正常", "psychological": "稳定",
                      "relapse_risk": False},
    "complete_follow_up": {"summary": "三次回访均正常"},
    "relapse": {"absent_since": TODAY, "note": "再次缺课"},
    "verify": {"confirmed": True, "note": "核查属实"},
    "log_joint_action": {"acted_on": TODAY, "department": "township", "action": "乡镇干部上门",
                         "outcome": "家长同意"},
    "assign": {"username": "leader", "role": "grade_leader"},
    "invite_partner": {"username": "partner", "note": "请协助"},
    "revoke_partner": {"username": "partner", "reason": "协助已完成"},
    "add_note": {"text": "家长电话已更换"},
    "close_false_alarm": {"reason": "illness_note", "evidence": "医院证明"},
    "close_enrolled_elsewhere": {"receiving_school": "外县二中", "receipt_no": "HZ-1", "transfer_date": TODAY,
                                 "evidence": "接收回执"},
    "close_special_placement": {"placement": "home_teaching", "evidence": "残联评估"},
    "close_exempt": {"reason": "medical_deferral", "evidence": "诊断证明"},
}
