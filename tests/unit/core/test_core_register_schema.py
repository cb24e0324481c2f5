"""The register's schema agrees with itself: constants the partial indexes and queries share, the
revision a register opens at without Alembic, and the LCS id as compared."""

from __future__ import annotations

import importlib.util

from alembic.script import ScriptDirectory

from mailbot.register import models
from mailbot.register.database import HEAD_REVISION, MIGRATIONS, alembic_config
from mailbot.rules.decide import FINISHED_STATES


def _migration_0003():  # type: ignore[no-untyped-def]
    path = MIGRATIONS / "versions" / "0003_million_case_indexes.py"
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_open_request_index_leaves_out_exactly_the_finished_states() -> None:
    assert set(models.FINISHED_REQUEST_STATES) == set(FINISHED_STATES)


def test_the_migration_creates_the_indexes_the_queries_name() -> None:
    migration = _migration_0003()
    assert migration.OPEN_REQUEST == models.OPEN_REQUEST
    assert migration.WAITING_MESSAGE == models.WAITING_MESSAGE
    assert migration.PENDING_OUTBOX == models.PENDING_OUTBOX


def test_head_revision_is_the_newest_migration() -> None:
    from sqlalchemy import create_engine

    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    assert script.get_heads() == [HEAD_REVISION]


def test_an_lcs_id_is_compared_trimmed_and_in_upper_case() -> None:
    assert models.normalise_lcs_id(" lcs123456 ") == "LCS123456"
    assert models.normalise_lcs_id("   ") is None
    assert models.normalise_lcs_id(None) is None


def test_setting_a_childs_lcs_id_sets_its_normalised_form() -> None:
    child = models.Child(name="Maisie", lcs_id="lcs42 ")
    assert child.lcs_id_normalised == "LCS42"
    child.lcs_id = None
    assert child.lcs_id_normalised is None
