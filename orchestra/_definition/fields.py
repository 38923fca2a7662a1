"""What each state type may hold, and the checks of single values that validation is built from.

The tables say which fields a state type accepts and which belong to one query language only.
The ``Report`` collects diagnostics; its methods check one value each (a type, a range, a path,
a payload template) and word their findings as AWS does where AWS's wording is
known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from orchestra._query.choice import Predicate, compile_rule
from orchestra._query.intrinsics import IntrinsicSyntaxError, compile_intrinsic, is_intrinsic
from orchestra._query.jsonata import is_expression
from orchestra._query.paths import PathSyntaxError, compile_path, compile_reference_path
from orchestra._query.pointers import child
from orchestra.errors import Diagnostic

SCHEMA: Final = "SCHEMA_VALIDATION_FAILED"
JSONPATH: Final = "JSONPath"
JSONATA: Final = "JSONata"
MAX_SECONDS: Final = 99999999

STATE_TYPES: Final = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COMMON: Final = "Type Comment QueryLanguage"
_FLOWING: Final = f"{_COMMON} Next End InputPath OutputPath Assign Output"
_WORKING: Final = f"{_FLOWING} Parameters ResultPath ResultSelector Retry Catch"

STATE_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "Pass": _names(f"{_FLOWING} Parameters ResultPath Result"),
    "Task": _names(
        f"{_WORKING} Resource Arguments Credentials TimeoutSeconds TimeoutSecondsPath"
        " HeartbeatSeconds HeartbeatSecondsPath"
    ),
    "Choice": _names(f"{_COMMON} InputPath OutputPath Assign Output Choices Default"),
    "Wait": _names(f"{_FLOWING} Seconds SecondsPath Timestamp TimestampPath"),
    "Succeed": _names(f"{_COMMON} InputPath OutputPath Output"),
    "Fail": _names(f"{_COMMON} Error ErrorPath Cause CausePath"),
    "Parallel": _names(f"{_WORKING} Branches Arguments"),
    # Arguments on a Map is not in AWS's documentation, but deployed definitions use it.
    "Map": _names(
        f"{_WORKING} ItemProcessor Iterator ItemsPath Items ItemSelector ItemReader ItemBatcher"
        " ResultWriter Label MaxConcurrency MaxConcurrencyPath ToleratedFailureCount"
        " ToleratedFailureCountPath ToleratedFailurePercentage ToleratedFailurePercentagePath"
        " Arguments"
    ),
}

# In the order their diagnostics are emitted.
JSONATA_ONLY: Final = ("Output", "Arguments", "Items")
JSONPATH_ONLY: Final = (
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "ItemsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
)

MACHINE_FIELDS: Final = _names("StartAt States Comment Version TimeoutSeconds")
RETRIER_FIELDS: Final = _names(
    "ErrorEquals IntervalSeconds MaxAttempts BackoffRate MaxDelaySeconds JitterStrategy Comment"
)
CATCHER_FIELDS: Final = _names("ErrorEquals Next ResultPath Comment Assign Output")

# Optimised integrations whose full list of actions is known; other services are not checked.
INTEGRATIONS: Final[Mapping[str, frozenset[str]]] = {
    "lambda": frozenset({"invoke"}),
    "dynamodb": frozenset({"getItem", "putItem", "updateItem", "deleteItem"}),
    "sns": frozenset({"publish"}),
    "sqs": frozenset({"sendMessage"}),
    "events": frozenset({"putEvents"}),
    "states": frozenset({"startExecution"}),
    "http": frozenset({"invoke"}),
    "batch": frozenset({"submitJob"}),
    "glue": frozenset({"startJobRun"}),
    "ecs": frozenset({"runTask"}),
}

_TYPE_NAMES: Final = {
    str: "STRING",
    bool: "BOOLEAN",
    int: "INTEGER",
    float: "NUMBER",
    dict: "OBJECT",
    list: "ARRAY",
}
_LABEL_LIMIT: Final = 40
_LABEL_FORBIDDEN: Final = frozenset('<>{}[]?*"#%\\^|~`$&,;:/')


def only_one(names: tuple[str, ...]) -> str:
    """AWS's words for fields that exclude each other, all of them listed in AWS's order.

    Recorded on AWS for ``ReaderConfig`` (floci-io/floci#3733): "There should only be one of
    the following fields: [MaxItems, MaxItemsPath]"; Choice rules use the same words.
    """
    return f"There should only be one of the following fields: [{', '.join(names)}]"


def is_integer(value: Any) -> bool:
    """Whether ``value`` is a JSON integer (``5`` or ``5.0``, never ``True``)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite JSON number (never ``True``)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def label_problem(label: str) -> str | None:
    """What is wrong with a Map ``Label``, or None."""
    if not label:
        return "Label cannot be empty"
    if len(label) > _LABEL_LIMIT:
        return f"Label cannot exceed {_LABEL_LIMIT} characters"
    for char in label:
        code = ord(char)
        if char in _LABEL_FORBIDDEN or char.isspace() or code < 0x20 or 0x7F <= code <= 0x9F:
            return f"Label contains invalid character: {char!r}"
    return None


@dataclass
class Report:
    """The diagnostics found so far, and the checks that add to them.

    Attributes:
        diagnostics: every problem found, in the order found.
        rules: the predicate compiled for each JSONPath Choice rule, by the rule's pointer, for
            the compiler to use rather than compile the rule again.
    """

    diagnostics: list[Diagnostic] = field(default_factory=list)
    rules: dict[str, Predicate] = field(default_factory=dict)

    def error(self, pointer: str, message: str, code: str = SCHEMA) -> None:
        """Record one problem at ``pointer`` (the root when empty)."""
        self.diagnostics.append(Diagnostic(code, pointer or "/", message))

    def unsupported(self, obj: Mapping[Any, Any], allowed: frozenset[str], pointer: str) -> None:
        """Report every field of ``obj`` outside ``allowed``, at the object itself."""
        for key in obj:
            if key not in allowed:
                self.error(pointer, f"Field '{key}' is not supported")

    def required(self, obj: Mapping[Any, Any], names: tuple[str, ...], pointer: str) -> bool:
        """Report the ``names`` missing from ``obj``; whether all were present."""
        missing = [name for name in names if name not in obj]
        if missing:
            self.error(pointer, f"These fields are required: [{', '.join(missing)}]")
        return not missing

    def typed(self, value: Any, expected: type, pointer: str) -> bool:
        """Whether ``value`` has the JSON type ``expected``; reports it when not."""
        if expected is int:
            ok = is_integer(value)
        elif expected is float:
            ok = is_number(value)
        else:
            ok = isinstance(value, expected) and not (
                expected is not bool and isinstance(value, bool)
            )
        if not ok:
            self.error(pointer, f"Expected value of type [{_TYPE_NAMES[expected]}]")
        return ok

    def items(self, obj: Mapping[str, Any], name: str, pointer: str, item: str) -> list[Any]:
        """The array ``obj[name]`` (present), reported unless it holds at least one ``item``.

        Returns:
            The array; an empty list when the value is not an array.
        """
        value, at = obj[name], child(pointer, name)
        if not self.typed(value, list, at):
            return []
        array: list[Any] = value
        if not array:
            self.error(at, f"The field '{name}' must contain at least one {item}")
        return array

    def one_of(self, value: Any, choices: tuple[str, ...], pointer: str) -> None:
        """Report ``value`` unless it is one of ``choices``."""
        if not self.typed(value, str, pointer):
            return
        if value not in choices:
            self.error(pointer, f"Value should be one of the following: [{', '.join(choices)}]")

    def number(
        self,
        obj: Mapping[str, Any],
        name: str,
        pointer: str,
        *,
        minimum: float,
        maximum: float | None = None,
        integer: bool = True,
        expression: bool = False,
    ) -> float | None:
        """Check the number ``obj[name]`` if present; return it when it is a valid literal."""
        if name not in obj:
            return None
        value, at = obj[name], child(pointer, name)
        if expression and is_expression(value):
            return None
        if not self.typed(value, int if integer else float, at):
            return None
        if value < minimum:
            self.error(at, f"Minimum value is {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.error(at, f"Maximum value is {maximum}")
            return None
        return float(value)

    def exclusive(self, obj: Mapping[str, Any], names: tuple[str, ...], pointer: str) -> None:
        """Report ``obj`` (at ``pointer``) holding more than one of ``names``."""
        if sum(name in obj for name in names) > 1:
            self.error(pointer, only_one(names))

    def path(self, value: Any, name: str, pointer: str, *, nullable: bool = False) -> None:
        """Check a Path (``InputPath``, ``OutputPath``, ...)."""
        if value is None and nullable:
            return
        try:
            compile_path(value)
        except PathSyntaxError:
            self.error(pointer, f"The value for the field '{name}' must be a valid JSONPath")

    def reference_path(
        self,
        value: Any,
        name: str,
        pointer: str,
        *,
        nullable: bool = False,
        input_only: bool = False,
    ) -> None:
        """Check a Reference Path (``ResultPath``, ``...Path`` fields)."""
        if value is None and nullable:
            return
        try:
            path = compile_reference_path(value)
        except PathSyntaxError:
            path = None
        if path is None or (input_only and path.root != "input"):
            self.error(pointer, f"The value for the field '{name}' must be a valid ReferencePath")

    def result_path(self, obj: Mapping[str, Any], pointer: str) -> None:
        """Check the ``ResultPath`` of a state or catcher ``obj`` (at ``pointer``), if present."""
        if "ResultPath" in obj:
            self.reference_path(
                obj["ResultPath"],
                "ResultPath",
                child(pointer, "ResultPath"),
                nullable=True,
                input_only=True,
            )

    def dynamic(self, value: Any) -> bool:
        """Whether ``value`` is a valid path or intrinsic function call (a ``.$`` value)."""
        if not isinstance(value, str):
            return False
        try:
            if is_intrinsic(value):
                compile_intrinsic(value)
            else:
                compile_path(value)
        except (IntrinsicSyntaxError, PathSyntaxError):
            return False
        return True

    def choice_rule(self, rule: Any, pointer: str) -> None:
        """Check one element of a Choice state's ``Choices``, keeping its predicate."""
        predicate = compile_rule(rule, pointer, self.diagnostics, top_level=True)
        if predicate is not None:
            self.rules[pointer] = predicate

    def template(self, value: Any, pointer: str) -> None:
        """Check a JSONPath payload template: every ``.$`` value is a path or intrinsic.

        A field whose name ends in ``.$`` is renamed without the suffix, so it may not sit
        beside a plain field of that name (``"a"`` and ``"a.$"``), at any depth.
        """
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key.endswith(".$"):
                    if not self.dynamic(item):
                        self.error(
                            pointer,
                            f"The value for the field '{key}' must be a valid JSONPath "
                            "or a valid intrinsic function call",
                        )
                    self.renamed_twice(value, key, pointer)
                else:
                    self.template(item, child(pointer, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.template(item, child(pointer, index))

    def renamed_twice(self, obj: Mapping[Any, Any], key: str, pointer: str) -> None:
        """Report the ``.$`` field ``key`` of ``obj`` when a plain field has its new name."""
        # AWS's words, recorded when a tool added "Payload.$" beside an existing "Payload":
        # "Cannot have both the field 'Payload.$' and the field 'Payload' at the same time at
        # /States/Lambda Invoke/Parameters" (DataDog/datadog-ci#1450).
        plain = key[:-2]
        if plain in obj and not plain.endswith(".$"):
            self.error(
                pointer,
                f"Cannot have both the field '{key}' and the field '{plain}' at the same time",
            )
