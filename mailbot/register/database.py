"""Opening the register: engine, migrations and sessions for SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.errors import RegisterUnavailableError
from mailbot.register.models import Event

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest migration. A register already there opens without importing Alembic at all (a cold
#: ``mailbot status`` stays fast); a test checks this against the migration scripts' head.
HEAD_REVISION = "0009_million_case_indexes"
#: Seconds to wait for PostgreSQL to answer a connection (a firewalled host must not hang ``status``).
CONNECT_TIMEOUT = 10
#: What the database driver raises when it cannot be reached or cannot work (server down, disk, lock).
UNREACHABLE = (OperationalError, InterfaceError)


def unreachable(url: str, error: BaseException) -> RegisterUnavailableError:
    """One readable line: which database (password hidden) and the driver's first line of complaint."""
    where = make_url(url).render_as_string(hide_password=True)
    cause = getattr(error, "orig", None) or error
    first_line = next(
        (line.strip() for line in str(cause).splitlines() if line.strip()), type(cause).__name__
    )
    if "no such table" in first_line or type(cause).__name__ == "UndefinedTable":
        return RegisterUnavailableError(
            f"the register at {where} has no tables yet (mailbot run creates them)"
        )
    return RegisterUnavailableError(f"the register at {where} cannot be reached: {first_line}")


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
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise unreachable(url, error) from error
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT})


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
    """The revision the register is at, or None for a register not set up yet.

    A database that cannot be reached at all raises (``UNREACHABLE``) rather than reading as "not set
    up": the caller would only wait for the same connection timeout a second time.
    """
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as error:
        if isinstance(error, UNREACHABLE) and "no such table" not in str(error.orig):
            raise
        return None  # no alembic_version table: a new, empty register


def upgrade_if_needed(engine: Engine) -> None:
    """``upgrade`` unless the register is already at ``HEAD_REVISION`` (one SELECT, no Alembic)."""
    if current_revision(engine) != HEAD_REVISION:
        upgrade(engine)


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
            try:
                upgrade_if_needed(self.engine)
            except UNREACHABLE as error:
                self.engine.dispose()
                raise unreachable(url, error) from error
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _stamp_actor)

    @contextmanager
    def transaction(self, actor: str | None = None) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises.

        ``actor`` (``console:jo@council``, ``cli:jo``) is recorded on every event the block writes.
        A database that cannot be reached raises ``RegisterUnavailableError`` (a ``ConnectionError``);
        constraint violations stay SQLAlchemy's ``IntegrityError`` for the callers that expect them.
        """
        try:
            with self._sessions() as session, session.begin():
                session.info["actor"] = actor or self.actor
                yield session
        except UNREACHABLE as error:
            raise unreachable(self.url, error) from error

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
