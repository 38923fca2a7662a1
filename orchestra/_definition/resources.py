"""Resource strings: how a Task state's ``Resource`` is served and named in its history.

Parsed once, when a machine is compiled; a Resource string is only ever read as text, never
imported or called.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

LAMBDA_ARN: Final = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"function:(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[$A-Za-z0-9_-]+))?"
)
PARTIAL_LAMBDA: Final = re.compile(
    r"(?:(?P<account>\d{12}):function:)?(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[$A-Za-z0-9_-]+))?"
)
LAMBDA_INVOKE: Final = re.compile(
    r"arn:aws[a-zA-Z-]*:states:::lambda:invoke(?:\.waitForTaskToken)?"
)


BindingKind = Literal["lambda", "lambda_invoke", "activity", "service", "other"]


@dataclass(frozen=True, slots=True)
class Target:
    """How one Resource string is served and recorded in history."""

    kind: BindingKind
    resource: str
    resource_type: str
    resource_name: str
    wait_for_token: bool


def target_of(resource: str) -> Target:
    """Classify a Resource string (done once per state, when the machine is compiled)."""
    if LAMBDA_ARN.fullmatch(resource):
        return Target("lambda", resource, "lambda", resource, False)
    if resource.startswith("arn:") and ":states:::" in resource:
        service = resource.split(":states:::", 1)[1]
        kind, _, action = service.partition(":")
        wait = action.endswith(".waitForTaskToken")
        binding: BindingKind = "lambda_invoke" if LAMBDA_INVOKE.fullmatch(resource) else "service"
        return Target(binding, resource, kind, action, wait)
    if ":activity:" in resource:
        return Target("activity", resource, "activity", resource, False)
    return Target("other", resource, "orchestra", resource, False)


def lambda_function_arn(function_name: str, region: str, account: str) -> str:
    """The full ARN AWS reports for a ``FunctionName`` (name, partial or full ARN)."""
    if LAMBDA_ARN.fullmatch(function_name):
        return function_name
    match = PARTIAL_LAMBDA.fullmatch(function_name)
    if match is None:
        return function_name
    account = match.group("account") or account
    arn = f"arn:aws:lambda:{region}:{account}:function:{match.group('name')}"
    qualifier = match.group("qualifier")
    return f"{arn}:{qualifier}" if qualifier else arn
