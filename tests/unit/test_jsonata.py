"""JSONata adapter: parsing, evaluation with bindings, AWS's added functions, errors."""

from __future__ import annotations

import hashlib
import math
import random
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra._query.jsonata import (
    UNDEFINED,
    Expression,
    JsonataEvaluationError,
    JsonataSyntaxError,
    UnsupportedResultError,
    compile_expression,
    expression_body,
    is_expression,
)


def ev(text: str, states_input: Any = None, **variables: Any) -> Any:
    bindings = {"states": {"input": states_input}, **variables}
    return compile_expression(text).evaluate(bindings, rng=random.Random(0))


def failure(text: str, states_input: Any = None) -> JsonataEvaluationError:
    with pytest.raises(JsonataEvaluationError) as caught:
        ev(text, states_input)
    return caught.value


# --- Delimiters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{% $states.input %}", True),
        ("{%$x%}", True),
        ("{%%}", True),
        (" {% states.input %} ", False),
        ("{% $x %} ", False),
        ("{% $x", False),
        ("$states.input", False),
        ("{%}", False),
        (1, False),
        (None, False),
        (["{% 1 %}"], False),
    ],
)
def test_is_expression_follows_aws_rule(value: Any, expected: bool) -> None:
    """Only a string that starts with {% and ends with %} is an expression."""
    assert is_expression(value) is expected


def test_expression_body_strips_whitespace_inside_delimiters() -> None:
    """The body is the text between the delimiters, trimmed as AWS quotes it."""
    assert expression_body("{%  $states.input.a + 1 \n%}") == "$states.input.a + 1"


def test_expression_body_rejects_a_plain_string() -> None:
    """A value that is not an expression has no body."""
    with pytest.raises(ValueError, match=r"not a JSONata expression: ' \{% 1 %\}'"):
        expression_body(" {% 1 %}")


@given(st.text().map(str.strip))
def test_expression_body_returns_any_stripped_text(text: str) -> None:
    """Wrapping stripped text in delimiters and taking the body gives the text back."""
    assert expression_body("{%" + text + "%}") == text


# --- Evaluation ------------------------------------------------------------------------------


def test_evaluates_against_states_and_variables() -> None:
    """$states and user variables are bound by name without the $."""
    assert ev("$states.input.a + $myVar", {"a": 1}, myVar=41) == 42


def test_string_concatenation() -> None:
    """String operators behave as in JSONata."""
    assert ev("$states.input.first & ' ' & $states.input.last", {"first": "Ada", "last": "L"}) == (
        "Ada L"
    )


def test_missing_field_is_undefined_not_null() -> None:
    """A path that selects nothing yields UNDEFINED."""
    assert ev("$states.input.missing", {"a": 1}) is UNDEFINED


def test_null_field_is_none() -> None:
    """A JSON null stays None, distinct from UNDEFINED."""
    assert ev("$states.input.a", {"a": None}) is None


def test_null_variable_is_null() -> None:
    """A variable bound to None is JSONata null, not undefined."""
    assert ev("$type($v)", v=None) == "null"


def test_undefined_variable_is_undefined() -> None:
    """A variable that is not bound is undefined, as AWS's cause texts report."""
    assert ev("$doesNotExist") is UNDEFINED


def test_undefined_values_drop_out_of_objects_and_arrays() -> None:
    """Undefined members vanish from constructed objects and arrays."""
    assert ev("{'a': $nothing, 'b': [1, $nothing, 2]}") == {"b": [1, 2]}


def test_undefined_sentinel_has_readable_repr() -> None:
    """UNDEFINED prints as its name."""
    assert repr(UNDEFINED) == "UNDEFINED"


def test_assignment_expression_yields_assigned_value() -> None:
    """An expression that only assigns a variable yields the value assigned."""
    assert ev("$variable := 1") == 1


def test_regular_expression_literal() -> None:
    """Regex literals parse and match as JSONata's do."""
    assert ev('$contains("hello$world", /^hello\\$/)') is True


