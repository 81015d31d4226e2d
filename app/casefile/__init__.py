"""The case file (辍学学生档案 and the like): what a case recorded, grouped by the stages it went through,
the path it took through its workflow, and the printed file (PDF) with the official forms its
workflow's definition declares. Generic: every name of a workflow comes from its definition."""
