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
_SMALL_DEPTH: Final = 2

UNKNOWN: Final = 1 << 62
"""A bound that says nothing: the value must be measured."""

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
    """An upper bound on a built value, given bounds on the input it was built from.

    The input is bounded by its size, its depth and the size of the largest value inside it
    (its *inner* bound: what a path such as ``$.a.b`` can reach). Then
    ``bytes <= scale * input + part * inner + extra + external * limit`` and
    ``depth <= max(input_depth + deeper, floor)`` (the input term only when it is used),
    where ``external`` counts values taken from outside the input (the execution's input in
    ``$$``, workflow variables), each at most one payload. ``opaque`` parts have no bound
    until they are built: their value is measured.

    Telling the whole input from the values inside it keeps a chain of states that copy a
    field into a result (``{"i.$": "$.i"}`` at ``$.r``) from doubling its bound each time.
    """

    scale: int = 1
    part: int = 0
    extra: int = 0
    external: int = 0
    deeper: int = 0
    floor: int = 0
    opaque: bool = False

    def apply(self, size: int, depth: int, inner: int, limit: int) -> tuple[int, int]:
        """The bounds on the built value's size and depth (:data:`UNKNOWN` when opaque)."""
        if self.opaque:
            return UNKNOWN, UNKNOWN
        bound = self.floor
        if (self.scale or self.part) and depth + self.deeper > bound:
            bound = depth + self.deeper
        if self.external and MAX_DEPTH + self.floor > bound:
            bound = MAX_DEPTH + self.floor
        return self.scale * size + self.part * inner + self.extra + self.external * limit, bound

    def beside(self, other: Growth) -> Growth:
        """Two values side by side in one container (sizes add, depths take the larger)."""
        return Growth(
            scale=self.scale + other.scale,
            part=self.part + other.part,
            extra=self.extra + other.extra,
            external=self.external + other.external,
            deeper=max(self._deeper(), other._deeper()),
            floor=max(self.floor, other.floor),
            opaque=self.opaque or other.opaque,
        )

    def _deeper(self) -> int:
        return self.deeper if self.scale or self.part else 0

    def wrapped(self, overhead: int, levels: int = 1) -> Growth:
        """This value inside ``levels`` containers that add ``overhead`` bytes."""
        return Growth(
            scale=self.scale,
            part=self.part,
            extra=self.extra + overhead,
            external=self.external,
            deeper=self.deeper + levels,
            floor=self.floor + levels,
            opaque=self.opaque,
        )


Bound = Callable[[int, int, int, int], tuple[int, int, int]]
"""``(size, depth, inner, limit) -> (size, depth, inner)``: a state's output's bounds."""

Merge = Callable[[int, int, int, int, int], tuple[int, int, int]]
"""``(size, depth, inner, result size, result depth) -> (size, depth, inner)``: ResultPath."""


def result_merge(steps: tuple[Step, ...] | None) -> Merge | None:
    """ResultPath on bounds: the output's, given the input's and the result's.

    Args:
        steps: where the result goes; None when it replaces the input (``$``).

    Returns:
        The merge, or None when ResultPath is ``null`` (the output is the input).
    """
    if steps is None:
        return lambda size, depth, inner, result, result_depth: (result, result_depth, result)
    overhead, levels = result_path_growth(steps)
    if len(steps) == 1:
        # The result becomes one of the output's own values, beside the input's others.
        def merge_top(
            size: int, depth: int, inner: int, result: int, result_depth: int
        ) -> tuple[int, int, int]:
            result_depth += levels
            return (
                size + result + overhead,
                depth if depth > result_depth else result_depth,
                inner if inner > result else result,
            )

        return merge_top

    def merge(
        size: int, depth: int, inner: int, result: int, result_depth: int
    ) -> tuple[int, int, int]:
        result_depth += levels
        grown = result + overhead
        return (
            size + grown,
            depth if depth > result_depth else result_depth,
            inner + grown,
        )

    return merge