def test_singleton_sequence_is_unwrapped() -> None:
    """A path that selects one value yields the value, not a one-item array."""
    assert ev("$states.input.items.price", {"items": [{"price": 3}]}) == 3


def test_bindings_may_be_any_mapping() -> None:
    """Bindings need not be a dict."""
    expression = compile_expression("$x * 2")
    assert expression.evaluate(MappingProxyType({"x": 21})) == 42


def test_bindings_are_not_modified() -> None:
    """Evaluation reads the bindings and leaves them as they were."""
    data = {"items": [3, 1, 2]}
    result = ev("$sort($states.input.items)", data)
    assert result == [1, 2, 3]
    assert data == {"items": [3, 1, 2]}


def test_function_result_is_unsupported() -> None:
    """A function has no JSON value: AWS's 'unsupported result type'."""
    with pytest.raises(UnsupportedResultError) as caught:
        ev("$fn := function($x){$x}")
    assert caught.value.code is None
    assert isinstance(caught.value, JsonataEvaluationError)


def test_now_reports_the_given_instant() -> None:
    """$now() and $millis() report the instant passed to evaluate."""
    expression = compile_expression("[$now(), $millis()]")
    instant = datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert expression.evaluate({}, now=instant) == ["2024-05-01T10:00:00.123Z", 1714557600123]


def test_naive_now_is_utc() -> None:
    """A naive datetime for now is read as UTC."""
    expression = compile_expression("$now()")
    assert expression.evaluate({}, now=datetime(2024, 1, 1)) == "2024-01-01T00:00:00.000Z"


# --- Numbers ---------------------------------------------------------------------------------


def test_integral_arithmetic_result_is_int() -> None:
    """An integral result is an int, as AWS prints 3 and not 3.0."""
    result = ev("1.5 * 2")
    assert result == 3
    assert type(result) is int


def test_integral_floats_in_input_come_back_as_ints() -> None:
    """Integral floats nested in the input come back as ints."""
    result = ev("$states.input", {"a": 1.0, "b": [2.0, 2.5], "c": {"d": -0.0}})
    assert result == {"a": 1, "b": [2, 2.5], "c": {"d": 0}}
    assert [type(result["a"]), type(result["b"][0]), type(result["c"]["d"])] == [int, int, int]


def test_large_numbers_keep_javascript_form() -> None:
    """Below 1e21 an integral number is an int; from 1e21 it stays a float, as JSON prints it."""
    assert ev("[1e20, 1e21]") == [10**20, 1e21]
    assert type(ev("1e21")) is float


def test_non_integral_division_stays_float() -> None:
    """A fraction stays a float."""
    assert ev("7 / 2") == 3.5


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    return value


def _has_integral_float(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, list):
        return any(_has_integral_float(item) for item in value)
    if isinstance(value, dict):
        return any(_has_integral_float(item) for item in value.values())
    return False


@given(json_values)
def test_variable_round_trips_with_integral_numbers_as_ints(value: Any) -> None:
    """A JSON value read back from a variable is equal, with no integral float left in it."""
    result = compile_expression("$v").evaluate({"v": [value]})
    assert result == [_integral_floats_as_ints(value)]
    assert not _has_integral_float(result)


# --- Reuse -----------------------------------------------------------------------------------


@given(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=-(2**40), max_value=2**40),
)
def test_compiled_expression_is_reused_with_new_bindings(x: int, y: int) -> None:
    """One compiled expression gives each evaluation the answer for its own bindings."""
    assert SUM.evaluate({"x": x, "states": {"input": {"y": y}}}) == x + y


SUM = compile_expression("$x + $states.input.y")


def test_compiled_expression_is_shared_between_threads() -> None:
    """Concurrent evaluations of one expression do not see each other's bindings."""
    expression = compile_expression("$sum($states.input.values) * $k")

    def run(k: int) -> list[Any]:
        return [
            expression.evaluate({"k": k, "states": {"input": {"values": [i, 1]}}})
            for i in range(200)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(8)))
    assert results == [[(i + 1) * k for i in range(200)] for k in range(8)]


