"""The case timeline (what a supervisor audits): build() turns a case's events and deadline rows into data,
render_svg() draws it. Load the rows with load(case) (two queries), then build(case, events, deadlines, now)."""
from app.timeline.model import (
                                Band,
                                DeadlineSpan,
                                Escalation,
                                Mark,
                                Timeline,
                                build,
                                definition,
                                labels,
                                load,
                                load_deadlines,
)
from app.timeline.svg import render_svg

__all__ = ["Band", "DeadlineSpan", "Escalation", "Mark", "Timeline", "build", "definition", "labels", "load",
           "load_deadlines", "render_svg"]
