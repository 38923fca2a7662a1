"""How large a value a state can build from its input, worked out once when it is compiled.

AWS checks the size of every state's input and output (256 KiB). Serialising each output to
measure it would cost more than the transition itself, so each compiled step carries a
:class:`Growth`: an upper bound on its output's size and depth as a function of its input's.
The engine keeps a bound on the data in hand, applies each state's growth to it, and measures
exactly only when the bound passes a limit. The bound is then reset to the exact figures.

Sizes are UTF-8 bytes of compact JSON; depths count nested arrays and objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .jsondata import MAX_DEPTH, byte_size, depth_of, encode
from .paths import Path, Step

# Context fields whose values are short strings or numbers: names, ARNs, times, the task
# token, the Map item's index. Anything else under ``$$`` may hold a whole payload.
_SMALL_CONTEXT: Final = frozenset({"StateMachine", "State", "Task"})
_SMALL_EXECUTION: Final = frozenset({"Id", "Name", "RoleArn", "StartTime", "RedriveCount"})
_SMALL_BYTES: Final = 4096

UNKNOWN: Final = 1 << 62
"""A bound that says nothing: the value must be measured."""
_SMALL_DEPTH: Final = 2

# Intrinsic functions whose result is small whatever their arguments (a number, a boolean, a
# UUID, a digest, at most 1,000 small integers).
SMALL_INTRINSICS: Final[Mapping[str, int]] = {
    "States.MathAdd": 32,
    "States.MathRandom": 32,
    "States.ArrayLength": 32,
    "States.ArrayContains": 8,
    "States.UUID": 40,
    "States.Hash": 160,
    "States.ArrayRange": 12 * 1000 + 2,
}


@dataclass(frozen=True, slots=True)
class Growth:
    """An upper bound on a built value, given a bound on the input it was built from.

    ``bytes <= scale * input_bytes + extra + external * limit`` and
    ``depth <= max(input_depth + deeper, floor)`` (the input term only when ``scale``), where
    ``external`` counts values taken from outside the input (the execution's input in ``$$``,
    workflow variables), each at most one payload. ``opaque`` parts have no bound until they
    are built: their value is measured.
    """

    scale: int = 1
    extra: int = 0
    external: int = 0
    deeper: int = 0
    floor: int = 0
    opaque: bool = False

    def apply(self, size: int, depth: int, limit: int) -> tuple[int, int]:
        """The bounds on the built value's size and depth, for an input of ``size`` bytes
        nested ``depth`` deep (:data:`UNKNOWN` for an opaque part)."""
        if self.opaque:
            return UNKNOWN, UNKNOWN
        bound = self.floor
        if self.scale and depth + self.deeper > bound:
            bound = depth + self.deeper
        if self.external and MAX_DEPTH + self.floor > bound:
            bound = MAX_DEPTH + self.floor
        return self.scale * size + self.extra + self.external * limit, bound

    def compiled(self) -> Callable[[int, int, int], tuple[int, int]]:
        """:meth:`apply` as a closure with this growth's numbers baked in (for hot paths)."""
        if self.opaque:
            return lambda size, depth, limit: (UNKNOWN, UNKNOWN)
        scale, extra, external, deeper = self.scale, self.extra, self.external, self.deeper
        floor = self.floor
        if external:
            floor = max(floor, MAX_DEPTH + floor)
        if not scale:
            return lambda size, depth, limit: (extra + external * limit, floor)
        if not external:

            def bound(size: int, depth: int, limit: int) -> tuple[int, int]:
                depth += deeper
                return scale * size + extra, depth if depth > floor else floor

            return bound

        def bound_external(size: int, depth: int, limit: int) -> tuple[int, int]:
            depth += deeper
            return scale * size + extra + external * limit, depth if depth > floor else floor

        return bound_external

    def beside(self, other: Growth) -> Growth:
        """Two values side by side in one container (sizes add, depths take the larger)."""
        return Growth(
            scale=self.scale + other.scale,
            extra=self.extra + other.extra,
            external=self.external + other.external,
            deeper=max(self.deeper if self.scale else 0, other.deeper if other.scale else 0),
            floor=max(self.floor, other.floor),
            opaque=self.opaque or other.opaque,
        )

    def wrapped(self, overhead: int, levels: int = 1) -> Growth:
        """This value inside ``levels`` containers that add ``overhead`` bytes."""
        return Growth(
            scale=self.scale,
            extra=self.extra + overhead,
            external=self.external,
            deeper=self.deeper + levels,
            floor=self.floor + levels,
            opaque=self.opaque,
        )


IDENTITY: Final = Growth()
"""The input itself, or a part of it (InputPath, OutputPath, a Choice, a Wait)."""

NOTHING: Final = Growth(scale=0)
"""An empty value: no bytes beyond a constant, no depth."""

OPAQUE: Final = Growth(scale=0, opaque=True)
"""A value with no bound until it is built (an indefinite path, most intrinsic functions)."""


def constant(value: Any) -> Growth:
    """A value from the definition: its exact size and depth."""
    return Growth(scale=0, extra=byte_size(encode(value)), floor=depth_of(value))


def path_growth(path: Path, *, item_is_input: bool = False) -> Growth:
    """What reading ``path`` can yield.

    Args:
        path: a compiled path.
        item_is_input: the context's ``Map.Item.Value`` is a part of the input (in a Map's
            ItemSelector, where the items come from the input).
    """
    if not path.definite:
        # A filter or deep scan yields a list of matches that may repeat nested parts.
        return OPAQUE
    if path.root == "input":
        return IDENTITY
    if path.root == "variable":
        return Growth(scale=0, external=1)
    return _context_growth(path.steps, item_is_input=item_is_input)


def _context_growth(steps: tuple[Step, ...], *, item_is_input: bool) -> Growth:
    small = Growth(scale=0, extra=_SMALL_BYTES, floor=_SMALL_DEPTH)
    if not steps:
        return Growth(scale=1 if item_is_input else 0, extra=_SMALL_BYTES, external=1).wrapped(0, 3)
    first = steps[0]
    if first in _SMALL_CONTEXT:
        return small
    if first == "Execution":
        if len(steps) > 1 and steps[1] in _SMALL_EXECUTION:
            return small
        if len(steps) > 1 and steps[1] == "Input":
            return Growth(scale=0, external=1)
        return Growth(scale=0, extra=_SMALL_BYTES, external=1).wrapped(0, 1)
    if first == "Map":
        if steps[1:3] == ("Item", "Index"):
            return small
        if steps[1:3] == ("Item", "Value") and item_is_input:
            return IDENTITY
        if item_is_input:
            return IDENTITY.wrapped(_SMALL_BYTES, 2)
    return Growth(scale=0, extra=_SMALL_BYTES, external=2).wrapped(0, 3)


def result_path_growth(steps: tuple[Step, ...]) -> tuple[int, int]:
    """What placing a value at ``steps`` (ResultPath) adds: bytes and levels of nesting."""
    overhead = 2 * len(steps)
    for step in steps:
        if isinstance(step, str):
            overhead += byte_size(encode(step)) + 2
    return overhead, len(steps)
