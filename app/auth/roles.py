"""Every role, its label, the role sets that gate each part of the system, and the kinds of org unit.

Pure data: it imports nothing, so forms/ (which imports nothing else from app/) takes its choices from
here. Labels are the Chinese UI text, which is also the message id: the English is in the catalog
(app/translations/en), as for every other UI string. The tuples keep the order the API lists them in
(``roles_allowed`` of a refusal).
"""

N_ = str  # marks a message id for `pybabel extract` (Babel's N_ keyword); the page translates it

ROLE_LABELS = {
    "class_teacher": N_("班主任"),
    "grade_leader": N_("包年级领导"),
    "school_admin": N_("校长/控辍专干"),
    "bureau_officer": N_("教育局控辍专干"),
    "bureau_head": N_("教育局分管领导"),
    "partner": N_("联合劝返成员单位"),
    "supervisor": N_("督导/审计"),
    "admin": N_("系统管理员"),
}
ROLES = tuple(ROLE_LABELS)
SYSTEM_LABEL = N_("系统")  # who the system's own actions (timers, the CLI) are by

# Roles that work or read cases through the org tree: a grant covers every case under its unit.
# (A partner sees only the cases it is invited to; the admin sees no case.)
TREE_ROLES = frozenset({"class_teacher", "grade_leader", "school_admin", "bureau_officer", "bureau_head",
                        "supervisor"})
# Whose work needs a pupil's personal data unmasked (home visits, re-enrolment, verification).
PERSONAL_DATA_ROLES = frozenset({"class_teacher", "grade_leader", "school_admin", "bureau_officer"})
# Who may be assigned to work a case, with the shorter label the assignment form shows.
ASSIGNABLE_ROLES = ("class_teacher", "grade_leader", "school_admin", "bureau_officer")
ASSIGNABLE_LABELS = {**ROLE_LABELS, "school_admin": N_("控辍专干")}

REPORT_ROLES = ("school_admin", "grade_leader", "bureau_officer", "bureau_head", "supervisor")  # dashboard, reports
ROSTER_ROLES = ("school_admin", "bureau_officer", "admin")        # add and import pupils
ATTENDANCE_ROLES = ("class_teacher", "grade_leader", "school_admin", "bureau_officer")  # mark absences (in scope)
TRACKER_ROLES = ("grade_leader", "school_admin")                  # change who tracks a pupil on the risk list
RISK_READERS = ("class_teacher", "grade_leader", "school_admin", "bureau_officer", "bureau_head")  # the risk list
# Reading the access log (who read personal data) is oversight: supervisors (督导) only — not the bureau
# officers, who are among the heaviest readers of personal data themselves.
AUDIT_ROLES = ("supervisor",)
ADMIN_EVENT_READERS = ("supervisor", "admin")                     # the admin events log
CHAIN_VERIFY_ROLES = ("supervisor", "bureau_officer", "bureau_head", "admin")  # GET /audit/verify
REGISTER_ROLES = ("bureau_officer",)                              # 四查三比对: the county's registers
ADMIN_ROLES = ("admin",)                                          # users, units, calendar, tokens

UNIT_KIND_LABELS = {
    "district": N_("区县教育局"),
    "school": N_("学校"),
    "grade": N_("年级"),
    "class": N_("班级"),
    "department": N_("成员单位"),  # a partner department (town, village, civil affairs)
}
UNIT_KINDS = tuple(UNIT_KIND_LABELS)

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLES]
ASSIGNABLE_CHOICES = [(role, ASSIGNABLE_LABELS[role]) for role in ASSIGNABLE_ROLES]
UNIT_KIND_CHOICES = [(kind, UNIT_KIND_LABELS[kind]) for kind in UNIT_KINDS]


def role_label(role: str) -> str:
    """A role's label (the message id); the system's own actor as 系统; an unknown role as itself."""
    return ROLE_LABELS.get(role, SYSTEM_LABEL if role == "system" else role)