def test_expression_keeps_its_text_and_is_immutable() -> None:
    """An Expression shows its text and refuses changes."""
    expression = compile_expression("$states.input")
    assert isinstance(expression, Expression)
    assert expression.text == "$states.input"
    assert repr(expression) == "Expression('$states.input')"
    with pytest.raises(AttributeError, match="Expression is immutable"):
        expression.text = "1"


# --- Syntax and evaluation errors ------------------------------------------------------------


def test_syntax_error_reports_code_message_and_position() -> None:
    """A parse failure names JSONata's code, its reason and where it stopped."""
    with pytest.raises(JsonataSyntaxError) as caught:
        compile_expression("1 +")
    error = caught.value
    assert (error.code, error.message, error.position) == (
        "S0207",
        "Unexpected end of expression",
        3,
    )
    assert str(error) == "S0207: Unexpected end of expression (at position 3)"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ('"unterminated', "S0101", "String literal must be terminated by a matching quote"),
        ("$states.input.(", "S0203", 'Expected ")" before end of expression'),
        ("", "S0207", "Unexpected end of expression"),
    ],
)
def test_syntax_errors_use_reference_wording(text: str, code: str, message: str) -> None:
    """Syntax errors carry the JSONata reference's code and wording."""
    with pytest.raises(JsonataSyntaxError) as caught:
        compile_expression(text)
    assert (caught.value.code, caught.value.message) == (code, message)


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("$randomSeeded($states.input)", "T1006: Attempted to invoke a non-function"),
        ("'a' + 1", 'T2001: The left side of the "+" operator must evaluate to a number'),
        ("$number('x')", 'D3030: Unable to cast value to a number: "x"'),
        (
            "$uppercase(1)",
            'T0410: Argument 1 of function "uppercase" does not match function signature',
        ),
        (
            "'a' > 1",
            'T2009: The values "a" and 1 either side of operator ">" must be of the same data type',
        ),
        ("$error('stop')", "D3137: stop"),
    ],
)
def test_evaluation_errors_read_as_in_aws_causes(text: str, cause: str) -> None:
    """str() of an evaluation error is the '<code>: <message>' part of AWS's cause."""
    error = failure(text)
    assert str(error) == cause
    assert f"{error.code}: {error.message}" == cause


def test_syntax_error_without_code_or_position_reads_as_its_message() -> None:
    """A syntax error lacking code and position prints its message alone."""
    assert str(JsonataSyntaxError(None, "Bad expression", None)) == "Bad expression"


def test_runaway_expression_exceeds_step_budget() -> None:
    """Endless recursion fails with a budget error instead of hanging."""
    error = failure("($f := function(){$f()}; $f())")
    assert error.code == "U1006"
    assert error.message == "The evaluation exceeded its budget of 1000000 steps"


# --- Extra functions -------------------------------------------------------------------------


def test_extra_function_is_callable() -> None:
    """Functions passed at compile time are callable by name."""
    expression = compile_expression("$double($x)", functions={"double": lambda x: x * 2})
    assert expression.evaluate({"x": 4}) == 8


def test_extra_function_returning_none_is_undefined() -> None:
    """A function that returns None gives undefined."""
    expression = compile_expression("$nothing()", functions={"nothing": lambda: None})
    assert expression.evaluate({}) is UNDEFINED


def test_extra_function_can_fail_the_evaluation() -> None:
    """A JsonataEvaluationError raised by a function reaches the caller as it was."""

    def refuse() -> None:
        raise JsonataEvaluationError("X0001", "refused")

    expression = compile_expression("$refuse()", functions={"refuse": refuse})
    with pytest.raises(JsonataEvaluationError, match=r"^X0001: refused$"):
        expression.evaluate({})


