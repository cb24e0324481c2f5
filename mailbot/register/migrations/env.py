"""Alembic environment: runs migrations on the engine the register hands over (no ini file needed)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from mailbot.register.database import create_register_engine
from mailbot.register.models import Base

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:
    engine = create_register_engine(
        config.get_main_option("sqlalchemy.url") or "sqlite:///var/mailbot.sqlite3"
    )

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