def output_bound(result: Growth, steps: tuple[Step, ...] | None) -> Bound:
    """A state's output bounds when its result has growth ``result`` and ResultPath puts it
    at ``steps`` (None: the result replaces the input). One closure, for the hot path."""
    if result.opaque:
        return lambda size, depth, inner, limit: (UNKNOWN, UNKNOWN, UNKNOWN)
    scale, part, extra, external = result.scale, result.part, result.extra, result.external
    deeper, floor = result._deeper(), result.floor
    if external:
        floor = max(floor, MAX_DEPTH + floor)
    if steps is None:

        def replaced(size: int, depth: int, inner: int, limit: int) -> tuple[int, int, int]:
            grown = scale * size + part * inner + extra + external * limit
            depth += deeper
            return grown, depth if depth > floor else floor, grown

        return replaced
    if len(steps) == 1 and not scale and not external:
        # The commonest shape by far: a template reading fields of the input, its result
        # put under a key (``{"i.$": "$.i"}`` at ``$.r``). result_merge's rule for a key of
        # the output, folded into one closure with a few operations.
        overhead, levels = result_path_growth(steps)
        extra += overhead
        floor += levels
        deeper += levels

        def beside(size: int, depth: int, inner: int, limit: int) -> tuple[int, int, int]:
            grown = part * inner + extra
            depth += deeper
            return (
                size + grown,
                depth if depth > floor else floor,
                grown if grown > inner else inner,
            )

        return beside
    merge = result_merge(steps)
    assert merge is not None

    def placed(size: int, depth: int, inner: int, limit: int) -> tuple[int, int, int]:
        grown = scale * size + part * inner + extra + external * limit
        result_depth = depth + deeper
        return merge(size, depth, inner, grown, result_depth if result_depth > floor else floor)

    return placed


@dataclass(frozen=True, slots=True)
class Affine:
    """What a state can do to its input, whatever the run: at most ``scale * input + extra``
    bytes, nested at most ``deeper`` levels more. Composes along a program's states."""

    scale: int
    extra: int
    deeper: int

    def then(self, later: Affine) -> Affine:
        """This, followed by ``later``."""
        return Affine(
            later.scale * self.scale,
            later.scale * self.extra + later.extra,
            self.deeper + later.deeper,
        )

    def widest(self, other: Affine) -> Affine:
        """A bound that holds for either."""
        return Affine(
            max(self.scale, other.scale),
            max(self.extra, other.extra),
            max(self.deeper, other.deeper),
        )

    def size(self, size: int) -> int:
        """The bound on the size for an input of ``size`` bytes."""
        return self.scale * size + self.extra

    def within(self, size: int, depth: int, limit: int) -> bool:
        """Whether every output stays within ``limit`` bytes and the nesting limit, for an
        input of at most ``size`` bytes nested ``depth`` levels."""
        return self.size(size) <= limit and depth + self.deeper <= MAX_DEPTH


UNCHANGED: Final = Affine(1, 0, 0)
"""A state that only selects from its input (a Choice, a Wait, a Succeed)."""


def affine_of(result: Growth, steps: tuple[Step, ...] | None) -> Affine | None:
    """The :class:`Affine` of a state whose result has growth ``result``, put at ``steps``
    by ResultPath (None: it replaces the input); None when it depends on the run."""
    if result.opaque or result.external:
        return None
    used = result.scale + result.part
    deeper = max(result._deeper(), result.floor)
    if steps is None:
        return Affine(used, result.extra, deeper)
    overhead, levels = result_path_growth(steps)
    return Affine(1 + used, result.extra + overhead, deeper + levels)


IDENTITY: Final = Growth()
"""The input itself, or a part of it (InputPath, OutputPath, a Choice, a Wait)."""

INNER: Final = Growth(scale=0, part=1)
"""A value inside the input (a definite path with at least one step)."""

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
        return INNER if path.steps else IDENTITY
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
            # An item of the input's array (ItemsPath may be "$"): the input bounds it.
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
