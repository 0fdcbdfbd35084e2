"""IANA time zone names as request fields: a pydantic type that refuses anything ``zoneinfo``
would not load the same way on Lambda, and says the allowed names in the OpenAPI document.

The names are the ``tzdata`` package's (the database Lambda's ``zoneinfo`` reads: the Python
runtime has no system zone files, PEP 615 "Sources for time zone data"), so a zone accepted here
loads in every function.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, WithJsonSchema

#: Names ``zoneinfo`` loads that are not time zones: the host's own zone and tzcode's rules file,
#: which differ between hosts (and are absent from the ``tzdata`` package Lambda uses).
_NOT_ZONES = ("localtime", "posixrules")
MESSAGE = "must be an IANA time zone name such as America/Los_Angeles"


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zone names of the ``tzdata`` package, sorted."""
    return tuple(sorted(resources.files("tzdata").joinpath("zones").read_text().split()))


def check_time_zone(value: str) -> str:
    """``value`` when it is an IANA time zone name (``Europe/Paris``, ``UTC``) that
    ``zoneinfo.ZoneInfo`` loads.

    Raises:
        ValueError: anything else (pydantic reports it as a validation error of the field).
    """
    if value in _NOT_ZONES or value.startswith(("posix/", "right/")) or value not in time_zone_names():
        raise ValueError(MESSAGE)
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # unknown (ZoneInfoNotFoundError), a directory, not a TZif file
        raise ValueError(MESSAGE) from None
    return value


#: A request field holding an IANA time zone name; the schema lists the names.
TimeZoneName = Annotated[str, AfterValidator(check_time_zone),
                         WithJsonSchema({"type": "string", "enum": list(time_zone_names())})]
