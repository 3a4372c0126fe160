"""The records' two failures: the database cannot be used at start (a setting's problem: the server does not
start), or it fails while the server runs (an outage: what needs it answers 503, the rest goes on)."""

from assistant.config import SettingsError


class RecordsDatabaseUnusable(SettingsError):
    """At start: the records database cannot be used (DATABASE_URL is no database URL, the database cannot be
    reached, its migration failed). server.main writes the message, one line, and exits with status 2."""


class RecordsUnavailable(Exception):
    """While running: a read of the records failed (the database went away, or failed); the message is one line.
    The report pages answer 503 (reports/pages.py); writes never raise it (writer.py)."""
