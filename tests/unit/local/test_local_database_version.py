"""A data folder of another PostgreSQL major is refused before any server starts, with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from backlot_local.database import DataFromAnotherMajorError, check_data_version, start_embedded


def test_data_of_an_older_major_is_refused_with_what_to_do(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("16\n")
    with pytest.raises(DataFromAnotherMajorError, match=r"PostgreSQL 16 data.*PostgreSQL 18.*make clean"):
        start_embedded(pgdata)


def test_a_new_folder_and_the_same_major_pass(tmp_path: Path) -> None:
    check_data_version(tmp_path / "absent")
    (tmp_path / "PG_VERSION").write_text("18\n")
    check_data_version(tmp_path)
