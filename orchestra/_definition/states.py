"""The checks particular to each state type: Task, Wait, Fail, Choice, Parallel and Map.

Each ``check_*`` function receives the walk in progress (for its report, the machine type, and
to descend into branches and item processors), the state, its pointer, its query language and
the list its transitions are appended to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, Protocol

from orchestra._query.jsonata import is_expression
from orchestra._query.pointers import child
from orchestra._query.timestamps import parse_timestamp

from .fields import (
    INTEGRATIONS,
    JSONATA,
    JSONPATH,
    MAX_SECONDS,
    Report,
    label_problem,
)

Edges = list[tuple[str, str]]
Kind = Literal["root", "branch", "processor"]

_WAIT_FIELDS: Final = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")
_ACTIVITY: Final = re.compile(r"arn:[^:]+:states:[^:]*:[^:]*:activity:.+")
_SYNC: Final = re.compile(r".*\.sync(?::[0-9]+)?")
# The shape every ARN has: arn:partition:service:region:account:resource.
_ARN: Final = re.compile(r"arn:([^:\s]+):([^:\s]+):([^:\s]*):([^:\s]*):(\S+)")
# A Lambda function, optionally qualified by $LATEST, a version or an alias (Lambda's grammar).
_FUNCTION: Final = re.compile(r"function:[A-Za-z0-9_-]+(?::(?:\$LATEST|[A-Za-z0-9_-]+))?")
# An integration after "arn:<partition>:states:::": service:action or aws-sdk:service:action,
# then the integration pattern.
_INTEGRATION: Final = re.compile(
    r"(aws-sdk:)?([A-Za-z0-9-]+):([A-Za-z0-9]+)(\.sync|\.sync:2|\.waitForTaskToken)?"
)
# Services whose integrations offer no "Run a Job" (.sync) or no callback (.waitForTaskToken)
# pattern, from the table of optimised integrations in AWS's documentation.
_NO_SYNC: Final = frozenset(
    ("lambda", "sns", "sqs", "dynamodb", "events", "apigateway", "aws-sdk", "bedrock-agentcore")
)
_NO_CALLBACK: Final = frozenset(
    (
        "athena",
        "batch",
        "codebuild",
        "elasticmapreduce",
        "emr-containers",
        "emr-serverless",
        "glue",
        "databrew",
        "mediaconvert",
        "sagemaker",
        "dynamodb",
        "bedrock-agentcore",
    )
)
_NOT_AN_ARN: Final = "Value is not a valid resource ARN"
# AWS's documented limits: 256 KiB per batch, 100,000,000 items read.
_BATCH_BYTES: Final = 262144
_READER_MAX_ITEMS: Final = 100_000_000
_READER_TEXT_FIELDS: Final = (
    "InputType",
    "CSVHeaderLocation",
    "CSVDelimiter",
    "ManifestType",
    "Transformation",
)


class Walk(Protocol):
    """What a state check needs from the walk over the whole machine."""

    report: Report
    express: bool

    def machine(self, machine: Mapping[str, Any], pointer: str, kind: Kind) -> None:
        """Check a branch or item processor as a machine with its own scope."""

    def assign(self, value: Any, language: str, pointer: str) -> None:
        """Check an ``Assign`` object."""


def check_task(
    walk: Walk, state: Mapping[str, Any], pointer: str, language: str, edges: Edges
) -> None:
    report = walk.report
    if report.required(state, ("Resource",), pointer):
        at = child(pointer, "Resource")
        if report.typed(state["Resource"], str, at):
            _resource(walk, state["Resource"], at)
    expression = language == JSONATA
    timeout = report.number(
        state, "TimeoutSeconds", pointer, minimum=1, maximum=MAX_SECONDS, expression=expression
    )
    heartbeat = report.number(
        state,
        "HeartbeatSeconds",
        pointer,
        minimum=1,
        maximum=MAX_SECONDS,
        expression=expression,
    )
    for name in ("TimeoutSeconds", "HeartbeatSeconds"):
        report.exclusive(state, (name, f"{name}Path"), pointer)
        if f"{name}Path" in state and language == JSONPATH:
            report.reference_path(
                state[f"{name}Path"], f"{name}Path", child(pointer, f"{name}Path")
            )
    if timeout is not None and heartbeat is not None and heartbeat >= timeout:
        report.error(
            child(pointer, "HeartbeatSeconds"),
            "HeartbeatSeconds must be smaller than TimeoutSeconds",
        )
    if "Credentials" in state:
        _credentials(walk, state["Credentials"], child(pointer, "Credentials"), language)
    if "Arguments" in state and language == JSONATA:
        value = state["Arguments"]
        if not (isinstance(value, dict) or is_expression(value)):
            report.error(child(pointer, "Arguments"), "Expected value of type [OBJECT]")


def _resource(walk: Walk, resource: str, pointer: str) -> None:
    report = walk.report
    if walk.express:
        if _ACTIVITY.fullmatch(resource):
            report.error(pointer, "Express state machine does not support Activity ARN")
        elif _SYNC.fullmatch(resource):
            report.error(
                pointer, "Express state machine does not support '.sync' service integration"
            )
        elif resource.endswith(".waitForTaskToken"):
            # AWS's message ends with a space.
            report.error(
                pointer,
                "Express state machine does not support '.waitForTaskToken' service integration ",
            )
    problem = _resource_problem(resource)
    if problem is not None:
        report.error(pointer, problem)


def _resource_problem(resource: str) -> str | None:
    """What AWS says of a Task ``Resource``, or None when it takes it.

    A Resource that still holds a ``${Name}`` placeholder, or starts like an ARN without being
    one, is "not a valid resource ARN": AWS's words for a Resource left as
    "${ResolveConfigLambdaArn}" after a substitution key was misspelt. A Lambda ARN that names
    no well-formed function (a qualifier that is empty or has characters outside Lambda's
    alias grammar), or an optimised integration whose action or pattern does not exist, is
    "not recognized", as recorded for "arn:aws:states:::dynamodb:query". Other services' ARNs,
    activities and aws-sdk actions are not checked further: their lists are open.

    A plain name that is no ARN at all (``"check-stock"``) is refused by AWS with the same
    "not a valid resource ARN", but the engine serves such a Resource with the task bound to
    that string, so it is accepted here.
    """
    if not resource or "${" in resource:
        return _NOT_AN_ARN
    if not resource.startswith("arn:"):
        return None
    arn = _ARN.fullmatch(resource)
    if arn is None:
        return _NOT_AN_ARN
    unrecognized = (
        f"The resource provided {resource} is not recognized. The value is not a "
        "valid resource ARN, or the resource is not available in this region."
    )
    _, service, region, account, rest = arn.groups()
    if service == "lambda":
        return None if _FUNCTION.fullmatch(rest) else unrecognized
    if service != "states" or region or account:
        return None
    integration = _INTEGRATION.fullmatch(rest)
    if integration is None:
        return unrecognized
    sdk, name, action, pattern = integration.groups()
    kind = "aws-sdk" if sdk else name
    if pattern == ".sync:2" and kind != "states":
        return unrecognized
    if (pattern or "").startswith(".sync") and kind in _NO_SYNC:
        return unrecognized
    if pattern == ".waitForTaskToken" and kind in _NO_CALLBACK:
        return unrecognized
    if kind in INTEGRATIONS and action not in INTEGRATIONS[kind]:
        return unrecognized
    return None


def _credentials(walk: Walk, value: Any, pointer: str, language: str) -> None:
    report = walk.report
    if not report.typed(value, dict, pointer):
        return
    if "RoleArn.$" in value and language == JSONPATH:
        report.renamed_twice(value, "RoleArn.$", pointer)
    if "RoleArn" in value:
        report.typed(value["RoleArn"], str, child(pointer, "RoleArn"))
    elif "RoleArn.$" in value and language == JSONPATH:
        if not report.dynamic(value["RoleArn.$"]):
            report.error(
                pointer,
                "The value for the field 'RoleArn.$' must be a valid JSONPath "
                "or a valid intrinsic function call",
            )
    else:
        report.error(pointer, "The field 'RoleArn' is required but was missing")


def check_wait(
    walk: Walk, state: Mapping[str, Any], pointer: str, language: str, edges: Edges
) -> None:
    report = walk.report
    present = [name for name in _WAIT_FIELDS if name in state]
    if not present:
        report.error(
            pointer,
            "Exactly one of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]",
        )
    # AWS lists the four in its own order (as reported by a linter checked against AWS).
    report.exclusive(state, ("SecondsPath", "Seconds", "TimestampPath", "Timestamp"), pointer)
    expression = language == JSONATA
    report.number(state, "Seconds", pointer, minimum=0, maximum=MAX_SECONDS, expression=expression)
    if "Timestamp" in state:
        value, at = state["Timestamp"], child(pointer, "Timestamp")
        literal = not (expression and is_expression(value))
        if (
            literal
            and report.typed(value, str, at)
            and parse_timestamp(value, rfc3339=True) is None
        ):
            report.error(at, "String does not match RFC3339 timestamp")
    if language == JSONPATH:
        for name in ("SecondsPath", "TimestampPath"):
            if name in state:
                report.reference_path(state[name], name, child(pointer, name))


def check_fail(
    walk: Walk, state: Mapping[str, Any], pointer: str, language: str, edges: Edges
) -> None:
    report = walk.report
    for name in ("Error", "Cause"):
        report.exclusive(state, (name, f"{name}Path"), pointer)
        if name in state:
            report.typed(state[name], str, child(pointer, name))
        path = f"{name}Path"
        if path in state and language == JSONPATH and not report.dynamic(state[path]):
            report.error(
                child(pointer, f"{name}Path"),
                f"The value for the field '{name}Path' must be a valid JSONPath "
                "or a valid intrinsic function call",
            )


def check_choice(
    walk: Walk, state: Mapping[str, Any], pointer: str, language: str, edges: Edges
) -> None:
    report = walk.report
    if "Default" in state and report.typed(state["Default"], str, child(pointer, "Default")):
        edges.append((state["Default"], child(pointer, "Default")))
    if not report.required(state, ("Choices",), pointer):
        return
    for index, rule in enumerate(report.items(state, "Choices", pointer, "rule")):
        _choice_rule(walk, rule, child(pointer, "Choices", index), language, edges)


def _choice_rule(walk: Walk, rule: Any, pointer: str, language: str, edges: Edges) -> None:
    report = walk.report
    if isinstance(rule, dict):
        foreign, other = ("Variable", JSONPATH) if language == JSONATA else ("Condition", JSONATA)
        if foreign in rule:
            report.error(
                pointer,
                f"The QueryLanguage is set to '{language}', but field '{foreign}' is only "
                f"supported for the '{other}' QueryLanguage",
            )
        if isinstance(rule.get("Next"), str):
            edges.append((rule["Next"], child(pointer, "Next")))
        if "Assign" in rule:
            walk.assign(rule["Assign"], language, child(pointer, "Assign"))
    report.choice_rule(rule, pointer)


def check_parallel(
    walk: Walk, state: Mapping[str, Any], pointer: str, language: str, edges: Edges
) -> None:
    report = walk.report
    if not report.required(state, ("Branches",), pointer):
        return
    for index, branch in enumerate(report.items(state, "Branches", pointer, "branch")):
        at = child(pointer, "Branches", index)
        if report.typed(branch, dict, at):
            walk.machine(branch, at, "branch")


def check_map(
    walk: Walk, state: Mapping[str, Any], pointer: str, language: str, edges: Edges
) -> None:
    report = walk.report
    processors = [name for name in ("ItemProcessor", "Iterator") if name in state]
    if not processors:
        report.required(state, ("ItemProcessor",), pointer)
    report.exclusive(state, ("ItemProcessor", "Iterator"), pointer)
    for name in processors:
        processor, at = state[name], child(pointer, name)
        if report.typed(processor, dict, at):
            if "ProcessorConfig" in processor:
                _processor_config(walk, processor["ProcessorConfig"], child(at, "ProcessorConfig"))
            walk.machine(processor, at, "processor")
    expression = language == JSONATA
    report.exclusive(state, ("ItemSelector", "Parameters"), pointer)
    if "ItemSelector" in state and language == JSONPATH:
        report.template(state["ItemSelector"], child(pointer, "ItemSelector"))
    if "ItemsPath" in state and language == JSONPATH:
        report.reference_path(state["ItemsPath"], "ItemsPath", child(pointer, "ItemsPath"))
    # A float bound reads "0.0" and "100.0", as AWS words the percentage's range.
    limits = (
        ("MaxConcurrency", 0, None, True),
        ("ToleratedFailureCount", 0, None, True),
        ("ToleratedFailurePercentage", 0.0, 100.0, False),
    )
    for name, minimum, maximum, integer in limits:
        report.number(
            state,
            name,
            pointer,
            minimum=minimum,
            maximum=maximum,
            integer=integer,
            expression=expression,
        )
        report.exclusive(state, (name, f"{name}Path"), pointer)
        if language == JSONPATH:
            _count_path(walk, state, name, pointer, language)
    if "Label" in state and report.typed(state["Label"], str, child(pointer, "Label")):
        problem = label_problem(state["Label"])
        if problem is not None:
            report.error(child(pointer, "Label"), problem)
    for name in ("ItemReader", "ResultWriter", "ItemBatcher"):
        if name in state:
            _map_part(walk, name, state[name], child(pointer, name), language)


def _processor_config(walk: Walk, config: Any, pointer: str) -> None:
    report = walk.report
    if not report.typed(config, dict, pointer):
        return
    report.unsupported(config, frozenset(("Mode", "ExecutionType")), pointer)
    if "Mode" in config:
        report.one_of(config["Mode"], ("INLINE", "DISTRIBUTED"), child(pointer, "Mode"))
    if "ExecutionType" in config:
        report.one_of(
            config["ExecutionType"], ("STANDARD", "EXPRESS"), child(pointer, "ExecutionType")
        )


def _map_part(walk: Walk, name: str, part: Any, pointer: str, language: str) -> None:
    report = walk.report
    if not report.typed(part, dict, pointer):
        return
    if name == "ItemBatcher":
        batcher = ("MaxItemsPerBatch", "MaxInputBytesPerBatch")
        report.unsupported(
            part, frozenset((*batcher, *(f"{n}Path" for n in batcher), "BatchInput")), pointer
        )
        for field, maximum in zip(batcher, (None, _BATCH_BYTES), strict=True):
            report.number(
                part, field, pointer, minimum=1, maximum=maximum, expression=language == JSONATA
            )
            report.exclusive(part, (field, f"{field}Path"), pointer)
            _count_path(walk, part, field, pointer, language)
        if "BatchInput" in part and language == JSONPATH:
            report.template(part["BatchInput"], child(pointer, "BatchInput"))
        return
    extra = "ReaderConfig" if name == "ItemReader" else "WriterConfig"
    report.unsupported(part, frozenset(("Resource", "Parameters", "Arguments", extra)), pointer)
    if name == "ItemReader":
        report.required(part, ("Resource",), pointer)
    if "Resource" in part and report.typed(part["Resource"], str, child(pointer, "Resource")):
        problem = _resource_problem(part["Resource"])
        if problem is not None:
            report.error(child(pointer, "Resource"), problem)
    if name == "ItemReader" and "ReaderConfig" in part:
        _reader_config(walk, part["ReaderConfig"], child(pointer, "ReaderConfig"), language)
    foreign, other = ("Arguments", JSONATA) if language == JSONPATH else ("Parameters", JSONPATH)
    if foreign in part:
        report.error(
            child(pointer, foreign),
            f"The QueryLanguage is set to '{language}', but field '{foreign}' "
            f"is only supported for the '{other}' QueryLanguage",
        )
    if "Parameters" in part and language == JSONPATH:
        report.template(part["Parameters"], child(pointer, "Parameters"))


def _reader_config(walk: Walk, config: Any, pointer: str, language: str) -> None:
    """Types and ranges of an ItemReader's ``ReaderConfig`` (other fields are left open)."""
    report = walk.report
    if not report.typed(config, dict, pointer):
        return
    for name in _READER_TEXT_FIELDS:
        if name in config and not (language == JSONATA and is_expression(config[name])):
            report.typed(config[name], str, child(pointer, name))
    if "CSVHeaders" in config:
        headers, at = config["CSVHeaders"], child(pointer, "CSVHeaders")
        if report.typed(headers, list, at):
            for index, header in enumerate(headers):
                report.typed(header, str, child(at, index))
    report.number(
        config,
        "MaxItems",
        pointer,
        minimum=0,
        maximum=_READER_MAX_ITEMS,
        expression=language == JSONATA,
    )
    report.exclusive(config, ("MaxItems", "MaxItemsPath"), pointer)
    _count_path(walk, config, "MaxItems", pointer, language)


def _count_path(walk: Walk, obj: Mapping[str, Any], name: str, pointer: str, language: str) -> None:
    """Check the ``...Path`` twin of a Map's number field ``name``, nested or not.

    It is a JSONPath-only Reference Path into the state's input (or a variable): AWS refuses
    the Context Object there with "Value is not a Reference Path", and refuses the field in
    a JSONata state (floci-io/floci#3733, checked on AWS).
    """
    path = f"{name}Path"
    if path not in obj:
        return
    at, value = child(pointer, path), obj[path]
    if language == JSONATA:
        walk.report.error(
            at,
            f"The QueryLanguage is set to 'JSONata', but field '{path}' is only supported "
            "for the 'JSONPath' QueryLanguage",
        )
    elif isinstance(value, str) and value.startswith("$$"):
        walk.report.error(at, "Value is not a Reference Path")
    else:
        walk.report.reference_path(value, path, at)


Check = Callable[[Walk, Mapping[str, Any], str, str, Edges], None]

CHECKS: Final[Mapping[str, Check]] = {
    "Task": check_task,
    "Wait": check_wait,
    "Fail": check_fail,
    "Choice": check_choice,
    "Parallel": check_parallel,
    "Map": check_map,
}
