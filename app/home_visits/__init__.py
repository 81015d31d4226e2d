"""The home-visit register (家访登记表) of every pupil, not only pupils with a case.

A visit is stored once, in one of two places: a visit to a pupil recorded on the register is a
home_visits row; a dropout case's visit step (a trigger marked home_visit) stays the case's event,
where the case's clocks (the first visit) and guards (failed visits) count it. The register is a view
over both, so nothing is copied and no visit is counted twice; the register refuses a visit for a pupil
whose open case takes visit steps now (409 naming the case): that visit belongs on the case.

register.py  record a visit (scope, role, the case check), the register's entries, a class's pupils
counts.py    the figures: visits per recorder in a period, relapsed pupils and their visits
"""
VISIT_ROLES = ("class_teacher", "grade_leader", "school_admin")  # who records visits (in their scope)
