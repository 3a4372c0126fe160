"""Cells for every CSV the app writes, safe to open in a spreadsheet (docs/records.md; docs/http.md).

A spreadsheet (Excel, LibreOffice, Google Sheets) takes a cell that starts with `=`, `+`, `-` or `@` for
a formula, and a tab or a carriage return before one of those can hide it: a viewer's chat line or
nickname such as `=cmd|' /C calc'!A0` would run in the analyst's spreadsheet. OWASP's rule ("CSV
Injection"): such a text cell gets a `'` in front, which the spreadsheet shows as text and does not run.

Only text is changed: the numbers the app writes (ints: seq, ts, counts, diamonds) stay numbers, a
negative one included (a number is never a formula). Write every row of every CSV through `row()`.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """`value` for a CSV cell: None -> empty, text that starts like a formula -> `'` + text, else as it is."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values):
    """Every value of a CSV row through cell()."""
    return [cell(value) for value in values]
