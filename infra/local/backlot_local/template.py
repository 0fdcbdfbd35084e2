"""The application model, read from the SAM templates.

:func:`load_application` loads the root ``template.yaml`` and every nested stack
(``AWS::Serverless::Application`` or ``AWS::CloudFormation::Stack`` whose ``Location`` /
``TemplateURL`` is a local file), passes each nested stack its ``Parameters`` resolved in the parent,
merges SAM ``Globals`` into every ``AWS::Serverless::Function`` and ``AWS::Serverless::HttpApi``
with samtranslator's own merge rules, and resolves intrinsic functions
(:mod:`backlot_local.intrinsics`) with these local values:

* parameters: ``Stage=dev`` (or the given overrides), otherwise each parameter's ``Default``;
* pseudo parameters: ``AWS::AccountId`` 123456789012, ``AWS::Region`` us-east-1, ``AWS::Partition``
  aws, ``AWS::URLSuffix`` amazonaws.com, ``AWS::StackName`` ``backlot-dev[-<NestedStack>]``;
* ``Ref`` bucket -> its ``BucketName``; ``Ref`` queue -> its URL on the emulator;
  ``Fn::GetAtt`` queue ``Arn`` -> its ARN; ``Ref`` function -> its name; ``Ref`` HttpApi -> a stable
  local API id; ``Ref`` layer -> a layer ARN remembered with its ``ContentUri``;
  ``Fn::GetAtt Stack.Outputs.X`` -> the nested stack's output;
* anything else (the RDS Proxy endpoint, secrets, roles, VPC ids) -> a placeholder string.

Resources whose ``Condition`` is false are skipped, except ``AWS::ApiGatewayV2::ApiMapping``: the
mappings give each product its base path (``/family``) and are read even though they only deploy
with a custom domain.

Errors: :class:`TemplateError` for what the local runtime cannot run (a function without a local
``CodeUri``, a non-Python runtime, ...); those functions are skipped and listed in
``Application.warnings`` instead of failing the whole application.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml
from samtranslator.plugins.globals.globals import Globals

from backlot_local import ACCOUNT_ID, PARTITION, REGION, URL_SUFFIX
from backlot_local.intrinsics import evaluate_condition, placeholder, resolve, to_string

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
SERVERLESS_HTTP_API = "AWS::Serverless::HttpApi"
NESTED_STACK_TYPES = ("AWS::Serverless::Application", "AWS::CloudFormation::Stack")
IMPLICIT_HTTP_API = "ServerlessHttpApi"


class TemplateError(ValueError):
    """The templates describe something the local runtime cannot run."""


def load_template(path: Path) -> dict[str, Any]:
    """Load one CloudFormation/SAM YAML template into plain dicts, lists and scalars.

    Short-form tags (``!Ref``, ``!Sub``, ``!GetAtt``, ...) become their long forms
    (``{"Ref": ...}``), as cfn-lint's loader produces them.

    Raises:
        cfnlint.decode.cfn_yaml.CfnParseError: the YAML is invalid.
    """
    return _plain(cfn_yaml.load(str(path)))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


# ---------------------------------------------------------------------------------------- model


@dataclass
class Function:
    """One ``AWS::Serverless::Function``, Globals merged and intrinsics resolved.

    ``id`` is ``<NestedStack>/<LogicalId>`` (just ``<LogicalId>`` in the root stack).
    ``environment`` holds the template's ``Environment.Variables`` only (no local overrides).
    ``layer_dirs`` are the local folders of the function's layers that exist (``<ContentUri>/python``).
    """

    stack: "Stack"
    logical_id: str
    name: str
    arn: str
    handler: str
    runtime: str
    code_dir: Path
    timeout: int
    memory_size: int
    environment: dict[str, str]
    layer_dirs: list[Path]
    events: dict[str, dict[str, Any]]

    @property
    def id(self) -> str:
        return "/".join((*self.stack.path, self.logical_id))


@dataclass
class QueueNotification:
    """One entry of a bucket's ``NotificationConfiguration.QueueConfigurations``."""

    event: str
    queue_arn: str
    filter_rules: list[dict[str, str]]


