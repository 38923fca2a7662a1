"""StateMachine: a definition loaded, validated and compiled once, then immutable."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

from ._compiler import compile_definition
from ._definition.load import load_definition
from ._interpreter import Program
from ._states.task import TaskState
from .errors import DefinitionError, Diagnostic

MachineType = Literal["STANDARD", "EXPRESS"]
_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")


class StateMachine:
    """A compiled, immutable state machine.

    Create one with :meth:`from_definition`; run it with ``Engine.start_execution``.

    Attributes:
        name: the state machine's name (part of its ARN).
        type: ``"STANDARD"`` or ``"EXPRESS"``.
        role_arn: the IAM role ARN reported in ``$$.Execution.RoleArn`` (None: a default).
        definition: the definition, after substitutions, as a read-only mapping.
        timeout_seconds: the machine-level ``TimeoutSeconds``, if any.
    """

    __slots__ = ("_program", "definition", "name", "role_arn", "timeout_seconds", "type")

    def __init__(
        self,
        *,
        name: str,
        type: MachineType,
        role_arn: str | None,
        definition: Mapping[str, Any],
        program: Program,
    ) -> None:
        self.name = name
        self.type: MachineType = type
        self.role_arn = role_arn
        self.definition: Mapping[str, Any] = MappingProxyType(dict(definition))
        self.timeout_seconds: float | None = (
            float(definition["TimeoutSeconds"]) if "TimeoutSeconds" in definition else None
        )
        self._program = program

    @classmethod
    def from_definition(
        cls,
        source: Mapping[str, Any] | str | os.PathLike[str],
        *,
        name: str | None = None,
        type: MachineType = "STANDARD",
        role_arn: str | None = None,
        substitutions: Mapping[str, Any] | None = None,
    ) -> StateMachine:
        """Load, validate and compile a definition.

        Args:
            source: a dict, JSON or YAML text, or a path to a ``.json``/``.yaml``/``.yml``/
                ``.asl.json``/``.asl.yaml`` file.
            name: the machine's name (default: the file's stem, or ``"StateMachine"``).
            type: ``"STANDARD"`` or ``"EXPRESS"``.
            role_arn: reported as ``$$.Execution.RoleArn``.
            substitutions: values for ``${Name}`` placeholders (DefinitionSubstitutions).

        Raises:
            DefinitionError: listing every problem in the definition.

        Example:
            >>> machine = StateMachine.from_definition(
            ...     {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": True}}}
            ... )
            >>> machine.name
            'StateMachine'
        """
        definition = load_definition(source, substitutions=substitutions)
        if name is None:
            name = _default_name(source)
        problems: list[Diagnostic] = []
        if not _NAME.fullmatch(name):
            problems.append(
                Diagnostic(
                    "INVALID_NAME",
                    "",
                    f"Invalid state machine name '{name}': use 1-80 letters, digits, '-' or '_'",
                )
            )
        if type not in ("STANDARD", "EXPRESS"):
            problems.append(
                Diagnostic("INVALID_TYPE", "", f"type must be STANDARD or EXPRESS, not {type!r}")
            )
        if problems:
            raise DefinitionError(problems)
        program = compile_definition(definition, machine_type=type)
        return cls(name=name, type=type, role_arn=role_arn, definition=definition, program=program)

    @property
    def program(self) -> Program:
        """The compiled state graph."""
        return self._program

    def arn(self, region: str, account: str) -> str:
        """The machine's ARN in a region and account."""
        return f"arn:aws:states:{region}:{account}:stateMachine:{self.name}"

    def resources(self) -> list[str]:
        """Every Task ``Resource`` string, in definition order."""
        return [
            state.target.resource
            for state in self._program.states.values()
            if isinstance(state, TaskState)
        ]

    def __repr__(self) -> str:
        return f"StateMachine(name={self.name!r}, type={self.type!r})"


def _default_name(source: object) -> str:
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and "{" not in source
    ):
        stem = Path(os.fspath(source)).name.split(".")[0]
        cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", stem)[:80]
        if cleaned:
            return cleaned
    return "StateMachine"
