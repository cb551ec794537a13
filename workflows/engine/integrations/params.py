"""State parameters -> a botocore request, the way Step Functions' Java SDK call builds it.

Why not hand the parameters to boto3 as they are: Step Functions matches member names without
regard to case (`RestApiId` reaches API Gateway's `restApiId`), omits JSON nulls from the request
(so the *service* reports a missing required member, e.g. "Value null at 'item' failed to satisfy
constraint"), and serializes a JSON value given for a blob member (an S3 `Body` of `{...}`) as its
JSON text (and a JSON object given for a string member, as sfn's `Input`, as its JSON text).
botocore would instead reject these on the client. Responses come back the Java way: member names
in PascalCase (`pascal_response`).
"""
from __future__ import annotations

from typing import Any

from workflows.engine.integrations.sdk_models import json_text


class ParameterProblem(ValueError):
    """The request the service would reject; the message is the service's validation text."""

    request_id: str | None = None


def shape_parameters(shape: Any, parameters: Any) -> Any:
    """Return the request for `shape`; raise ParameterProblem for required members given as null."""
    problems: list[str] = []
    request = _shape_value(shape, parameters, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ParameterProblem(f"{count} validation {noun} detected: " + "; ".join(problems))
    return request


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _shape_value(shape: Any, value: Any, path: str, problems: list[str]) -> Any:
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = {name.lower(): name for name in shape.members}
        required = set(shape.required_members)
        request: dict[str, Any] = {}
        for given, item in value.items():
            name = members.get(given.lower(), given)
            member_path = f"{path}.{_lower_camel(name)}" if path else _lower_camel(name)
            if item is None:
                if name in required:
                    problems.append(
                        f"Value null at '{member_path}' failed to satisfy constraint: Member must not be null"
                    )
                continue
            request[name] = _shape_value(shape.members.get(name), item, member_path, problems)
        return request
    if kind == "list" and isinstance(value, list):
        return [
            _shape_value(shape.member, item, f"{path}.{index + 1}.member", problems)
            for index, item in enumerate(value)
        ]
    if kind == "map" and isinstance(value, dict):
        return {
            key: _shape_value(shape.value, item, f"{path}.{key}.member", problems)
            for key, item in value.items()
        }
    if kind == "blob" and not isinstance(value, (bytes, bytearray)):
        return json_text(value).encode("utf-8")
    if kind == "string" and isinstance(value, (dict, list)):  # sfn Input {...}: sent as its JSON text
        return json_text(value)
    return value


def pascal_response(shape: Any, value: Any) -> Any:
    """A response as Step Functions hands it to the state: every structure member name in PascalCase
    (the Java SDK's getters: sfn's `executionArn` is `ExecutionArn`); map keys stay as they are."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {name[:1].upper() + name[1:]: pascal_response(shape.members.get(name), item)
                for name, item in value.items()}
    if kind == "list" and isinstance(value, list):
        return [pascal_response(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: pascal_response(shape.value, item) for key, item in value.items()}
    return value