@dataclass
class Bucket:
    """One ``AWS::S3::Bucket``: its name and what the emulator must be told about it."""

    stack: "Stack"
    logical_id: str
    name: str
    queue_notifications: list[QueueNotification]
    cors_rules: list[dict[str, Any]]
    versioned: bool

    @property
    def id(self) -> str:
        return "/".join((*self.stack.path, self.logical_id))


@dataclass
class Queue:
    """One ``AWS::SQS::Queue``; ``attributes`` are SQS API attribute names and string values."""

    stack: "Stack"
    logical_id: str
    name: str
    arn: str
    url: str
    attributes: dict[str, str]
    dead_letter_arn: str | None = None
    max_receive_count: int | None = None

    @property
    def id(self) -> str:
        return "/".join((*self.stack.path, self.logical_id))

    @property
    def visibility_timeout(self) -> int:
        return int(self.attributes.get("VisibilityTimeout", "30"))


@dataclass
class JwtAuthorizerConfig:
    """A JWT authorizer (``JwtConfiguration``). Locally it accepts ``backlot token`` tokens (issuer
    and audience ``backlot-local``) and, once :mod:`backlot_local.cognito` has made the template's
    user pool in the emulator, that pool's tokens: then ``issuer``/``audience`` are the real pool's
    and ``jwks_uri`` is where the emulator serves its keys (None until then)."""

    name: str
    identity_source: list[str]
    issuer: str
    audience: list[str]
    authorization_scopes: list[str] = field(default_factory=list)
    jwks_uri: str | None = None


@dataclass
class UserPool:
    """An ``AWS::Cognito::UserPool`` (resolved properties); ``ref`` is what ``!Ref`` gave the
    templates (a placeholder until the emulator's pool exists: :mod:`backlot_local.cognito`), and
    ``physical_id`` the emulator's pool id once made."""

    stack: "Stack"
    logical_id: str
    ref: str
    properties: dict[str, Any]
    physical_id: str | None = None


@dataclass
class UserPoolClient:
    """An ``AWS::Cognito::UserPoolClient`` of a :class:`UserPool` (``pool_ref`` its ``UserPoolId``)."""

    stack: "Stack"
    logical_id: str
    ref: str
    pool_ref: str
    properties: dict[str, Any]


@dataclass
class LambdaAuthorizerConfig:
    """A Lambda REQUEST authorizer (``FunctionArn``)."""

    name: str
    function_arn: str
    function: Function | None
    payload_format_version: str
    simple_responses: bool
    identity_source: list[str]
    result_ttl: int


@dataclass
class HttpApi:
    """One ``AWS::Serverless::HttpApi`` (or the implicit ``ServerlessHttpApi``)."""

    stack: "Stack"
    logical_id: str
    api_id: str
    default_authorizer: str | None
    authorizers: dict[str, JwtAuthorizerConfig | LambdaAuthorizerConfig]
    cors: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return "/".join((*self.stack.path, self.logical_id))


@dataclass
class Route:
    """One HttpApi event of a function: ``route_key`` is ``"METHOD /path"`` or ``"$default"``."""

    api: HttpApi
    method: str
    path: str
    function: Function
    event_name: str
    authorizer: JwtAuthorizerConfig | LambdaAuthorizerConfig | None
    authorization_scopes: list[str]
    timeout_ms: int = 30000

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass
class ApiMapping:
    """An ``AWS::ApiGatewayV2::ApiMapping``: requests under ``/<key>`` go to the API ``api_id``."""

    logical_id: str
    key: str
    api_id: str


@dataclass
class SqsSource:
    """An SQS event of a function (an event source mapping)."""

    function: Function
    event_name: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool
    enabled: bool
    batching_window_s: int


@dataclass
class ScheduleSource:
    """A ``Schedule`` (EventBridge rule) or ``ScheduleV2`` (EventBridge Scheduler) event of a function."""

    function: Function
    event_name: str
    kind: str
    name: str
    expression: str
    timezone: str
    input: str | None
    enabled: bool


