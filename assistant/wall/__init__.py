"""The wall (docs/wall.md): many creators at once, for agencies. The roster with its monthly targets, each
creator's month (hours live, valid days, diamonds, against the targets, with the projected month end), the
roster's month as CSV, and the team's notes on viewers and the boards over days. The blueprint and its answers
are in http.py, the routes in roster.py, months.py and viewers.py; the queries are the records' (assistant/records:
roster.py, months.py, regulars.py), the counting of a month pace.py's."""

from . import months, roster, viewers  # noqa: F401  (their routes, on the blueprint)
from .http import bp

__all__ = ["bp"]
