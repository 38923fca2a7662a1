"""Validated definition -> compiled :class:`Program`, collecting every problem on the way.

The compiler uses what validation compiled: the predicate of each Choice rule, and (through
the memos of the compile functions) every path, intrinsic call and JSONata expression.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._definition.validate import MachineType, check_definition
from .._query.choice import Predicate
from .._query.intrinsics import IntrinsicSyntaxError
from .._query.jsonata import JsonataSyntaxError
from .._query.paths import PathSyntaxError
from .._query.pointers import child
from .._query.templates import TemplateSyntaxError
from ..errors import DefinitionError, Diagnostic
from .base import State
from .choice import ChoiceState
from .dataflow import Selector, compile_payload
from .jsonata_flow import is_jsonata
from .map import MapState
from .parallel import ParallelState
from .pass_ import PassState
from .program import Program, program_peak
from .task import TaskState
from .terminal import FailState, SucceedState
from .wait import WaitState

_SIMPLE: dict[str, Callable[[str, Mapping[str, Any]], State]] = {
    "Pass": PassState,
    "Task": TaskState,
    "Wait": WaitState,
    "Succeed": SucceedState,
    "Fail": FailState,
}


def compile_definition(
    definition: Mapping[str, Any], *, machine_type: MachineType = "STANDARD"
) -> Program:
    """Validate and compile a whole definition.

    Raises:
        DefinitionError: with every problem found.
    """
    report = check_definition(definition, machine_type=machine_type)
    if report.diagnostics:
        raise DefinitionError(report.diagnostics)
    compiler = _Compiler(report.rules, definition.get("QueryLanguage", "JSONPath"))
    program = compiler.program(definition, "")
    if compiler.diagnostics:
        raise DefinitionError(compiler.diagnostics)
    return program


class _Compiler:
    """Compiles the states of one validated definition, branches and item processors too."""

    def __init__(self, rules: Mapping[str, Predicate], language: str) -> None:
        self.rules = rules
        self.language = language
        self.diagnostics: list[Diagnostic] = []

    def program(self, definition: Mapping[str, Any], pointer: str) -> Program:
        states: dict[str, State] = {}
        for name, body in definition["States"].items():
            if "QueryLanguage" not in body and self.language != "JSONPath":
                # States inherit the machine's query language (not an enclosing Map's).
                body = {**body, "QueryLanguage": self.language}
            compiled = self.state(name, body, child(pointer, "States", name))
            if compiled is not None:
                states[name] = compiled
        start_at = definition["StartAt"]
        return Program(start_at=start_at, states=states, peak=program_peak(start_at, states))

    def state(self, name: str, body: Mapping[str, Any], pointer: str) -> State | None:
        kind = body["Type"]
        try:
            if kind == "Choice":
                return self.choice(name, body, pointer)
            if kind == "Parallel":
                branches = [
                    self.program(branch, child(pointer, "Branches", index))
                    for index, branch in enumerate(body["Branches"])
                ]
                return ParallelState(name, body, branches)
            if kind == "Map":
                field = "ItemProcessor" if "ItemProcessor" in body else "Iterator"
                return MapState(name, body, self.program(body[field], child(pointer, field)))
            return _SIMPLE[kind](name, body)
        except (
            PathSyntaxError,
            TemplateSyntaxError,
            IntrinsicSyntaxError,
            JsonataSyntaxError,
        ) as exc:
            self.diagnostics.append(
                Diagnostic("SCHEMA_VALIDATION_FAILED", pointer, f"State '{name}': {exc}")
            )
            return None

    def choice(self, name: str, body: Mapping[str, Any], pointer: str) -> State:
        if is_jsonata(body):
            return ChoiceState(name, body, [])
        rules: list[tuple[Predicate, str, Selector | None]] = [
            (
                self.rules[child(pointer, "Choices", index)],
                rule["Next"],
                compile_payload(rule, "Assign"),
            )
            for index, rule in enumerate(body["Choices"])
        ]
        return ChoiceState(name, body, rules)