@dataclass
class Application:
    """Everything the local runtime serves, from all stacks."""

    root_dir: Path
    stage: str
    aws_endpoint: str | None
    stacks: list["Stack"] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    apis: list[HttpApi] = field(default_factory=list)
    mappings: list[ApiMapping] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    sqs_sources: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)
    layers: dict[str, Path] = field(default_factory=dict)
    user_pools: list[UserPool] = field(default_factory=list)
    user_pool_clients: list[UserPoolClient] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def queue_url(self, name: str) -> str:
        """The URL of the queue ``name``: on the emulator when known (moto's form), else AWS's."""
        if self.aws_endpoint:
            return f"{self.aws_endpoint.rstrip('/')}/{ACCOUNT_ID}/{name}"
        return f"https://sqs.{REGION}.{URL_SUFFIX}/{ACCOUNT_ID}/{name}"

    @property
    def products(self) -> list[str]:
        """Product package names: the folder names of nested stacks under ``functions/``."""
        names = []
        for stack in self.stacks:
            folder = stack.template_path.parent
            if folder.parent == self.root_dir / "functions" and folder.name not in names:
                names.append(folder.name)
        return names

    def product_code_dirs(self) -> list[Path]:
        """The code folders of all functions (to import product packages, e.g. for migrations)."""
        dirs: list[Path] = []
        for function in self.functions:
            if function.code_dir not in dirs:
                dirs.append(function.code_dir)
        return dirs

    def function(self, ident: str) -> Function:
        """Find a function by ``Stack/LogicalId`` or, when unambiguous, by ``LogicalId`` or name.

        Raises:
            KeyError: no such function, or the bare logical id names several.
        """
        exact = [f for f in self.functions if f.id == ident or f.name == ident]
        if exact:
            return exact[0]
        by_logical = [f for f in self.functions if f.logical_id == ident.split("/")[-1]]
        if len(by_logical) == 1 and "/" not in ident:
            return by_logical[0]
        known = ", ".join(sorted(f.id for f in self.functions))
        if len(by_logical) > 1:
            raise KeyError(f"{ident} is ambiguous; say which stack: {', '.join(f.id for f in by_logical)}")
        raise KeyError(f"no function {ident}; known: {known}")

    def function_by_arn(self, arn: str) -> Function | None:
        """The function whose ARN (or an alias/version qualified ARN) is ``arn``."""
        for function in self.functions:
            if arn == function.arn or arn.startswith(function.arn + ":"):
                return function
        return None

    def queue_by_arn(self, arn: str) -> Queue | None:
        """The queue whose ARN is ``arn``."""
        return next((q for q in self.queues if q.arn == arn), None)

    def api_by_id(self, api_id: str) -> HttpApi | None:
        """The HTTP API whose local id is ``api_id``."""
        return next((a for a in self.apis if a.api_id == api_id), None)

    def mapping_for(self, api: HttpApi) -> ApiMapping | None:
        """The API mapping (base path) of ``api``, if any."""
        return next((m for m in self.mappings if m.api_id == api.api_id), None)


# ---------------------------------------------------------------------------------------- stacks


