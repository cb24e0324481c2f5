"""The register's schema agrees with itself: constants the partial indexes and queries share, and the
revision a register opens at without Alembic."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from mailbot.register import models
from mailbot.register.database import HEAD_REVISION, MIGRATIONS, alembic_config
from mailbot.rules.decide import FINISHED_STATES


def _migration_0009() -> ModuleType:
    path = MIGRATIONS / "versions" / "0009_million_case_indexes.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_open_request_index_leaves_out_exactly_the_finished_states() -> None:
    assert set(models.FINISHED_REQUEST_STATES) == set(FINISHED_STATES)


def test_the_migration_creates_the_indexes_the_queries_name() -> None:
    migration = _migration_0009()
    assert migration.OPEN_REQUEST == models.OPEN_REQUEST
    assert migration.WAITING_MESSAGE == models.WAITING_MESSAGE
    assert migration.UNSENT_OUTBOX == models.UNSENT_OUTBOX
    assert migration.UNFILED_OUTBOX == models.UNFILED_OUTBOX
    assert migration.down_revision == "0008_staff"


def test_head_revision_is_the_newest_migration() -> None:
    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    assert script.get_heads() == [HEAD_REVISION]
