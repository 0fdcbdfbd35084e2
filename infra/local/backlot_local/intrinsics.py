"""CloudFormation intrinsic functions, resolved against local values.

:func:`resolve` walks a template value and replaces every intrinsic function
(AWS CloudFormation User Guide, "Intrinsic function reference"): ``Ref``, ``Fn::GetAtt``,
``Fn::Sub`` (both forms, ``${!Literal}`` escapes), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``,
``Fn::If`` with ``Fn::Equals``/``Fn::Not``/``Fn::And``/``Fn::Or``/``Condition``, ``Fn::GetAZs``,
``Fn::FindInMap``, ``Fn::Base64``, ``Fn::ImportValue``, ``Fn::Length``, ``Fn::ToJsonString``.
``Ref: AWS::NoValue`` removes the key or list item that holds it.

What a ``Ref`` or ``Fn::GetAtt`` means is up to the :class:`Scope` (a stack, see
:mod:`backlot_local.template`); whatever has no local meaning (layers, the RDS Proxy endpoint,
secrets, IAM roles) becomes a harmless :func:`placeholder` string.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Protocol

NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda self: "AWS::NoValue"})()
"""What ``Ref: AWS::NoValue`` resolves to; containers drop it."""


class Scope(Protocol):
    """What intrinsic functions are resolved against (one stack)."""

    region: str

    def ref(self, name: str) -> Any:
        """Value of ``Ref: name`` (parameter, pseudo parameter or resource)."""

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """Value of ``Fn::GetAtt: [logical_id, attribute]`` (attribute may contain dots)."""

    def condition(self, name: str) -> bool:
        """Value of the named condition of the template's ``Conditions``."""

    def find_in_map(self, map_name: str, top_key: str, second_key: str) -> Any:
        """Value of ``Fn::FindInMap``."""


class IntrinsicError(ValueError):
    """A malformed intrinsic function (wrong argument shape)."""


def placeholder(*parts: Any) -> str:
    """A harmless string standing for a value that only exists on AWS (e.g. ``local-DatabaseProxy-Endpoint``)."""
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    return "local-" + re.sub(r"[^A-Za-z0-9._-]+", "-", text)


