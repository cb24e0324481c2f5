"""Opening the register: engine, migrations and sessions for SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest migration. A register already there opens without importing Alembic at all (a cold
#: ``mailbot status`` stays fast); a test checks this against the migration scripts' head.
HEAD_REVISION = "0003_million_case_indexes"


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
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent; safe to run at every start)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the register is at, or None for a register not set up yet."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None  # no alembic_version table: a new, empty register


def upgrade_if_needed(engine: Engine) -> None:
    """``upgrade`` unless the register is already at ``HEAD_REVISION`` (one SELECT, no Alembic)."""
    if current_revision(engine) != HEAD_REVISION:
        upgrade(engine)


class Register:
    """The opened register: an engine with its schema up to date, and a session factory."""

    def __init__(self, url: str, migrate: bool = True) -> None:
        self.url = url
        self.engine = create_register_engine(url)
        if migrate:
            upgrade_if_needed(self.engine)
        from sqlalchemy.orm import sessionmaker

        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def session(self) -> Session:
        return self._sessions()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()
