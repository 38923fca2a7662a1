"""StateMachine: a definition loaded, validated and compiled once, then immutable."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from .._definition.load import load_definition, load_definition_file
from .._definition.validate import MachineType
from ..errors import DefinitionError, Diagnostic
from .compile import compile_definition
from .program import Program
from .task import TaskState

_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")


class StateMachine:
    """A compiled, immutable state machine.

    Create one with :meth:`from_definition` (a mapping or text) or :meth:`from_file`; run it
    with ``Engine.start_execution``.

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
        source: Mapping[str, Any] | str | bytes,
        *,
        name: str | None = None,
        type: MachineType = "STANDARD",
        role_arn: str | None = None,
        substitutions: Mapping[str, Any] | None = None,
    ) -> StateMachine:
        """Load, validate and compile a definition given as a mapping or as JSON or YAML text.

        Text is only ever parsed, never taken for a file name, so text received from users can
        be passed as it is. To load a file, use :meth:`from_file`.

        Args:
            source: a dict, or JSON or YAML text (``str``, or UTF-8 ``bytes``).
            name: the machine's name (default: ``"StateMachine"``).
            type: ``"STANDARD"`` or ``"EXPRESS"``.
            role_arn: reported as ``$$.Execution.RoleArn``.
            substitutions: values for ``${Name}`` placeholders (DefinitionSubstitutions).

        Raises:
            DefinitionError: listing every problem in the definition (text that is neither
                JSON nor YAML is one).
            TypeError: ``source`` is a path; use :meth:`from_file`.

        Example:
            >>> machine = StateMachine.from_definition(
            ...     {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": True}}}
            ... )
            >>> machine.name
            'StateMachine'
        """
        _check_options(name, type, role_arn, substitutions)
        definition = load_definition(source, substitutions=substitutions)
        return cls._compiled(definition, "StateMachine" if name is None else name, type, role_arn)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        type: MachineType = "STANDARD",
        role_arn: str | None = None,
        substitutions: Mapping[str, Any] | None = None,
    ) -> StateMachine:
        """Load, validate and compile the definition in a file.

        Args:
            path: a ``.json``, ``.asl.json`` or ``.asl`` file, or a ``.yaml``/``.yml``/
                ``.asl.yaml``/``.asl.yml`` file (read as YAML first), in UTF-8.
            name: the machine's name (default: the file's name up to its first dot, with
                characters a name cannot hold replaced by ``-``).
            type: ``"STANDARD"`` or ``"EXPRESS"``.
            role_arn: reported as ``$$.Execution.RoleArn``.
            substitutions: values for ``${Name}`` placeholders (DefinitionSubstitutions).

        Raises:
            DefinitionError: listing every problem in the definition.
            OSError: the file cannot be read.

        Example:
            >>> machine = StateMachine.from_file("order.asl.yaml")
            >>> machine.name
            'order'
        """
        _check_options(name, type, role_arn, substitutions)
        definition = load_definition_file(path, substitutions=substitutions)
        return cls._compiled(
            definition, _default_name(path) if name is None else name, type, role_arn
        )

    @classmethod
    def _compiled(
        cls, definition: dict[str, Any], name: str, type: MachineType, role_arn: str | None
    ) -> StateMachine:
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


def _check_options(name: object, type: object, role_arn: object, substitutions: object) -> None:
    """The options of ``from_definition`` and ``from_file``, checked before anything is read.

    Raises:
        DefinitionError: listing every option that is wrong.
    """
    problems: list[Diagnostic] = []
    if name is not None and (not isinstance(name, str) or not _NAME.fullmatch(name)):
        problems.append(
            Diagnostic(
                "INVALID_NAME",
                "",
                f"Invalid state machine name {name!r}: use 1-80 letters, digits, '-' or '_'",
            )
        )
    if type not in ("STANDARD", "EXPRESS"):
        problems.append(
            Diagnostic("INVALID_TYPE", "", f"type must be STANDARD or EXPRESS, not {type!r}")
        )
    if role_arn is not None and not isinstance(role_arn, str):
        problems.append(
            Diagnostic("INVALID_ROLE_ARN", "", f"role_arn must be a string, not {role_arn!r}")
        )
    if substitutions is not None and not (
        isinstance(substitutions, Mapping) and all(isinstance(key, str) for key in substitutions)
    ):
        problems.append(
            Diagnostic(
                "INVALID_SUBSTITUTIONS",
                "",
                "substitutions must map placeholder names (strings) to values",
            )
        )
    if problems:
        raise DefinitionError(problems)


def _default_name(path: str | os.PathLike[str]) -> str:
    stem = Path(os.fspath(path)).name.split(".")[0]
    return re.sub(r"[^A-Za-z0-9_-]", "-", stem)[:80] or "StateMachine"
