"""Drawing helpers shared by the SVG the server draws (charts, timelines, diagrams)."""
