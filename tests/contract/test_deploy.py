"""Deploy correctness, read from the templates: what a real ``sam deploy`` needs and no local test sees.

Each rule is generic over every stack (root and products, present and future), so a new product or
function is held to it without a new test. Sources: the AWS guide named in each test's docstring.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.contract.stacks import FUNCTION, Stack, all_stacks, products, refs, root, stacks_of, transformed

STACKS = all_stacks()
PRODUCTS = products()
ASYNC_EVENT_TYPES = {"Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent", "SNS", "S3"}
#: ``*Name`` properties (``Key`` or ``Type.Key``) that name something unique within another
#: resource, or something that is not ours, rather than a resource unique in the account.
NOT_ACCOUNT_UNIQUE = {
    "DBName": "the database inside the instance",
    "TargetGroupName": "an RDS Proxy's only target group is always named 'default'",
    "MetricName": "names a metric, not a resource",
    "ServiceName": "the AWS service a VPC endpoint reaches",
    "StageName": "an API stage, unique within its API",
    "AWS::Lambda::Alias.Name": "an alias, unique within its function",
    "AWS::Cognito::UserPoolIdentityProvider.ProviderName": "Cognito's fixed name of the Google provider, unique within its pool",
}


def ids(stacks: tuple[Stack, ...]) -> list[str]:
    return [s.name for s in stacks]


def _explicit_names(resources: dict[str, dict[str, Any]]) -> list[tuple[str, Any]]:
    """``(where, value)`` of every name a resource gives itself (top-level ``*Name`` properties and
    SAM schedule events' ``Name``); values that refer to another resource are references, skipped."""
    out = []
    for lid, resource in resources.items():
        props = resource.get("Properties") or {}
        for key, value in props.items():
            if key.endswith("Name") and key not in NOT_ACCOUNT_UNIQUE and f"{resource.get('Type')}.{key}" not in NOT_ACCOUNT_UNIQUE:
                out.append((f"{lid}.{key}", value))
        if resource.get("Type") == FUNCTION:
            for event_name, event in (props.get("Events") or {}).items():
                if "Name" in (event.get("Properties") or {}):
                    out.append((f"{lid}.Events.{event_name}.Name", event["Properties"]["Name"]))
    return [(where, v) for where, v in out if not (isinstance(v, dict) and set(v) <= {"Ref", "Fn::GetAtt"})]


def _carries_stage(value: Any) -> bool:
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) else value["Fn::Sub"]
        return "${Stage}" in text or "Stage" in refs(value)
    return isinstance(value, dict) and "Stage" in refs(value)


# ------------------------------------------------------------------ stage in every name
@pytest.mark.parametrize("stack", STACKS, ids=ids(STACKS))
def test_every_explicit_name_carries_the_stage(stack: Stack) -> None:
    """dev and prod share an account: any name the template sets (bucket, proxy, layer, log group,
    schedule...) must contain ``${Stage}`` or the second deploy collides with the first."""
    unstaged = [(where, value) for where, value in _explicit_names(stack.resources) if not _carries_stage(value)]
    assert unstaged == []


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_names_sam_generates_carry_the_stage(stack: Stack) -> None:
    """SAM names some resources itself (a ``ScheduleV2`` without ``Name`` is named after its logical
    id, the same in dev and prod): after the transform every named resource still carries the stage."""
    generated = transformed(stack.name)["Resources"]
    unstaged = [(where, value) for where, value in _explicit_names(generated) if not _carries_stage(value)]
    assert unstaged == []


# ------------------------------------------------------------------ migrations
def _migrations(stack: Stack) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in stack.resources.items()
            if r["Type"] == "AWS::CloudFormation::CustomResource" or r["Type"].startswith("Custom::")}


def _root_targets(stack: Stack, value: Any) -> set[str]:
    """Root-stack resources that the nested-stack parameters used in ``value`` come from."""
    out: set[str] = set()
    for name in refs(value) & set(stack.parameters):
        out |= refs(stack.parameters[name])
    return out


MIGRATING = tuple(s for s in PRODUCTS if _migrations(s))