# --- $partition ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("array", "size", "expected"),
    [
        ([0], 1, [[0]]),
        ([0], 5, [[0]]),
        ([0, 1, 2], 2, [[0, 1], [2]]),
        ([0, 1, 2, 3], 2, [[0, 1], [2, 3]]),
        ([0, 1, 2, 3], 3, [[0, 1, 2], [3]]),
        ([], 2, []),
    ],
)
def test_partition_cuts_array_into_chunks(array: list[int], size: int, expected: Any) -> None:
    """$partition chunks an array; the last chunk may be shorter."""
    assert ev("$partition($states.input.a, $states.input.n)", {"a": array, "n": size}) == expected


def test_partition_truncates_fractional_size() -> None:
    """A fractional size is truncated, as the intrinsics take integers."""
    assert ev("$partition([1, 2, 3], 2.9)") == [[1, 2], [3]]


@pytest.mark.parametrize("size", [0, -1])
def test_partition_rejects_size_below_one(size: int) -> None:
    """A chunk size below one fails the evaluation."""
    error = failure(f"$partition([1, 2], {size})")
    assert error.code is None
    assert str(error) == "The size argument of $partition must be a positive integer"


def test_partition_checks_its_signature() -> None:
    """A size that is not a number fails as JSONata's signature check does."""
    error = failure("$partition([1], 'two')")
    assert str(error) == (
        'T0410: Argument 2 of function "partition" does not match function signature'
    )


def test_partition_of_undefined_is_undefined() -> None:
    """An undefined array gives an undefined result."""
    assert ev("$partition($states.input.missing, 2)", {}) is UNDEFINED


# --- $range ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "step", "expected"),
    [
        (0, 9, 3, [0, 3, 6, 9]),
        (0, 10, 3, [0, 3, 6, 9]),
        (1, 9, 2, [1, 3, 5, 7, 9]),
        (1, 9, 9, 1),
        (10, 0, -5, [10, 5, 0]),
    ],
)
def test_range_includes_end_and_unwraps_one_value(
    start: int, end: int, step: int, expected: Any
) -> None:
    """$range counts to end inclusive; a single value is not wrapped, as recorded on AWS."""
    data = {"fst": start, "snd": end, "trd": step}
    assert ev("$range($states.input.fst, $states.input.snd, $states.input.trd)", data) == expected


def test_empty_range_is_undefined() -> None:
    """A range with no values is undefined, like an empty sequence."""
    assert ev("$range(5, 1, 1)") is UNDEFINED


def test_range_rejects_zero_step() -> None:
    """A zero step fails the evaluation."""
    assert str(failure("$range(0, 3, 0)")) == "The step argument of $range must not be zero"


def test_range_limits_its_length() -> None:
    """More than 1000 values fail, as for States.ArrayRange."""
    assert ev("$count($range(1, 1000, 1))") == 1000
    assert str(failure("$range(0, 1000, 1)")) == "$range cannot generate more than 1000 values"


def test_range_of_undefined_is_undefined() -> None:
    """An undefined bound gives an undefined result."""
    assert ev("$range(0, $states.input.missing, 1)", {}) is UNDEFINED


# --- $hash -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "library_name"),
    [
        ("MD5", "md5"),
        ("SHA-1", "sha1"),
        ("SHA-256", "sha256"),
        ("SHA-384", "sha384"),
        ("SHA-512", "sha512"),
    ],
)
def test_hash_gives_hex_digest(algorithm: str, library_name: str) -> None:
    """$hash returns the lowercase hex digest of the UTF-8 text."""
    expected = hashlib.new(library_name, "héllo".encode()).hexdigest()
    assert ev(f"$hash('héllo', '{algorithm}')") == expected


def test_hash_md5_known_value() -> None:
    """The MD5 of 'hello' is the well-known digest."""
    assert ev("$hash('hello', 'MD5')") == "5d41402abc4b2a76b9719d911017c592"


