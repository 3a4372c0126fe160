"""Without REDIS_URL a SQLite records file belongs to one server: a lock beside it, held while it runs.

Two servers on one file (two `make run` from one checkout, each with its own port) would both take up
the same live of a creator both follow, each writing its own seq and totals over the other's. The lock
is an flock on `<file>.lock` (left there; it holds the id of the last process that took it, for the
message the next one gets); the kernel releases it when the process ends, however it ends. With
REDIS_URL the processes of a machine are one server and may share the file. `python -m assistant.records`
takes no lock: a migration is safe beside a running server.
"""

import fcntl
import os

from .errors import RecordsDatabaseUnusable

# The open lock files by database path: never closed, so that the locks last as long as the process. A
# second Records on the same file in this process (a test's restart) is the same server: it has the lock.
_held = {}


class RecordsFileInUse(RecordsDatabaseUnusable):
    """At start: another process holds the SQLite file's lock; the message is one line for the operator."""


def hold_sqlite_file(engine):
    """Lock the engine's SQLite file for this process, or raise RecordsFileInUse; nothing to lock for another
    database, or an in-memory one."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    path = os.path.abspath(engine.url.database)
    if path in _held:
        return
    try:
        descriptor = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # no folder, or not writable: SQLite cannot write there either, and the migration says why
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(descriptor, 20).decode(errors="replace").strip()
        os.close(descriptor)
        process = f" (process {holder})" if holder.isdigit() else ""
        raise RecordsFileInUse(
            f"DATABASE_URL: the records file {path} is in use by another server{process}. "
            f"Give this one a file of its own (DATABASE_URL=sqlite:////path/to/other.db), or, for several "
            f"processes of one server, set REDIS_URL and a Postgres DATABASE_URL") from None
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"{os.getpid()}\n".encode())
    _held[path] = descriptor