def test_each_product_migrates_in_one_stack_that_deploys_before_its_others() -> None:
    """One migration custom resource per product. A product split into several stacks migrates in
    one of them, and each other stack takes a parameter from that stack's ``Outputs`` (its queues),
    so CloudFormation finishes the migrating stack, and the migrations, before it updates the
    functions that need the new schema (CloudFormation user guide, "DependsOn attribute": a
    ``Fn::GetAtt`` to a resource makes the dependency)."""
    for product in sorted({s.product for s in PRODUCTS}):
        stacks = stacks_of(product)
        migrating = [s for s in stacks if _migrations(s)]
        assert [len(_migrations(s)) for s in migrating] == [1], f"{product}: one migration, in one stack"
        (first,) = migrating
        for other in stacks:
            if other is not first:
                assert first.logical_id in refs(other.parameters), f"{other.name} does not wait for {first.name}"


@pytest.mark.parametrize("stack", MIGRATING, ids=ids(MIGRATING))
def test_migration_waits_for_the_proxy_target_group(stack: Stack) -> None:
    """A migration started before the proxy's target group exists fails or times out: the custom
    resource must name the target group (through a nested-stack parameter), so CloudFormation
    creates the target group first."""
    (props,) = _migrations(stack).values()
    kinds = {root().resources[t]["Type"] for t in _root_targets(stack, props) if t in root().resources}
    assert "AWS::RDS::DBProxyTargetGroup" in kinds


@pytest.mark.parametrize("stack", MIGRATING, ids=ids(MIGRATING))
def test_migration_reruns_when_its_code_or_the_platform_layer_changes(stack: Stack) -> None:
    """A custom resource runs again only when one of its properties changes. New function code
    publishes a new version (``CodeVersion``); a new platform layer (the platform's migrations)
    does not, so the layer's version ARN must be a property too."""
    (props,) = _migrations(stack).values()
    platform_layers = {lid for lid, r in root().of_type("AWS::Serverless::LayerVersion").items()
                       if r["Properties"]["ContentUri"].rstrip("/").endswith("layers/platform")}
    assert platform_layers and platform_layers <= _root_targets(stack, props)
    token_function = next(iter(refs(props["ServiceToken"])))
    assert any(v == {"Ref": f"{token_function}.Version"} for v in props.values()), "no property changes with new code"


# ------------------------------------------------------------------ database access
def test_proxy_authenticates_with_iam_end_to_end() -> None:
    """RDS Proxy end-to-end IAM authentication: product roles log in with IAM tokens, client to
    proxy and proxy to database, with no secret (RDS user guide, "Configuring IAM authentication
    for RDS Proxy"); the instance must accept IAM tokens. The one secret the proxy knows is the
    master user's, for the migrations."""
    (proxy,) = root().of_type("AWS::RDS::DBProxy").values()
    assert proxy["Properties"].get("DefaultAuthScheme") == "IAM_AUTH"
    secrets = [a["SecretArn"] for a in proxy["Properties"].get("Auth") or [] if a.get("AuthScheme") == "SECRETS"]
    assert all(s == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]} for s in secrets), secrets
    (database,) = root().of_type("AWS::RDS::DBInstance").values()
    assert database["Properties"].get("EnableIAMDatabaseAuthentication") is True


def _migration_functions(stack: Stack) -> set[str]:
    return {next(iter(refs(p["ServiceToken"]))) for p in _migrations(stack).values()}


