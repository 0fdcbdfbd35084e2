"""The wellness error bodies: DRF's shapes (``wellness.http_api``)."""

from __future__ import annotations

from wellness.http_api import drf_body


def test_field_errors_are_drf_lists_by_field() -> None:
    fields = [{"field": "time_zone", "message": "bad"}, {"field": "time_zone", "message": "worse"},
              {"field": "body", "message": "not an object"}, {"field": "days.0.minutes", "message": "too many"}]
    assert drf_body(400, "validation_error", "x", fields, None) == {
        "time_zone": ["bad", "worse"], "non_field_errors": ["not an object"], "days.0.minutes": ["too many"]}


def test_other_errors_are_detail_and_code() -> None:
    assert drf_body(404, "device_not_found", "device not found", [], "r1") == {"detail": "device not found", "code": "device_not_found"}
    # fields of a non-400 error do not turn it into field errors
    assert drf_body(409, "duplicate_device", "dup", [{"field": "client_device_id", "message": "taken"}], None) == {
        "detail": "dup", "code": "duplicate_device"}
