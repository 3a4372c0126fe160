"""`python -m assistant.records upgrade|current`: migrate the records database by hand (the server does it at
every start), or print its revision. The database is the app's: DATABASE_URL (and .env), else the SQLite
file in the instance folder."""

import argparse
import sys

from flask import Flask
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from assistant.config import Config, SettingsError

from . import migrate
from .database import Database
from .engine import database_url, make_engine, one_line, shown_url


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m assistant.records", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("upgrade", "current"))
    command = parser.parse_args(argv).command
    try:
        engine = make_engine(database_url(Config().DATABASE_URL, Flask("assistant").instance_path))
    except (SettingsError, ArgumentError, ValueError) as ex:
        sys.stderr.write(f"Live Assistant: bad setting: {one_line(ex)}\n")
        return 2
    database = Database(engine)
    try:
        if command == "upgrade":
            database.run(migrate.upgrade)
        revision = database.run(migrate.current)
    except SQLAlchemyError as ex:
        sys.stderr.write(f"Live Assistant: the records database {shown_url(engine)} failed: {one_line(ex)}\n")
        return 1
    finally:
        database.close()
    sys.stdout.write(f"{shown_url(engine)}: revision {revision or 'none (not migrated)'}\n")
    return 0


sys.exit(main())
