"""Throwaway PostgreSQL databases for the test suite (a real server on 127.0.0.1:5432, trust auth)."""

from __future__ import annotations

import getpass
import os
import secrets

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

#: Where the test PostgreSQL is; override with MAILBOT_TEST_POSTGRES (a libpq URL to an existing db).
DEFAULT_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    f"postgresql://{getpass.getuser()}@127.0.0.1:5432/test",
    "postgresql://postgres@127.0.0.1:5432/postgres",
)


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server answered, or none let us create a database."""


def admin_url() -> str:
    """The first libpq URL that connects and may create databases; raises PostgresUnavailableError."""
    candidates = [os.environ["MAILBOT_TEST_POSTGRES"]] if os.environ.get("MAILBOT_TEST_POSTGRES") else []
    candidates += DEFAULT_ADMIN_URLS
    problems = []
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=30) as conn:
                row = conn.execute(
                    "select rolcreatedb or rolsuper from pg_roles where rolname = current_user"
                ).fetchone()
                if row and row[0]:
                    return url
                problems.append(f"{url}: role may not create databases")
        except psycopg.Error as error:
            problems.append(f"{url}: {str(error).strip()}")
    raise PostgresUnavailableError("PostgreSQL is not usable for tests:\n  " + "\n  ".join(problems))


def create_database(admin: str, prefix: str = "mailbot_test_") -> str:
    """Create an empty database with a random name; returns its SQLAlchemy URL (psycopg 3 driver)."""
    name = f"{prefix}{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(admin)
    return URL.create(
        "postgresql+psycopg",
        username=str(info.get("user") or getpass.getuser()),
        password=str(info["password"]) if info.get("password") else None,
        host=str(info.get("host") or "127.0.0.1"),
        port=int(info.get("port") or 5432),
        database=name,
    ).render_as_string(hide_password=False)


def drop_database(admin: str, url: str) -> None:
    """Drop the database ``url`` names, closing any connection a test left open (PostgreSQL 13+)."""
    name = make_url(url).database
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
