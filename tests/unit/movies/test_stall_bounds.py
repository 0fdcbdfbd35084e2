"""The stall bounds in ``MoviesSettings`` follow from the queues the template declares: a session
is only finished as stalled once no delivery of its messages can still be alive."""

from __future__ import annotations

from cfnlint.decode import cfn_yaml

from movies.settings import MoviesSettings
from tests.conftest import REPO_ROOT

MARGIN_S = 900  # the wait before a first receipt (see MoviesSettings)
RESOURCES = cfn_yaml.load(str(REPO_ROOT / "functions" / "movies" / "template.yaml"))["Resources"]


def default(name: str) -> int:
    return MoviesSettings.model_fields[name].default


def redelivery_window(queue: str) -> int:
    props = RESOURCES[queue]["Properties"]
    return int(props["VisibilityTimeout"]) * int(props["RedrivePolicy"]["maxReceiveCount"])


def test_enrich_stall_bound_is_visibility_timeout_times_receives_plus_margin() -> None:
    assert default("enrich_stall_seconds") == redelivery_window("EnrichQueue") + MARGIN_S == 3060
    assert default("enrich_max_receives") == int(RESOURCES["EnrichQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"])


def test_parse_stall_bound_is_visibility_timeout_times_receives_plus_margin() -> None:
    assert default("parse_stall_seconds") == redelivery_window("ExportsQueue") + MARGIN_S == 3060
    # a parse lease outlives the delivery that took it
    assert default("parse_lease_seconds") > int(RESOURCES["ParseExportFunction"]["Properties"]["Timeout"])


def test_the_sweep_runs_every_15_minutes_and_the_nightly_expiry_stays() -> None:
    sweep = RESOURCES["SettleStalledSessionsFunction"]["Properties"]
    assert sweep["Handler"] == "movies.jobs.settle_handler"
    assert sweep["Events"]["Sweep"]["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    nightly = RESOURCES["ExpireSessionsFunction"]["Properties"]["Events"]["Nightly"]["Properties"]
    assert nightly["ScheduleExpression"] == "cron(0 3 * * ? *)"
