"""The tests' helpers, not tests themselves: the real server, Redis, PostgreSQL and the simulator's control API
as the tests drive them, a dashboard tab over Socket.IO, the browser's fixtures and pages, rows and samples for
the records, the app in the test's own process (inprocess.py) and the fast and slow tiers (tiers.py, a plugin).
Imported as `support.<module>`: pytest puts tests/ on sys.path, and bench/ does the same."""