def _reads_master_secret(props: dict[str, Any], stack: Stack) -> bool:
    secret_params = {name for name, value in stack.parameters.items() if "MasterUserSecret" in str(value)}
    env = (props.get("Environment") or {}).get("Variables") or {}
    return bool(secret_params & (refs(props.get("Policies")) | refs(env)))


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_functions_log_in_as_the_products_role_through_one_managed_policy(stack: Stack) -> None:
    """One ``AWS::IAM::ManagedPolicy`` per stack grants ``rds-db:connect`` as ``backlot_<product>``
    on the proxy; every function but the migration attaches it, and Globals say how to log in."""
    (policy_id, policy), = stack.of_type("AWS::IAM::ManagedPolicy").items()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "rds-db:connect"
    resource = statement["Resource"]["Fn::Sub"]
    assert resource.endswith(f":dbuser:${{DbProxyResourceId}}/backlot_{stack.product}")
    assert "DatabaseProxy" in refs(stack.parameters["DbProxyResourceId"])
    env = stack.globals_function()["Environment"]["Variables"]
    assert env["DB_USER"] == f"backlot_{stack.product}" and env["DB_IAM_AUTH"] == "true"
    assert "DatabaseProxy" in _root_targets(stack, env["DB_HOST"])
    migrations = _migration_functions(stack)
    for name, props in stack.functions().items():
        if name in migrations:
            continue
        assert {"Ref": policy_id} in _attached_policies(stack, props), f"{name} lacks {policy_id}"


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_a_shared_role_serves_only_http_functions(stack: Stack) -> None:
    """SAM adds the grants an event source or an asynchronous destination needs (SQS polling,
    ``sqs:SendMessage`` to an OnFailure queue) only to roles it makes, so a function naming a
    shared ``Role`` has HttpApi events only and no EventInvokeConfig."""
    for name, props in stack.functions().items():
        if "Role" not in props:
            continue
        kinds = {event["Type"] for event in (props.get("Events") or {}).values()}
        assert kinds <= {"HttpApi"} and "EventInvokeConfig" not in props, f"{name}: {kinds} with a shared role"


def _attached_policies(stack: Stack, props: dict[str, Any]) -> list[Any]:
    """A function's policies: its own ``Policies`` (SAM makes its role), or the managed policies of
    the stack's role it names with ``Role: !GetAtt <role>.Arn`` (one role shared by functions
    whose grants are the same)."""
    role = props.get("Role")
    if role is None:
        return list(props.get("Policies") or [])
    assert "Policies" not in props, "a function with a Role of its own gets its grants from that role"
    (logical_id, attribute), = [role["Fn::GetAtt"]] if isinstance(role["Fn::GetAtt"], list) else [role["Fn::GetAtt"].split(".")]
    assert attribute == "Arn"
    return list(stack.template["Resources"][logical_id]["Properties"]["ManagedPolicyArns"])


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_only_the_migration_reads_the_master_secret(stack: Stack) -> None:
    migrations = _migration_functions(stack)
    readers = {name for name, props in stack.functions().items() if _reads_master_secret(props, stack)}
    assert readers == migrations