def test_hash_rejects_unknown_algorithm() -> None:
    """An algorithm outside AWS's five fails the evaluation."""
    assert str(failure("$hash('a', 'SHA-3')")) == (
        'Unsupported hash algorithm "SHA-3"; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512'
    )


def test_hash_of_undefined_is_undefined() -> None:
    """Undefined data gives an undefined result."""
    assert ev("$hash($states.input.missing, 'MD5')", {}) is UNDEFINED


# --- $random and $uuid -----------------------------------------------------------------------


def test_random_draws_from_the_given_generator() -> None:
    """$random() takes its number from the rng passed to evaluate."""
    expression = compile_expression("[$random(), $random()]")
    expected = random.Random(7)
    assert expression.evaluate({}, rng=random.Random(7)) == [expected.random(), expected.random()]


def test_seeded_random_ignores_the_generator() -> None:
    """$random(seed) gives the same number for the same seed, whatever the rng."""
    expression = compile_expression("$random(42)")
    first = expression.evaluate({}, rng=random.Random(1))
    assert first == expression.evaluate({}, rng=random.Random(2))
    assert 0 <= first < 1


@given(st.integers(min_value=0, max_value=2**32))
def test_random_is_in_unit_interval(seed: int) -> None:
    """$random() lies in [0, 1)."""
    assert 0 <= RANDOM.evaluate({}, rng=random.Random(seed)) < 1


RANDOM = compile_expression("$random()")


def test_uuid_is_version_4_and_replayable() -> None:
    """$uuid() is a version 4 UUID drawn from the rng, so one seed replays it."""
    expression = compile_expression("$uuid()")
    first = expression.evaluate({}, rng=random.Random(3))
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first
    )
    assert uuid.UUID(first).version == 4
    assert expression.evaluate({}, rng=random.Random(3)) == first
    assert expression.evaluate({}, rng=random.Random(4)) != first


# --- $parse ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-0", 0),
        ("1", 1),
        ("1.1", 1.1),
        ("true", True),
        ('"HelloWorld"', "HelloWorld"),
        ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),
        ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),
        ("[1.0, {}]", [1, {}]),
    ],
)
def test_parse_reads_json_text(text: str, expected: Any) -> None:
    """$parse turns JSON text into its value (cases recorded on AWS)."""
    result = ev("$parse($states.input.FunctionInput)", {"FunctionInput": text})
    assert result == expected
    assert type(result) is type(expected)


def test_parse_of_null_is_null() -> None:
    """$parse('null') is JSON null, not undefined."""
    assert ev("$parse('null')") is None


def test_parse_result_is_navigable() -> None:
    """The parsed value takes paths like any other."""
    assert ev('$parse(\'{"a": {"b": [5, 6]}}\').a.b[1]') == 6


@pytest.mark.parametrize("text", ["{", "NaN", "1e999", ""])
def test_parse_rejects_invalid_json(text: str) -> None:
    """Text that is not JSON fails the evaluation."""
    error = failure("$parse($states.input)", text)
    assert error.code is None
    assert error.message.startswith("The argument of $parse is not valid JSON: ")


def test_parse_requires_a_string() -> None:
    """A number for $parse fails JSONata's signature check."""
    assert str(failure("$parse(1)")) == (
        'T0410: Argument 1 of function "parse" does not match function signature'
    )


def test_parse_of_undefined_is_undefined() -> None:
    """An undefined argument gives an undefined result."""
    assert ev("$parse($states.input.missing)", {}) is UNDEFINED


def test_parse_as_function_value() -> None:
    """$parse can be passed to higher-order functions."""
    assert ev("$map(['1', '[2]'], $parse)") == [1, [2]]


def test_aws_functions_available_through_eval() -> None:
    """Functions stay callable from a string given to $eval."""
    assert ev("$eval('$partition([1, 2], 1)')") == [[1], [2]]


def test_math_of_results_is_finite() -> None:
    """Overflow is an error rather than an infinite number."""
    error = failure("1e300 * 1e300")
    assert error.code == "D1001"
    assert not math.isinf(ev("1e300"))