class Stack:
    """One template with its parameter values: the :class:`~backlot_local.intrinsics.Scope` that
    ``Ref``/``Fn::GetAtt``/conditions are resolved against."""

    region = REGION

    def __init__(self, app: Application, template_path: Path, *, name: str, path: tuple[str, ...], parameters: dict[str, Any]):
        self.app = app
        self.template_path = template_path.resolve()
        self.dir = self.template_path.parent
        self.name = name
        self.path = path
        self.template = load_template(self.template_path)
        self.parameters = parameters
        self.resources: dict[str, dict[str, Any]] = self.template.get("Resources") or {}
        self.globals = Globals(copy.deepcopy(self.template))
        self._conditions: dict[str, bool] = {}
        self._children: dict[str, Stack | None] = {}
        self._names: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"Stack({self.name!r}, {self.template_path})"

    # -- Scope
    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": self.name,
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.name}/local",
            "AWS::NotificationARNs": [],
        }
        if name in pseudo:
            return pseudo[name]
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name)
        resource = self.resources.get(name)
        if resource is None:
            return placeholder(name)
        kind = resource.get("Type", "")
        if kind == "AWS::S3::Bucket":
            return self.bucket_name(name)
        if kind == "AWS::SQS::Queue":
            return self.app.queue_url(self.queue_name(name))
        if kind in (SERVERLESS_FUNCTION, "AWS::Lambda::Function"):
            return self.function_name(name)
        if kind in (SERVERLESS_HTTP_API, "AWS::ApiGatewayV2::Api"):
            return self.api_id(name)
        if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            return self.layer_arn(name)
        return placeholder(name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self.resources.get(logical_id)
        if resource is None:
            return placeholder(logical_id, attribute)
        kind = resource.get("Type", "")
        if kind in NESTED_STACK_TYPES and attribute.startswith("Outputs."):
            child = self.child(logical_id)
            if child is None:
                return placeholder(logical_id, attribute)
            return child.output(attribute[len("Outputs."):])
        if kind == "AWS::S3::Bucket":
            bucket = self.bucket_name(logical_id)
            return {
                "Arn": f"arn:{PARTITION}:s3:::{bucket}",
                "DomainName": f"{bucket}.s3.{URL_SUFFIX}",
                "RegionalDomainName": f"{bucket}.s3.{REGION}.{URL_SUFFIX}",
                "WebsiteURL": f"http://{bucket}.s3-website-{REGION}.{URL_SUFFIX}",
            }.get(attribute, placeholder(logical_id, attribute))
        if kind == "AWS::SQS::Queue":
            queue = self.queue_name(logical_id)
            return {
                "Arn": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{queue}",
                "QueueName": queue,
                "QueueUrl": self.app.queue_url(queue),
            }.get(attribute, placeholder(logical_id, attribute))
        if kind in (SERVERLESS_FUNCTION, "AWS::Lambda::Function") and attribute == "Arn":
            return self.function_arn(logical_id)
        if kind in (SERVERLESS_HTTP_API, "AWS::ApiGatewayV2::Api"):
            api_id = self.api_id(logical_id)
            return {
                "ApiId": api_id,
                "ApiEndpoint": f"https://{api_id}.execute-api.{REGION}.{URL_SUFFIX}",
            }.get(attribute, placeholder(logical_id, attribute))
        if attribute.endswith("Arn"):
            # ARN-shaped, so templates may Fn::Split / Fn::Select its parts (a proxy's resource id)
            return f"arn:{PARTITION}:local:{REGION}:{ACCOUNT_ID}:{logical_id}:{placeholder(logical_id, attribute)}"
        return placeholder(logical_id, attribute)

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            expression = (self.template.get("Conditions") or {}).get(name)
            if expression is None:
                raise TemplateError(f"{self.template_path}: unknown condition {name}")
            self._conditions[name] = evaluate_condition(expression, self)
        return self._conditions[name]

    def find_in_map(self, map_name: str, top_key: str, second_key: str) -> Any:
        try:
            return self.template["Mappings"][map_name][top_key][second_key]
        except KeyError:
            return placeholder("FindInMap", map_name, top_key, second_key)

    # -- values
    def parameter(self, name: str) -> Any:
        """The parameter's value: given by the parent/overrides, else its ``Default``, else a placeholder.

        ``CommaDelimitedList`` and ``List<...>`` parameters are lists.
        """
        spec = (self.template.get("Parameters") or {}).get(name) or {}
        value = self.parameters.get(name, spec.get("Default"))
        if value is None:
            value = placeholder(name)
        kind = str(spec.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            if isinstance(value, str):
                return [part.strip() for part in value.split(",")] if value else []
            return list(value)
        return value if isinstance(value, (list, dict)) else to_string(value)

    def output(self, name: str) -> Any:
        """The resolved ``Value`` of the output ``name``."""
        outputs = self.template.get("Outputs") or {}
        if name not in outputs:
            return placeholder(self.name, "Outputs", name)
        return resolve(outputs[name].get("Value"), self)

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's raw (unresolved) ``Properties``."""
        return (self.resources.get(logical_id) or {}).get("Properties") or {}

    def included(self, logical_id: str) -> bool:
        """False when the resource carries a ``Condition`` that is false locally."""
        condition = (self.resources.get(logical_id) or {}).get("Condition")
        return True if condition is None else self.condition(str(condition))

    def _physical(self, logical_id: str, prop: str, default: str) -> str:
        key = f"{logical_id}.{prop}"
        if key not in self._names:
            self._names[key] = default  # guards a self-reference while resolving
            given = self.properties(logical_id).get(prop)
            self._names[key] = to_string(resolve(given, self)) if given is not None else default
        return self._names[key]

    def bucket_name(self, logical_id: str) -> str:
        """``BucketName``, or ``<stack name>-<logicalid>`` lower-cased like a generated name."""
        return self._physical(logical_id, "BucketName", f"{self.name}-{logical_id}".lower()[:63])

    def queue_name(self, logical_id: str) -> str:
        """``QueueName``, or ``<stack name>-<LogicalId>`` (``.fifo`` kept for FIFO queues)."""
        fifo = str(self.properties(logical_id).get("FifoQueue", "")).lower() == "true"
        default = f"{self.name}-{logical_id}"[: 75 if fifo else 80] + (".fifo" if fifo else "")
        return self._physical(logical_id, "QueueName", default)

    def function_name(self, logical_id: str) -> str:
        """``FunctionName``, or ``<stack name>-<LogicalId>`` (at most 64 characters)."""
        return self._physical(logical_id, "FunctionName", f"{self.name}-{logical_id}"[:64])

    def function_arn(self, logical_id: str) -> str:
        return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name(logical_id)}"

    def api_id(self, logical_id: str) -> str:
        """A stable 10-character local API id (API Gateway ids are 10 lower-case alphanumerics)."""
        return hashlib.sha1(f"{self.name}/{logical_id}".encode()).hexdigest()[:10]

    def layer_arn(self, logical_id: str) -> str:
        """The layer's local ARN; its ``ContentUri`` folder is remembered in ``Application.layers``."""
        name = self._physical(logical_id, "LayerName", logical_id)
        arn = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
        content = self.properties(logical_id).get("ContentUri") or self.properties(logical_id).get("Content")
        if isinstance(content, str):
            self.app.layers[arn] = (self.dir / content).resolve()
        return arn

    def child(self, logical_id: str) -> "Stack | None":
        """The nested stack ``logical_id`` (loaded once), or None when its template is not local."""
        if logical_id not in self._children:
            self._children[logical_id] = None
            props = self.properties(logical_id)
            location = props.get("Location") if "Location" in props else props.get("TemplateURL")
            if isinstance(location, str) and not location.startswith(("http://", "https://", "s3://")):
                parameters = resolve(props.get("Parameters") or {}, self)
                self._children[logical_id] = Stack(
                    self.app,
                    self.dir / location,
                    name=f"{self.name}-{logical_id}",
                    path=(*self.path, logical_id),
                    parameters=parameters,
                )
            else:
                self.app.warnings.append(f"{self.name}/{logical_id}: nested stack {location!r} is not a local template; skipped")
        return self._children[logical_id]

    def of_type(self, *kinds: str) -> list[str]:
        """Logical ids of the included resources of these types, in template order."""
        return [lid for lid, res in self.resources.items() if res.get("Type") in kinds and self.included(lid)]


# ---------------------------------------------------------------------------------------- loading


def load_application(
    root_dir: Path,
    *,
    aws_endpoint: str | None = None,
    stage: str = "dev",
    parameter_overrides: dict[str, str] | None = None,
    stack_name: str | None = None,
    env_vars: dict[str, dict[str, str]] | None = None,
) -> Application:
    """Load the root template and its nested stacks into an :class:`Application`.

    Args:
        root_dir: the folder holding the root ``template.yaml``.
        aws_endpoint: the emulator's URL, so ``Ref`` to a queue gives a URL that works locally.
        stage: the ``Stage`` parameter.
        parameter_overrides: other root parameters.
        stack_name: the root stack's name (default ``backlot-<stage>``).
        env_vars: environment overrides in ``sam local --env-vars`` form: ``{"Parameters": {...}}``
            for every function, ``{"<LogicalId>": {...}}`` or ``{"<Stack>/<LogicalId>": {...}}`` for
            one. Unlike SAM, a variable the template does not declare is added too.

    Raises:
        cfnlint.decode.cfn_yaml.CfnParseError: a template is not valid YAML.
        samtranslator.model.exceptions.InvalidGlobalsSectionException: a ``Globals`` section is invalid.
    """
    app = Application(root_dir=root_dir.resolve(), stage=stage, aws_endpoint=aws_endpoint)
    parameters = {"Stage": stage, **(parameter_overrides or {})}
    root = Stack(app, app.root_dir / "template.yaml", name=stack_name or f"backlot-{stage}", path=(), parameters=parameters)
    _collect(app, root)
    for stack in app.stacks:
        _collect_events(app, stack)
    apply_env_vars(app, env_vars or {})
    return app


def apply_env_vars(app: Application, env_vars: dict[str, dict[str, str]]) -> None:
    """Merge ``sam local --env-vars``-style overrides into each function's environment (see
    :func:`load_application`); values are turned into strings as Lambda does."""
    for function in app.functions:
        for key in ("Parameters", function.logical_id, function.id):
            for name, value in (env_vars.get(key) or {}).items():
                function.environment[name] = "" if value is None else str(value)


def _collect(app: Application, stack: Stack) -> None:
    app.stacks.append(stack)
    for lid in stack.of_type("AWS::SQS::Queue"):
        app.queues.append(_queue(stack, lid))
    for lid in stack.of_type("AWS::S3::Bucket"):
        app.buckets.append(_bucket(stack, lid))
    for lid in stack.of_type(SERVERLESS_FUNCTION):
        try:
            app.functions.append(_function(stack, lid))
        except TemplateError as exc:
            app.warnings.append(str(exc))
    for lid in stack.of_type("AWS::Cognito::UserPool"):
        app.user_pools.append(UserPool(stack, lid, to_string(stack.ref(lid)), resolve(stack.properties(lid), stack)))
    for lid in stack.of_type("AWS::Cognito::UserPoolClient"):
        props = resolve(stack.properties(lid), stack)
        app.user_pool_clients.append(UserPoolClient(stack, lid, to_string(stack.ref(lid)), to_string(props.get("UserPoolId")), props))
    for lid, resource in stack.resources.items():
        # Read every mapping, even those under a false Condition (they need a custom domain).
        if resource.get("Type") == "AWS::ApiGatewayV2::ApiMapping":
            props = resolve(resource.get("Properties") or {}, stack)
            app.mappings.append(ApiMapping(lid, to_string(props.get("ApiMappingKey") or "").strip("/"), to_string(props.get("ApiId"))))
    for lid in stack.of_type(*NESTED_STACK_TYPES):
        child = stack.child(lid)
        if child is not None:
            _collect(app, child)


def _queue(stack: Stack, lid: str) -> Queue:
    props = resolve(stack.properties(lid), stack)
    name = stack.queue_name(lid)
    attributes: dict[str, str] = {}
    for key in (
        "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
        "ReceiveMessageWaitTimeSeconds", "FifoQueue", "ContentBasedDeduplication",
        "DeduplicationScope", "FifoThroughputLimit", "KmsMasterKeyId", "SqsManagedSseEnabled",
    ):
        if key in props:
            attributes[key] = to_string(props[key])
    dead_letter_arn = max_receive = None
    if "RedrivePolicy" in props:
        policy = props["RedrivePolicy"]
        if isinstance(policy, str):
            policy = json.loads(policy)
        dead_letter_arn = to_string(policy.get("deadLetterTargetArn"))
        max_receive = int(policy.get("maxReceiveCount"))
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive})
    return Queue(
        stack=stack,
        logical_id=lid,
        name=name,
        arn=f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{name}",
        url=stack.app.queue_url(name),
        attributes=attributes,
        dead_letter_arn=dead_letter_arn,
        max_receive_count=max_receive,
    )