# ------------------------------------------------------------------ asynchronous invocations
def _async_functions(stack: Stack) -> set[str]:
    """Functions invoked asynchronously: by an async event source or as a custom resource."""
    out = set(_migration_functions(stack))
    for name, props in stack.functions().items():
        if any(e.get("Type") in ASYNC_EVENT_TYPES for e in (props.get("Events") or {}).values()):
            out.add(name)
    return out


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_every_asynchronous_invocation_has_a_failure_destination(stack: Stack) -> None:
    """Lambda drops an async event after its retries unless a destination keeps it (Lambda
    developer guide, "Retaining records of asynchronous invocations")."""
    functions = stack.functions()
    for name in _async_functions(stack):
        on_failure = ((functions[name].get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get("OnFailure")
        assert on_failure and on_failure.get("Destination"), f"{name} has no OnFailure destination"


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_custom_resources_invoke_the_alias_that_carries_the_destination(stack: Stack) -> None:
    """With ``AutoPublishAlias`` SAM puts ``EventInvokeConfig`` on the alias: a ServiceToken naming
    the bare function would invoke ``$LATEST``, which has none."""
    functions = stack.functions()
    for props in _migrations(stack).values():
        name = next(iter(refs(props["ServiceToken"])))
        if functions[name].get("AutoPublishAlias"):
            assert props["ServiceToken"] == {"Ref": f"{name}.Alias"}


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_every_schedule_has_a_retry_policy_and_a_dead_letter_queue(stack: Stack) -> None:
    """EventBridge Scheduler keeps an event it could not deliver only in a DLQ (Scheduler user
    guide, "Configuring a dead-letter queue"); the retry policy bounds its attempts and age."""
    for name, props in stack.functions().items():
        for event_name, event in (props.get("Events") or {}).items():
            if event.get("Type") != "ScheduleV2":
                continue
            spec = event["Properties"]
            assert spec.get("DeadLetterConfig"), f"{name}.{event_name} has no DeadLetterConfig"
            assert {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"} <= set(spec.get("RetryPolicy") or {})


# ------------------------------------------------------------------ alarms
def _alarms(stack: Stack) -> list[dict[str, Any]]:
    return [r["Properties"] for r in stack.of_type("AWS::CloudWatch::Alarm").values()]


def _dead_letter_queues(stack: Stack) -> set[str]:
    found: set[str] = set()
    for props in (r.get("Properties") or {} for r in stack.of_type("AWS::SQS::Queue").values()):
        found |= refs((props.get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
    for props in stack.functions().values():
        found |= refs(((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get("OnFailure"))
        for event in (props.get("Events") or {}).values():
            found |= refs((event.get("Properties") or {}).get("DeadLetterConfig"))
    return {q for q in found if q in stack.of_type("AWS::SQS::Queue")}


def _fires_on_any(alarm: dict[str, Any]) -> bool:
    return (float(alarm.get("Threshold", -1)) == 0 and alarm.get("ComparisonOperator") == "GreaterThanThreshold"
            and bool(alarm.get("AlarmActions")))


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_every_dead_letter_queue_has_an_alarm(stack: Stack) -> None:
    """A message in a dead-letter queue is a failure nobody sees unless it alarms."""
    watched = {
        next(iter(refs(d["Value"])))
        for a in _alarms(stack) if a.get("Namespace") == "AWS/SQS" and a.get("MetricName") == "ApproximateNumberOfMessagesVisible" and _fires_on_any(a)
        for d in a.get("Dimensions") or [] if d["Name"] == "QueueName"
    }
    assert _dead_letter_queues(stack) - watched == set()


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_every_api_alarms_on_5xx(stack: Stack) -> None:
    watched = {next(iter(refs(d["Value"]))) for a in _alarms(stack) if a.get("MetricName") == "5xx" and _fires_on_any(a)
               for d in a.get("Dimensions") or [] if d["Name"] == "ApiId"}
    assert set(stack.of_type("AWS::Serverless::HttpApi")) - watched == set()


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_every_function_is_covered_by_the_errors_alarm(stack: Stack) -> None:
    """One Metrics Insights alarm per stack over ``AWS/Lambda`` ``Errors``, selecting the stack's
    functions by the tag every function gets from Globals (CloudWatch user guide, "Create a
    CloudWatch alarm based on a Metrics Insights query")."""
    queries = [m["Expression"] for a in _alarms(stack) if _fires_on_any(a) for m in a.get("Metrics") or [] if "Expression" in m]
    texts = [q["Fn::Sub"] if isinstance(q, dict) else q for q in queries]
    covering = [t for t in texts if re.search(r"SELECT SUM\(Errors\) FROM SCHEMA\(\"AWS/Lambda\", FunctionName\)", t)]
    assert covering, "no Metrics Insights alarm on AWS/Lambda Errors"
    for name, props in stack.functions().items():
        tags = props.get("Tags") or {}
        assert any(
            f"tag.{key} = '{value['Fn::Sub'] if isinstance(value, dict) else value}'" in text
            for key, value in tags.items() for text in covering
        ), f"{name} carries no tag the errors alarm selects"


# ------------------------------------------------------------------ rate limits
#: Products whose HTTP API throttles every route: movies (lookups by share code) and wellness
#: (document 001, "Known limitations" 4: no rate limiting).
THROTTLED = {"movies", "wellness"}


def _value(stack: Stack, value: Any) -> Any:
    """A literal, or a ``Ref`` to one of the stack's parameters resolved to its default."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return (stack.template.get("Parameters") or {})[value["Ref"]].get("Default")
    return value


@pytest.mark.parametrize("stack", [s for s in PRODUCTS if s.product in THROTTLED], ids=lambda s: s.name)
def test_the_throttled_apis_limit_every_route(stack: Stack) -> None:
    """``DefaultRouteSettings`` gives each route of the stage a token bucket (API Gateway developer
    guide, "Throttle requests to your HTTP APIs"): a rate and a burst, both positive."""
    for lid, api in stack.of_type("AWS::Serverless::HttpApi").items():
        settings = (api.get("Properties") or {}).get("DefaultRouteSettings") or {}
        rate, burst = (_value(stack, settings.get(k)) for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit"))
        assert rate is not None and float(rate) > 0, f"{stack.name}/{lid}: no ThrottlingRateLimit"
        assert burst is not None and int(burst) > 0, f"{stack.name}/{lid}: no ThrottlingBurstLimit"


# ------------------------------------------------------------------ logs
@pytest.mark.parametrize("stack", STACKS, ids=ids(STACKS))
def test_every_log_group_has_a_retention(stack: Stack) -> None:
    for lid, group in stack.of_type("AWS::Logs::LogGroup").items():
        assert "RetentionInDays" in (group.get("Properties") or {}), f"{lid} keeps logs forever"


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_every_function_logs_to_a_group_with_retention(stack: Stack) -> None:
    """Without ``LoggingConfig.LogGroup`` Lambda creates ``/aws/lambda/<name>`` with no retention."""
    groups = stack.of_type("AWS::Logs::LogGroup")
    for name, props in stack.functions().items():
        group = refs((props.get("LoggingConfig") or {}).get("LogGroup"))
        assert group and group <= set(groups), f"{name} logs to a group this stack does not keep"


@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_every_api_writes_access_logs(stack: Stack) -> None:
    groups = stack.of_type("AWS::Logs::LogGroup")
    for lid, api in stack.of_type("AWS::Serverless::HttpApi").items():
        settings = (api.get("Properties") or {}).get("AccessLogSettings") or {}
        assert refs(settings.get("DestinationArn")) and refs(settings["DestinationArn"]) <= set(groups), lid
        assert "$context.requestId" in settings.get("Format", ""), lid


# ------------------------------------------------------------------ queue batches
def _sqs_consumers() -> list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    out = []
    for stack in PRODUCTS:
        for name, props in stack.functions().items():
            for event in (props.get("Events") or {}).values():
                if event.get("Type") == "SQS":
                    metadata = stack.resources[name].get("Metadata") or {}
                    out.append((stack.name, name, props, event["Properties"], metadata))
    return out


@pytest.mark.parametrize(("product", "name", "props", "event", "metadata"), _sqs_consumers(),
                         ids=[f"{p}/{n}" for p, n, *_ in _sqs_consumers()])
def test_a_batch_fits_its_function_timeout(product: str, name: str, props: dict, event: dict, metadata: dict) -> None:
    """A batch of ``BatchSize`` worst-case messages must finish within the function's timeout, or a
    timed-out invocation redelivers the whole batch. Each consumer declares the longest one message
    takes as ``Metadata.WorstItemSeconds``."""
    worst = metadata.get("WorstItemSeconds")
    assert worst is not None, f"{name}: declare Metadata.WorstItemSeconds (longest one message takes)"
    assert int(event.get("BatchSize", 10)) * int(worst) <= int(props.get("Timeout", 3))


# ------------------------------------------------------------------ readability
@pytest.mark.parametrize("stack", PRODUCTS, ids=ids(PRODUCTS))
def test_function_blocks_do_not_repeat_globals(stack: Stack) -> None:
    """What every function shares lives once in Globals; a function block says only its own."""
    shared = stack.globals_function()
    shared_env = (shared.get("Environment") or {}).get("Variables") or {}
    for lid, resource in stack.of_type(FUNCTION).items():
        own = resource.get("Properties") or {}
        repeated = [k for k, v in own.items() if k in shared and v == shared[k] and k != "Environment"]
        own_env = (own.get("Environment") or {}).get("Variables") or {}
        repeated += [f"Environment.{k}" for k, v in own_env.items() if shared_env.get(k) == v]
        assert repeated == [], f"{lid} repeats Globals: {repeated}"
