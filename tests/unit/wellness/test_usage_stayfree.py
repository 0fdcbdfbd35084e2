"""The StayFree importer on the real export (../shared/data/usage/stayfree_personal) and on small
hand-made tables. Expected figures are computed here independently with the csv module."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from wellness.domain.ingest import validate_upload
from wellness.domain.stayfree import StayFreeFormatError, describe_path, parse_stayfree

DEVICE = "6f1c1a52-3a65-4c43-9d0e-0d5b3b0a3a11"
KINDS = ("app_usage_time", "app_usage_count", "device_unlocks")


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return shared_data / "usage" / "stayfree_personal"


def files_of(folder: Path) -> dict[str, tuple[str, bytes]]:
    return {k: (f"{k}_motorola.csv", (folder / f"{k}_motorola.csv").read_bytes()) for k in KINDS}


def table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def whole(value: str) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_the_real_export_gives_every_day_with_the_files_totals(folder):
    result = parse_stayfree(files_of(folder))
    upload = validate_upload({"device_id": DEVICE, "days": result.days}, today=date(2026, 1, 1),
                             now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert upload.rejected == []
    times = table(folder / "app_usage_time_motorola.csv")
    unlocks = {r["date"]: r["Device Unlocks"] for r in table(folder / "device_unlocks_motorola.csv")}
    assert len(upload.days) == len(times) == 552
    days = {d.usage_date.isoformat(): d for d in upload.days}
    for row in times:
        assert days[row["date"]].screen_time_minutes == whole(row["total_usage"])
        raw = float(unlocks[row["date"]])
        assert days[row["date"]].unlocks == (int(raw) if raw.is_integer() else None)
    # the two names of Call of Duty are one app, and total_usage is not an app
    keys = {a.app_key for a in upload.apps}
    assert "Call of Duty" in keys and "com.activision.callofduty.shooter" not in keys and "total_usage" not in keys
    both = next(r for r in times if float(r["Call of Duty"]) and float(r["com.activision.callofduty.shooter"]))
    cod = next(a for a in upload.apps if a.app_key == "Call of Duty" and a.usage_date.isoformat() == both["date"])
    expected = Decimal(repr(float(both["Call of Duty"]) + float(both["com.activision.callofduty.shooter"])))
    assert cod.minutes == expected.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    # whole-period minutes per app, computed from the file, agree within rounding to a tenth per day
    per_app: dict[str, float] = {}
    for row in times:
        for column, value in row.items():
            if column not in ("date", "total_usage"):
                name = "Call of Duty" if column == "com.activision.callofduty.shooter" else column
                per_app[name] = per_app.get(name, 0.0) + float(value)
    stored: dict[str, Decimal] = {}
    for a in upload.apps:
        if a.minutes is not None:
            stored[a.app_key] = stored.get(a.app_key, Decimal(0)) + a.minutes
    for name, minutes in per_app.items():
        assert abs(float(stored.get(name, 0)) - minutes) <= 0.05 * len(times) + 1e-6, name


def test_averaged_counts_are_refused_cell_by_cell_with_their_place(folder):
    result = parse_stayfree(files_of(folder))
    counts = table(folder / "app_usage_count_motorola.csv")
    expected = sum(1 for row in counts for col, v in row.items()
                   if col not in ("date", "total_usage") and not float(v).is_integer())
    unlock_rows = [r for r in table(folder / "device_unlocks_motorola.csv") if not float(r["Device Unlocks"]).is_integer()]
    assert len(result.rejected) == expected + len(unlock_rows)
    path, reason = result.rejected[0]
    assert path == "app_usage_count_motorola.csv:251:Amazon Shopping" and "not a whole number" in reason


def small(text: str) -> tuple[str, bytes]:
    return ("t.csv", text.encode())


def test_a_small_table_with_total_in_the_middle_and_aliases():
    result = parse_stayfree({
        "app_usage_time": small("date;A;total_usage;com.activision.callofduty.shooter;Call of Duty;Z\n"
                                "2024-01-01;1.5;13.5;2.0;10.0;0.0\n2024-01-02;;0;0;0;0\n"),
        "app_usage_count": small("date;A;Call of Duty;total_usage\n2024-01-01;2.0;3.0;5.0\n"),
        "device_unlocks": small("date;Device Unlocks\n2024-01-01;40.0\n2024-01-03;7\n")})
    assert result.rejected == []
    assert result.days == [
        {"date": "2024-01-01", "screen_time_minutes": 13.5, "unlocks": 40,
         "apps": [{"app": "A", "name": "A", "minutes": 1.5, "launches": 2},
                  {"app": "Call of Duty", "name": "Call of Duty", "minutes": 12.0, "launches": 3}]},
        {"date": "2024-01-02", "screen_time_minutes": 0.0},
        {"date": "2024-01-03", "unlocks": 7}]


def test_bad_cells_are_named_and_validation_paths_speak_the_tables_words():
    result = parse_stayfree({"app_usage_time": small("date;A;B;total_usage\n2024-01-01;x;-3;5\n2099-01-01;1;1;2\n")})
    assert result.rejected == [("t.csv:2:A", "'x' is not a number")]
    upload = validate_upload({"device_id": DEVICE, "days": result.days}, today=date(2024, 6, 1),
                             now=datetime(2024, 6, 1, tzinfo=timezone.utc))
    paths = [describe_path(result.days, r.path) for r in upload.rejected]
    assert paths == ["2024-01-01.apps[B].minutes", "2099-01-01.date"]


@pytest.mark.parametrize(("kind", "text"), [
    ("app_usage_time", ""), ("app_usage_time", "day,A,B\n2024-01-01,1,2\n"),
    ("device_unlocks", "date;A\n2024-01-01;1\n"), ("app_usage_count", "date;Device Unlocks\n2024-01-01;1\n")])
def test_a_file_that_is_not_a_stayfree_table_is_refused(kind, text):
    with pytest.raises(StayFreeFormatError) as caught:
        parse_stayfree({kind: small(text)})
    assert caught.value.field == kind


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(StayFreeFormatError):
        parse_stayfree({"app_usage_time": ("t.csv", "date;Cívica\n2024-01-01;1\n".encode("utf-16"))})
