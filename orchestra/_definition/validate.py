"""Validate a definition and report every problem at once, as ``ValidateStateMachineDefinition`` does.

The walk visits the machine, each state, and each branch or item processor as a machine of its
own with its own scope of state names. Diagnostics carry AWS's codes
(``SCHEMA_VALIDATION_FAILED``, ``MISSING_TRANSITION_TARGET``, ``MISSING_END_STATE``, ...), RFC
6901 pointers, and AWS's wording wherever it is known.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal

from orchestra._query.pointers import child
from orchestra.errors import Diagnostic

from .fields import (
    CATCHER_FIELDS,
    JSONATA,
    JSONATA_ONLY,
    JSONPATH,
    JSONPATH_ONLY,
    MACHINE_FIELDS,
    MAX_SECONDS,
    RETRIER_FIELDS,
    STATE_FIELDS,
    STATE_TYPES,
    Report,
    only_one,
)
from .states import CHECKS, Edges, Kind

MachineType = Literal["STANDARD", "EXPRESS"]

_TRANSITION: Final = "MISSING_TRANSITION_TARGET"
_ALL: Final = "States.ALL"
_MAX_DELAY_SECONDS: Final = 31622400
_NAME_LIMIT: Final = 80


def validate_definition(
    definition: Mapping[str, Any], *, machine_type: MachineType = "STANDARD"
) -> list[Diagnostic]:
    """Find every problem in a state machine definition.

    Args:
        definition: the definition, as :func:`load_definition` returns it.
        machine_type: ``"EXPRESS"`` also rejects what Express workflows cannot run (activities,
            ``.sync`` and ``.waitForTaskToken`` integrations).

    Returns:
        The problems found, in definition order; an empty list when the definition is valid.
    """
    return check_definition(definition, machine_type=machine_type).diagnostics


def check_definition(
    definition: Mapping[str, Any], *, machine_type: MachineType = "STANDARD"
) -> Report:
    """Validate a definition as :func:`validate_definition` does, keeping the whole report.

    Returns:
        The report: its diagnostics, and what was compiled on the way (Choice rules).
    """
    report = Report()
    if not isinstance(definition, Mapping):
        report.error("", "Definition must be a valid JSON object")
        return report
    _Walk(report, _machine_language(report, definition), machine_type).machine(
        definition, "", "root"
    )
    return report


def _machine_language(report: Report, definition: Mapping[str, Any]) -> str:
    if "QueryLanguage" not in definition:
        return JSONPATH
    value = definition["QueryLanguage"]
    report.one_of(value, (JSONPATH, JSONATA), "/QueryLanguage")
    # AWS treats anything but the exact string JSONPath as JSONata.
    return JSONPATH if value == JSONPATH else JSONATA


class _Walk:
    def __init__(self, report: Report, language: str, machine_type: str) -> None:
        self.report = report
        self.language = language
        self.express = machine_type == "EXPRESS"
        self.names: set[str] = set()

    # --- machines and scopes ------------------------------------------------------------------

    def machine(self, machine: Mapping[str, Any], pointer: str, kind: Kind) -> None:
        report = self.report
        allowed = MACHINE_FIELDS
        if kind == "root":
            allowed = allowed | {"QueryLanguage"}
        elif kind == "processor":
            allowed = allowed | {"ProcessorConfig"}
        if kind != "root":
            allowed = allowed - {"Version", "TimeoutSeconds"}
        report.unsupported(machine, allowed, pointer)
        report.required(machine, ("States", "StartAt"), pointer)
        if "Comment" in machine:
            report.typed(machine["Comment"], str, child(pointer, "Comment"))
        if kind == "root":
            if "Version" in machine:
                report.typed(machine["Version"], str, "/Version")
            report.number(machine, "TimeoutSeconds", pointer, minimum=1)
        states: Mapping[Any, Any] = {}
        has_states = "States" in machine and report.typed(
            machine["States"], dict, child(pointer, "States")
        )
        if has_states:
            states = machine["States"]
            if not states:
                report.error(child(pointer, "States"), "The field 'States' must not be empty")
        start = machine.get("StartAt")
        if "StartAt" in machine and not report.typed(start, str, child(pointer, "StartAt")):
            start = None
        if not has_states:
            # Without states every target would be missing; AWS reports the States field alone.
            start = None
        edges: Edges = []
        if isinstance(start, str):
            edges.append((start, child(pointer, "StartAt")))
        graph: dict[str, list[str]] = {}
        terminal = False
        for key, state in states.items():
            name = str(key)
            state_edges, is_terminal = self.state(name, state, child(pointer, "States", name))
            edges.extend(state_edges)
            graph[name] = [target for target, _ in state_edges]
            terminal = terminal or is_terminal
        for target, at in edges:
            if target not in graph:
                report.error(at, f"Missing 'Next' target: {target}", _TRANSITION)
        if kind == "root" and states and not terminal:
            # AWS reports a machine without a terminal state instead of its unreachable states.
            report.diagnostics.append(
                Diagnostic("MISSING_END_STATE", "", "Workflow has no terminal state")
            )
        elif start is not None:
            self.unreachable(graph, start, pointer)

    def unreachable(self, graph: Mapping[str, list[str]], start: str, pointer: str) -> None:
        reached: set[str] = set()
        pending = [start]
        while pending:
            name = pending.pop()
            if name in reached or name not in graph:
                continue
            reached.add(name)
            pending.extend(graph[name])
        for name in graph:
            if name not in reached:
                self.report.error(
                    child(pointer, "States", name), f'State "{name}" is not reachable.', _TRANSITION
                )

    # --- states ------------------------------------------------------------------------------

    def state(self, name: str, state: Any, pointer: str) -> tuple[Edges, bool]:
        """Check one state; return its transitions and whether it ends the machine."""
        report = self.report
        if not report.typed(state, dict, pointer):
            return [], False
        if len(name) > _NAME_LIMIT:
            report.error(
                pointer,
                f"State names must be at most {_NAME_LIMIT} characters long",
                "INVALID_STATE_NAME",
            )
        if name in self.names:
            # Names are unique across the whole machine, branches and item processors included.
            report.error(pointer, f"Duplicate State name: {name}", "DUPLICATE_STATE_NAME")
        self.names.add(name)
        if not report.required(state, ("Type",), pointer):
            return [], False
        kind = state["Type"]
        if kind not in STATE_TYPES:
            report.one_of(kind, STATE_TYPES, child(pointer, "Type"))
            return [], False
        language, downgraded = self.state_language(state, pointer)
        allowed = STATE_FIELDS[kind]
        report.unsupported(state, allowed, pointer)
        if not downgraded:
            self.language_fields(state, allowed, language, pointer)
        if "Comment" in state:
            report.typed(state["Comment"], str, child(pointer, "Comment"))
        edges: Edges = []
        terminal = kind in {"Succeed", "Fail"}
        if kind not in {"Choice", "Succeed", "Fail"}:
            terminal = self.flow(state, pointer, edges)
        if language == JSONPATH:
            self.jsonpath_io(state, allowed, pointer)
        if "Assign" in state and "Assign" in allowed:
            self.assign(state["Assign"], language, child(pointer, "Assign"))
        check = CHECKS.get(kind)
        if check is not None:
            check(self, state, pointer, language, edges)
        if "Retry" in state and "Retry" in allowed:
            self.retriers(state["Retry"], child(pointer, "Retry"))
        if "Catch" in state and "Catch" in allowed:
            self.catchers(state["Catch"], child(pointer, "Catch"), language, edges)
        return edges, terminal

    def state_language(self, state: Mapping[str, Any], pointer: str) -> tuple[str, bool]:
        """The state's query language, and whether it illegally downgrades the machine's."""
        if "QueryLanguage" not in state:
            return self.language, False
        value = state["QueryLanguage"]
        self.report.one_of(value, (JSONPATH, JSONATA), child(pointer, "QueryLanguage"))
        if value != JSONPATH:
            return JSONATA, False
        if self.language == JSONATA:
            self.report.error(
                pointer,
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            )
            return JSONPATH, True
        return JSONPATH, False

    def language_fields(
        self, obj: Mapping[str, Any], allowed: frozenset[str], language: str, pointer: str
    ) -> None:
        foreign, own = (
            (JSONATA_ONLY, JSONATA) if language == JSONPATH else (JSONPATH_ONLY, JSONPATH)
        )
        for name in foreign:
            if name in obj and name in allowed:
                self.report.error(
                    pointer,
                    f"The QueryLanguage is set to '{language}', but field '{name}' "
                    f"is only supported for the '{own}' QueryLanguage",
                )

    def flow(self, state: Mapping[str, Any], pointer: str, edges: Edges) -> bool:
        report = self.report
        end = state.get("End")
        if "End" in state:
            report.typed(end, bool, child(pointer, "End"))
        if "Next" in state and report.typed(state["Next"], str, child(pointer, "Next")):
            edges.append((state["Next"], child(pointer, "Next")))
        if end is True and "Next" in state:
            report.error(pointer, only_one(("Next", "End")))
        elif end is not True and "Next" not in state:
            report.error(pointer, "Either 'Next' or 'End': true is required")
        return end is True

    def jsonpath_io(self, state: Mapping[str, Any], allowed: frozenset[str], pointer: str) -> None:
        report = self.report
        for name in ("InputPath", "OutputPath"):
            if name in state and name in allowed:
                report.path(state[name], name, child(pointer, name), nullable=True)
        if "ResultPath" in allowed:
            report.result_path(state, pointer)
        for name in ("Parameters", "ResultSelector"):
            if name in state and name in allowed:
                report.template(state[name], child(pointer, name))

    def assign(self, value: Any, language: str, pointer: str) -> None:
        if self.report.typed(value, dict, pointer) and language == JSONPATH:
            self.report.template(value, pointer)

    # --- error handling ----------------------------------------------------------------------

    def handlers(
        self, handlers: Any, pointer: str, fields: frozenset[str]
    ) -> Iterator[tuple[Mapping[str, Any], str, bool]]:
        """Each object of a ``Retry`` or ``Catch`` array (others reported), with its pointer and
        whether it is the last; fields outside ``fields`` are reported."""
        report = self.report
        if not report.typed(handlers, list, pointer):
            return
        for index, handler in enumerate(handlers):
            at = child(pointer, index)
            if report.typed(handler, dict, at):
                report.unsupported(handler, fields, at)
                yield handler, at, index == len(handlers) - 1

    def error_equals(self, handler: Mapping[str, Any], pointer: str, last: bool, kind: str) -> None:
        """Check ``ErrorEquals`` of the retrier or catcher (``kind``) ``handler``."""
        report = self.report
        if "ErrorEquals" not in handler:
            return
        names = report.items(handler, "ErrorEquals", pointer, "error name")
        at = child(pointer, "ErrorEquals")
        for index, name in enumerate(names):
            report.typed(name, str, child(at, index))
        if _ALL in names and len(names) > 1:
            report.error(at, "'States.ALL' must appear alone in 'ErrorEquals'")
        if _ALL in names and not last:
            array = "Retry" if kind == "retrier" else "Catch"
            report.error(
                pointer, f"A {kind} matching 'States.ALL' must be the last one in '{array}'"
            )

    def retriers(self, retriers: Any, pointer: str) -> None:
        report = self.report
        for retrier, at, last in self.handlers(retriers, pointer, RETRIER_FIELDS):
            report.required(retrier, ("ErrorEquals",), at)
            self.error_equals(retrier, at, last, "retrier")
            report.number(retrier, "IntervalSeconds", at, minimum=1, maximum=MAX_SECONDS)
            report.number(retrier, "MaxAttempts", at, minimum=0, maximum=MAX_SECONDS)
            report.number(retrier, "BackoffRate", at, minimum=1.0, integer=False)
            report.number(retrier, "MaxDelaySeconds", at, minimum=1, maximum=_MAX_DELAY_SECONDS)
            if "JitterStrategy" in retrier:
                report.one_of(
                    retrier["JitterStrategy"], ("FULL", "NONE"), child(at, "JitterStrategy")
                )

    def catchers(self, catchers: Any, pointer: str, language: str, edges: Edges) -> None:
        report = self.report
        for catcher, at, last in self.handlers(catchers, pointer, CATCHER_FIELDS):
            self.language_fields(catcher, CATCHER_FIELDS, language, at)
            report.required(catcher, ("ErrorEquals", "Next"), at)
            self.error_equals(catcher, at, last, "catcher")
            if "Next" in catcher and report.typed(catcher["Next"], str, child(at, "Next")):
                edges.append((catcher["Next"], child(at, "Next")))
            if language == JSONPATH:
                report.result_path(catcher, at)
            if "Assign" in catcher:
                self.assign(catcher["Assign"], language, child(at, "Assign"))
