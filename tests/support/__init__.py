"""The tests' helpers, not tests themselves: the real server, Redis, PostgreSQL and the simulator's control API
as the tests drive them, a dashboard tab over Socket.IO, the browser's fixtures and pages, and rows and samples
for the records. Importable as `support.<module>` (pytest puts tests/ on sys.path; bench/ does the same)."""
