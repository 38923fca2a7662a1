"""Validated definition -> compiled :class:`Program`, collecting every problem on the way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._definition.validate import MachineType, validate_definition
from .._query.choice import Predicate, compile_rule
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
    diagnostics = list(validate_definition(definition, machine_type=machine_type))
    if diagnostics:
        raise DefinitionError(diagnostics)
    language = definition.get("QueryLanguage", "JSONPath")
    program = _compile_program(definition, "", diagnostics, language)
    if diagnostics:
        raise DefinitionError(diagnostics)
    return program


def _compile_program(
    definition: Mapping[str, Any], pointer: str, diagnostics: list[Diagnostic], language: str
) -> Program:
    states: dict[str, State] = {}
    for name, body in definition["States"].items():
        state_pointer = child(pointer, "States", name)
        if "QueryLanguage" not in body and language != "JSONPath":
            # States inherit the machine's query language (not an enclosing Map's).
            body = {**body, "QueryLanguage": language}
        compiled = _compile_state(name, body, state_pointer, diagnostics, language)
        if compiled is not None:
            states[name] = compiled
    start_at = definition["StartAt"]
    return Program(start_at=start_at, states=states, peak=program_peak(start_at, states))


def _compile_state(
    name: str,
    body: Mapping[str, Any],
    pointer: str,
    diagnostics: list[Diagnostic],
    language: str,
) -> State | None:
    kind = body["Type"]
    try:
        if kind == "Choice":
            if is_jsonata(body):
                return ChoiceState(name, body, [])
            return _compile_choice(name, body, pointer, diagnostics)
        if kind == "Parallel":
            branches = [
                _compile_program(branch, f"{pointer}/Branches/{index}", diagnostics, language)
                for index, branch in enumerate(body["Branches"])
            ]
            return ParallelState(name, body, branches)
        if kind == "Map":
            field = "ItemProcessor" if "ItemProcessor" in body else "Iterator"
            processor = _compile_program(body[field], f"{pointer}/{field}", diagnostics, language)
            return MapState(name, body, processor)
        factory = _SIMPLE.get(kind)
        if factory is None:
            diagnostics.append(
                Diagnostic(
                    "UNSUPPORTED_STATE_TYPE",
                    f"{pointer}/Type",
                    f"State '{name}': the {kind} state type is not supported yet",
                )
            )
            return None
        return factory(name, body)
    except (PathSyntaxError, TemplateSyntaxError, IntrinsicSyntaxError, JsonataSyntaxError) as exc:
        diagnostics.append(
            Diagnostic("SCHEMA_VALIDATION_FAILED", pointer, f"State '{name}': {exc}")
        )
        return None


def _compile_choice(
    name: str, body: Mapping[str, Any], pointer: str, diagnostics: list[Diagnostic]
) -> State | None:
    rules: list[tuple[Predicate, str, Selector | None]] = []
    before = len(diagnostics)
    for index, rule in enumerate(body.get("Choices", ())):
        predicate = compile_rule(rule, f"{pointer}/Choices/{index}", diagnostics)
        if predicate is not None:
            rules.append((predicate, rule["Next"], compile_payload(rule, "Assign")))
    if len(diagnostics) != before:
        return None
    return ChoiceState(name, body, rules)