def _bucket(stack: Stack, lid: str) -> Bucket:
    props = resolve(stack.properties(lid), stack)
    notifications = props.get("NotificationConfiguration") or {}
    queue_notifications = []
    for config in notifications.get("QueueConfigurations") or []:
        rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        queue_notifications.append(
            QueueNotification(
                event=to_string(config["Event"]),
                queue_arn=to_string(config["Queue"]),
                filter_rules=[{"Name": to_string(r["Name"]), "Value": to_string(r["Value"])} for r in rules],
            )
        )
    for other in ("LambdaConfigurations", "TopicConfigurations"):
        if notifications.get(other):
            stack.app.warnings.append(f"{stack.name}/{lid}: {other} are not emulated locally")
    versioning = (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled"
    cors = (props.get("CorsConfiguration") or {}).get("CorsRules") or []
    return Bucket(stack, lid, stack.bucket_name(lid), queue_notifications, cors, versioning)


def _function(stack: Stack, lid: str) -> Function:
    resource = stack.resources[lid]
    raw = stack.globals.merge(SERVERLESS_FUNCTION, copy.deepcopy(resource.get("Properties") or {}), lid, resource.get("IgnoreGlobals"))
    props = resolve(raw, stack)
    where = f"{'/'.join((*stack.path, lid))}"
    if props.get("PackageType") == "Image":
        raise TemplateError(f"{where}: container image functions are not run locally; skipped")
    runtime = to_string(props.get("Runtime", ""))
    if not runtime.startswith("python"):
        raise TemplateError(f"{where}: runtime {runtime!r} is not a Python runtime; skipped")
    code_uri = props.get("CodeUri")
    if not isinstance(code_uri, str):
        raise TemplateError(f"{where}: CodeUri {code_uri!r} is not a local folder; skipped")
    handler = to_string(props.get("Handler", ""))
    if "." not in handler:
        raise TemplateError(f"{where}: Handler {handler!r} is not module.function; skipped")
    variables = (props.get("Environment") or {}).get("Variables") or {}
    layer_dirs = []
    for arn in props.get("Layers") or []:
        folder = stack.app.layers.get(to_string(arn))
        if folder is not None:
            layer_dirs += [d for d in (folder / "python",) if d.is_dir()]
    return Function(
        stack=stack,
        logical_id=lid,
        name=stack.function_name(lid),
        arn=stack.function_arn(lid),
        handler=handler,
        runtime=runtime,
        code_dir=(stack.dir / code_uri).resolve(),
        timeout=int(props.get("Timeout", 3)),
        memory_size=int(props.get("MemorySize", 128)),
        environment={str(k): to_string(v) for k, v in variables.items()},
        layer_dirs=layer_dirs,
        events=props.get("Events") or {},
    )


def _http_api(stack: Stack, lid: str) -> HttpApi:
    raw_props = stack.properties(lid) if lid in stack.resources else {}
    props = resolve(stack.globals.merge(SERVERLESS_HTTP_API, copy.deepcopy(raw_props), lid), stack)
    auth = props.get("Auth") or {}
    authorizers: dict[str, JwtAuthorizerConfig | LambdaAuthorizerConfig] = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        if "JwtConfiguration" in spec:
            jwt_config = spec["JwtConfiguration"]
            audience = jwt_config.get("audience") or []
            authorizers[name] = JwtAuthorizerConfig(
                name=name,
                identity_source=_as_list(spec.get("IdentitySource") or "$request.header.Authorization"),
                issuer=to_string(jwt_config.get("issuer", "")),
                audience=[to_string(a) for a in _as_list(audience)],
                authorization_scopes=[to_string(s) for s in spec.get("AuthorizationScopes") or []],
            )
        elif "FunctionArn" in spec:
            identity = spec.get("Identity") or {}
            sources = [f"$request.header.{h}" for h in identity.get("Headers") or []]
            sources += [f"$request.querystring.{q}" for q in identity.get("QueryStrings") or []]
            sources += [f"$context.{c}" for c in identity.get("Context") or []]
            sources += [f"$stageVariables.{s}" for s in identity.get("StageVariables") or []]
            arn = to_string(spec["FunctionArn"])
            authorizers[name] = LambdaAuthorizerConfig(
                name=name,
                function_arn=arn,
                function=stack.app.function_by_arn(arn),
                payload_format_version=to_string(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
                simple_responses=bool(spec.get("EnableSimpleResponses", False)),
                identity_source=sources,
                result_ttl=int(identity.get("ReauthorizeEvery", 0) or 0),
            )
        else:
            stack.app.warnings.append(f"{stack.name}/{lid}: authorizer {name} is neither JWT nor Lambda; ignored")
    default = auth.get("DefaultAuthorizer")
    cors = props.get("CorsConfiguration")
    if cors is True or (isinstance(cors, str) and cors.lower() == "true"):
        cors = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
    elif not isinstance(cors, dict):
        cors = None
    return HttpApi(stack, lid, stack.api_id(lid), to_string(default) if default else None, authorizers, cors)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _collect_events(app: Application, stack: Stack) -> None:
    apis = {lid: _http_api(stack, lid) for lid in stack.of_type(SERVERLESS_HTTP_API)}
    app.apis.extend(apis.values())
    by_id = {api.api_id: api for api in apis.values()}
    for function in [f for f in app.functions if f.stack is stack]:
        for event_name, event in function.events.items():
            kind = event.get("Type")
            props = event.get("Properties") or {}
            where = f"{function.id} event {event_name}"
            if kind == "HttpApi":
                api_ref = props.get("ApiId")
                if api_ref is None:
                    if IMPLICIT_HTTP_API not in apis:
                        apis[IMPLICIT_HTTP_API] = _http_api(stack, IMPLICIT_HTTP_API)
                        app.apis.append(apis[IMPLICIT_HTTP_API])
                        by_id[apis[IMPLICIT_HTTP_API].api_id] = apis[IMPLICIT_HTTP_API]
                    api = apis[IMPLICIT_HTTP_API]
                else:
                    api = by_id.get(to_string(api_ref))
                if api is None:
                    app.warnings.append(f"{where}: ApiId {api_ref!r} is not an HttpApi of this stack; route skipped")
                    continue
                route = _route(app, api, function, event_name, props)
                if route.path != "/" and route.path.endswith("/"):
                    # SAM keeps the route in the API body but HTTP APIs create no route ending in
                    # "/" (serverless-application-model issue 1949): it is never matched here either.
                    app.warnings.append(f"{where}: path {route.path} ends in '/', which HTTP APIs do not route")
                app.routes.append(route)
            elif kind == "SQS":
                app.sqs_sources.append(
                    SqsSource(
                        function=function,
                        event_name=event_name,
                        queue_arn=to_string(props.get("Queue")),
                        batch_size=int(props.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                        enabled=str(props.get("Enabled", True)).lower() != "false",
                        batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                    )
                )
                if props.get("FilterCriteria"):
                    app.warnings.append(f"{where}: FilterCriteria are not applied locally; every message is delivered")
            elif kind in ("Schedule", "ScheduleV2"):
                expression = props.get("Schedule") if kind == "Schedule" else props.get("ScheduleExpression")
                state = to_string(props.get("State", "ENABLED")).upper()
                enabled = state != "DISABLED" and str(props.get("Enabled", True)).lower() != "false"
                raw_input = props.get("Input")
                app.schedules.append(
                    ScheduleSource(
                        function=function,
                        event_name=event_name,
                        kind=kind,
                        name=to_string(props.get("Name") or f"{function.name}-{event_name}"),
                        expression=to_string(expression),
                        timezone=to_string(props.get("ScheduleExpressionTimezone") or "UTC"),
                        input=None if raw_input is None else to_string(raw_input),
                        enabled=enabled,
                    )
                )
            else:
                app.warnings.append(f"{where}: event type {kind} is not emulated locally")


def _route(app: Application, api: HttpApi, function: Function, event_name: str, props: dict[str, Any]) -> Route:
    path = to_string(props.get("Path", "$default"))
    method = to_string(props.get("Method", "ANY")).upper()
    if method in ("X-AMAZON-APIGATEWAY-ANY-METHOD", "*"):
        method = "ANY"
    auth = props.get("Auth") or {}
    name = to_string(auth.get("Authorizer")) if auth.get("Authorizer") else api.default_authorizer
    authorizer = None
    if name and name != "NONE":
        authorizer = api.authorizers.get(name)
        if authorizer is None:
            app.warnings.append(f"{function.id} event {event_name}: authorizer {name} is not defined on {api.id}; requests are refused")
            authorizer = JwtAuthorizerConfig(name=name, identity_source=["$request.header.Authorization"], issuer="", audience=[])
    scopes = [to_string(s) for s in auth.get("AuthorizationScopes") or []]
    if not scopes and isinstance(authorizer, JwtAuthorizerConfig):
        scopes = list(authorizer.authorization_scopes)
    if isinstance(authorizer, LambdaAuthorizerConfig) and authorizer.function is None:
        authorizer.function = app.function_by_arn(authorizer.function_arn)
    return Route(
        api=api,
        method=method,
        path=path,
        function=function,
        event_name=event_name,
        authorizer=authorizer,
        authorization_scopes=scopes,
        timeout_ms=int(props.get("TimeoutInMillis", 30000)),
    )
