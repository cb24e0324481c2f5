"""Opening the register: engine, migrations and sessions for SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from mailbot.register.models import Event

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the CLI read while the daemon writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_register_engine(url: str) -> Engine:
    """Engine for ``url``; for a SQLite file the folder is created and WAL switched on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent; safe to run at every start)."""
    command.upgrade(alembic_config(engine), "head")


def _stamp_actor(session: Session, _context: Any, _instances: Any) -> None:
    """Every event written in a person's transaction names that person (the audit trail's "who")."""
    actor = session.info.get("actor")
    if actor is None:
        return
    for row in session.new:
        if isinstance(row, Event) and row.actor is None:
            row.actor = actor


class Register:
    """The opened register: an engine with its schema up to date, and a session factory."""

    def __init__(self, url: str, migrate: bool = True, actor: str | None = None) -> None:
        self.url = url
        #: Who every transaction acts for unless it names someone (the CLI sets ``cli:<user>``).
        self.actor = actor
        self.engine = create_register_engine(url)
        if migrate:
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _stamp_actor)

    @contextmanager
    def transaction(self, actor: str | None = None) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises.

        ``actor`` (``console:jo@council``, ``cli:jo``) is recorded on every event the block writes.
        """
        with self._sessions() as session, session.begin():
            session.info["actor"] = actor or self.actor
            yield session

    @contextmanager
    def rehearsal(self, actor: str | None = None) -> Iterator[Session]:
        """A unit of work that is always rolled back: the console previews an action's exact emails by
        carrying it out here and reading the outbox rows it wrote."""
        with self._sessions() as session:
            session.begin()
            session.info["actor"] = actor or self.actor
            try:
                yield session
            finally:
                session.rollback()

    def session(self) -> Session:
        return self._sessions()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()
