"""Attendance and early warning (考勤与辍学预警): absences in, indicators computed set-based in SQL, a
detected case opened through the engine for a streak of unexcused absences, the risk list (重点生)."""