def to_string(value: Any) -> str:
    """Render a resolved value the way CloudFormation puts it in a string (bools lower-case, lists comma-joined)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(to_string(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def resolve(value: Any, scope: Scope) -> Any:
    """Return ``value`` with every intrinsic function replaced by its local value.

    Raises:
        IntrinsicError: an intrinsic function has malformed arguments.
    """
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(arg, scope)
        out = {}
        for key, item in value.items():
            resolved = resolve(item, scope)
            if resolved is not NO_VALUE:
                out[str(key)] = resolved
        return out
    if isinstance(value, list):
        return [r for r in (resolve(item, scope) for item in value) if r is not NO_VALUE]
    return value


def evaluate_condition(value: Any, scope: Scope) -> bool:
    """Evaluate a condition expression (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``)."""
    if isinstance(value, dict) and len(value) == 1 and "Condition" in value:
        return scope.condition(str(value["Condition"]))
    result = resolve(value, scope)
    if isinstance(result, bool):
        return result
    if isinstance(result, str) and result.lower() in ("true", "false"):
        return result.lower() == "true"
    raise IntrinsicError(f"condition does not evaluate to a boolean: {value!r}")


def _ref(arg: Any, scope: Scope) -> Any:
    name = resolve(arg, scope)
    if not isinstance(name, str):
        raise IntrinsicError(f"Ref takes a name, got {arg!r}")
    if name == "AWS::NoValue":
        return NO_VALUE
    return scope.ref(name)


def _get_att(arg: Any, scope: Scope) -> Any:
    if isinstance(arg, str):
        logical_id, _, attribute = arg.partition(".")
    elif isinstance(arg, list) and len(arg) == 2:
        logical_id, attribute = str(arg[0]), to_string(resolve(arg[1], scope))
    else:
        raise IntrinsicError(f"Fn::GetAtt takes [LogicalId, Attribute], got {arg!r}")
    if not attribute:
        raise IntrinsicError(f"Fn::GetAtt without an attribute: {arg!r}")
    return scope.get_att(logical_id, attribute)


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _sub(arg: Any, scope: Scope) -> str:
    if isinstance(arg, str):
        template, variables = arg, {}
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
        template, variables = arg[0], resolve(arg[1], scope)
    else:
        raise IntrinsicError(f"Fn::Sub takes a string or [string, {{variables}}], got {arg!r}")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return to_string(variables[name])
        if "." in name and not name.startswith("AWS::"):
            logical_id, _, attribute = name.partition(".")
            return to_string(scope.get_att(logical_id, attribute))
        return to_string(scope.ref(name))

    return _SUB_VARIABLE.sub(substitute, template)


def _join(arg: Any, scope: Scope) -> str:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise IntrinsicError(f"Fn::Join takes [delimiter, [values]], got {arg!r}")
    delimiter, values = arg[0], resolve(arg[1], scope)
    if not isinstance(values, list):
        values = [values]
    return str(delimiter).join(to_string(v) for v in values)


def _select(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise IntrinsicError(f"Fn::Select takes [index, [values]], got {arg!r}")
    index, values = int(resolve(arg[0], scope)), resolve(arg[1], scope)
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, list) or not 0 <= index < len(values):
        raise IntrinsicError(f"Fn::Select index {index} out of range for {values!r}")
    return values[index]


def _split(arg: Any, scope: Scope) -> list[str]:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise IntrinsicError(f"Fn::Split takes [delimiter, string], got {arg!r}")
    return to_string(resolve(arg[1], scope)).split(str(arg[0]))


def _if(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3):
        raise IntrinsicError(f"Fn::If takes [condition, then, else], got {arg!r}")
    chosen = arg[1] if scope.condition(str(arg[0])) else arg[2]
    return resolve(chosen, scope)


def _equals(arg: Any, scope: Scope) -> bool:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise IntrinsicError(f"Fn::Equals takes two values, got {arg!r}")
    return to_string(resolve(arg[0], scope)) == to_string(resolve(arg[1], scope))


def _not(arg: Any, scope: Scope) -> bool:
    if not (isinstance(arg, list) and len(arg) == 1):
        raise IntrinsicError(f"Fn::Not takes one condition, got {arg!r}")
    return not evaluate_condition(arg[0], scope)


def _and(arg: Any, scope: Scope) -> bool:
    return all(evaluate_condition(item, scope) for item in arg)


def _or(arg: Any, scope: Scope) -> bool:
    return any(evaluate_condition(item, scope) for item in arg)


def _get_azs(arg: Any, scope: Scope) -> list[str]:
    region = to_string(resolve(arg, scope)) or scope.region
    return [f"{region}{zone}" for zone in "abcdef"]


def _find_in_map(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) >= 3):
        raise IntrinsicError(f"Fn::FindInMap takes [map, top key, second key], got {arg!r}")
    names = [to_string(resolve(part, scope)) for part in arg[:3]]
    return scope.find_in_map(*names)


def _base64(arg: Any, scope: Scope) -> str:
    return base64.b64encode(to_string(resolve(arg, scope)).encode()).decode()


def _import_value(arg: Any, scope: Scope) -> str:
    return placeholder("ImportValue", to_string(resolve(arg, scope)))


def _length(arg: Any, scope: Scope) -> int:
    value = resolve(arg, scope)
    return len(value) if isinstance(value, list) else 1


def _to_json_string(arg: Any, scope: Scope) -> str:
    return json.dumps(resolve(arg, scope), separators=(",", ":"))


def _cidr(arg: Any, scope: Scope) -> list[str]:
    count = int(resolve(arg[1], scope)) if isinstance(arg, list) and len(arg) > 1 else 1
    return [placeholder("Cidr", str(i)) for i in range(count)]


_FUNCTIONS = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Fn::GetAZs": _get_azs,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::ImportValue": _import_value,
    "Fn::Length": _length,
    "Fn::ToJsonString": _to_json_string,
    "Fn::Cidr": _cidr,
}
