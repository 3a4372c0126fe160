"""The one way the server reads the records database: `Database.run` (the writes go through the writer
process, process.py, which makes its own engine with engine.make_engine).

Every call runs in eventlet's thread pool (tpool: real threads), so a slow query or a database that does
not answer never blocks the hub, and the calls are serialised by one green lock. Under monkey_patch the
locks inside SQLAlchemy's connection pool are green ones: taken from two real threads at once they would
need the hub of a thread that has none. One call at a time means they are never contended.
"""

import eventlet.semaphore
from eventlet import tpool


class Database:
    def __init__(self, engine):
        self.engine = engine
        self._lock = eventlet.semaphore.Semaphore()

    def run(self, work, *args):
        """`work(connection, *args)` in one transaction, in a pool thread; blocks only the calling green thread."""
        with self._lock:
            return tpool.execute(self._transaction, work, args)

    def _transaction(self, work, args):
        with self.engine.begin() as connection:
            return work(connection, *args)

    def close(self):
        with self._lock:
            tpool.execute(self.engine.dispose)
