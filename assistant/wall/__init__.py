"""The wall (docs/wall.md): many creators at once, for agencies. The roster with its monthly targets, each
creator's month (hours live, valid days, diamonds, against the targets, with the projected month end), the
roster's month as CSV, and the team's notes on viewers. Routes and their checks here; the queries are the
records' (assistant/records: roster.py, months.py, regulars.py)."""
