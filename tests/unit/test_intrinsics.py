"""Intrinsic functions: parsing, the 18 functions, AWS's limits and failure causes."""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra._query.intrinsic_functions import java_double
from orchestra._query.intrinsics import (
    Intrinsic,
    IntrinsicError,
    IntrinsicSyntaxError,
    compile_intrinsic,
    is_intrinsic,
)

CONTEXT = {"Execution": {"Name": "run-1"}, "StateMachine": {"Name": "machine-a-b"}}


def ev(
    text: str,
    data: Any = None,
    *,
    variables: dict[str, Any] | None = None,
    rng: random.Random | None = None,
) -> Any:
    return compile_intrinsic(text).evaluate(data, CONTEXT, variables, rng or random.Random(0))


def failure(text: str, data: Any = None) -> IntrinsicError:
    with pytest.raises(IntrinsicError) as caught:
        ev(text, data)
    return caught.value


def invalid_cause(text: str, function: str) -> str:
    return f"The function '{text}' had the following error: Invalid arguments in {function}"


def assert_invalid(text: str, data: Any = None) -> None:
    error = failure(text, data)
    assert error.error == "States.Runtime"
    assert error.cause == invalid_cause(text, text[: text.index("(")])


def literal(text: str) -> str:
    """``text`` as a single-quoted intrinsic string literal."""
    escaped = "".join("\\" + char if char in "'{}\\" else char for char in text)
    return f"'{escaped}'"


# --- the compiled object ---------------------------------------------------------------------


def test_is_intrinsic_checks_the_prefix() -> None:
    """Only text starting with "States." is taken for an intrinsic call."""
    assert is_intrinsic("States.Array()")
    assert is_intrinsic("States.Nope(")
    assert not is_intrinsic("$.States.Array()")


def test_compiled_call_keeps_its_text_and_name() -> None:
    """The compiled object carries the text as written and the outer function's name."""
    intrinsic = compile_intrinsic("States.Array( 1 ,2 )")
    assert isinstance(intrinsic, Intrinsic)
    assert intrinsic.text == "States.Array( 1 ,2 )"
    assert intrinsic.name == "States.Array"
    assert repr(intrinsic) == "Intrinsic('States.Array( 1 ,2 )')"


def test_literal_arguments() -> None:
    """Strings, integers, floats, negatives, exponents, true, false and null."""
    assert ev("States.Array('a', 1, -2, 0.5, 2e3, true, false, null)") == [
        "a",
        1,
        -2,
        0.5,
        2000.0,
        True,
        False,
        None,
    ]


def test_string_literal_escapes() -> None:
    """Backslash escapes a quote, a brace or a backslash; raw newlines and double quotes stay."""
    assert ev("States.Array('it\\'s \\{x\\} \\\\ \"q\"')") == ['it\'s {x} \\ "q"']
    assert ev("States.StringSplit('Hello\nWorld', '\n')") == ["Hello", "World"]


def test_path_arguments_read_input_context_and_variables() -> None:
    """``$`` reads the input, ``$$`` the context object and ``$name`` a variable."""
    text = "States.Array($.a, $$.Execution.Name, $v.b, $)"
    assert ev(text, {"a": 1}, variables={"v": {"b": 2}}) == [1, "run-1", 2, {"a": 1}]


def test_path_arguments_with_brackets_and_filters() -> None:
    """Brackets, quoted names with commas and filters stay inside one path argument."""
    data = {"a": [{"x": 1}, {"x": 2}], "b,c": 3}
    assert ev("States.Array($['b,c'], $.a[?(@.x == 2)].x, $.a[0])", data) == [3, [2], {"x": 1}]


def test_nested_calls() -> None:
    """A call's result is an argument of the enclosing call."""
    text = (
        "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
        "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))"
    )
    assert ev(text) == "b"


# --- syntax errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("States.Nope()", "unknown function 'States.Nope'"),
        ("States.Array(", "expected an argument"),
        ("States.Array(1", "expected ',' or ')' in the arguments of 'States.Array'"),
        ("States.Array(1 2)", "expected ',' or ')' in the arguments of 'States.Array'"),
        ("States.Array(1,)", "unexpected character ')'"),
        ("States.Array($.a) trailing", "unexpected text after the call"),
        ("States.Array([1,2])", "unexpected character '['"),
        ("States.Array(1.)", "invalid number"),
        ("States.Array(.5)", "unexpected character '.'"),
        ("States.Array(01)", "invalid number"),
        ("States.Array(1e999)", "number out of range"),
        ("States.Array(True)", "unexpected word 'True'"),
        ("States.Array(nullx)", "unexpected word 'nullx'"),
        ("States.Array('abc)", "unterminated string literal"),
        ("States.Array('a\\nb')", "a backslash in a string literal must escape one of ' { } \\"),
        ("States.Array('say \\\"hi\\\"')", "a backslash in a string literal must escape one of"),
        ("States.Array($.a[0)", "unbalanced brackets in a path"),
        ("States.Array($.a..)", "invalid path '$.a..'"),
        ("States.Array", "expected '(' after 'States.Array'"),
        ("States.ArrayRange(1, 5)", "'States.ArrayRange' takes 3 argument(s), got 2"),
        ("States.MathRandom(1)", "'States.MathRandom' takes 2 to 3 argument(s), got 1"),
        ("States.Format()", "'States.Format' takes at least 1 argument(s), got 0"),
        ("States.UUID(1)", "'States.UUID' takes 0 argument(s), got 1"),
    ],
)
def test_syntax_errors(text: str, problem: str) -> None:
    """Malformed text, unknown functions and wrong arities are refused when compiling."""
    with pytest.raises(IntrinsicSyntaxError, match=r"^Invalid intrinsic function call") as caught:
        compile_intrinsic(text)
    assert problem in str(caught.value)


def test_non_string_definition_is_a_syntax_error() -> None:
    """A value that is not text cannot be an intrinsic call."""
    with pytest.raises(IntrinsicSyntaxError, match="must be a string"):
        compile_intrinsic(42)  # type: ignore[arg-type]


def test_syntax_error_points_at_the_problem() -> None:
    """The error carries the offset of the offending character."""
    with pytest.raises(IntrinsicSyntaxError) as caught:
        compile_intrinsic("States.Array(1, ?)")
    assert caught.value.position == 16
    assert str(caught.value).endswith("at position 16")


def test_nesting_is_limited_to_ten_calls() -> None:
    """Ten nested calls compile; an eleventh is refused."""
    ten = "States.Array(" * 10 + ")" * 10
    assert compile_intrinsic(ten).evaluate(None, None, None, random.Random()) is not None
    with pytest.raises(IntrinsicSyntaxError, match="nest more than 10 deep"):
        compile_intrinsic("States.Array(" * 11 + ")" * 11)


# --- failing path arguments ------------------------------------------------------------------


def test_missing_path_argument_names_the_whole_call() -> None:
    """A path that matches nothing fails with States.Runtime, quoting call, path and input."""
    text = "States.Format('{}', States.Format('{}', $.nope))"
    error = failure(text, {"other": 1})
    assert error.error == "States.Runtime"
    assert error.cause == (
        f"The function '{text}' had the following error: The JsonPath argument for the field "
        "'$.nope' could not be found in the input '{\"other\":1}'"
    )


def test_missing_context_argument_is_named_from_the_input_root() -> None:
    """AWS reports a ``$$`` path with a single ``$`` and quotes the state input."""
    error = failure("States.Array($$.Nope.Deep)", {"other": 1})
    assert "the field '$.Nope.Deep' could not be found in the input '{\"other\":1}'" in error.cause


def test_indexing_a_non_array_passes_the_jsonpath_message_through() -> None:
    """Indexing a non-array reports the JSONPath library's own message."""
    error = failure("States.Array($.a[0])", {"a": 1})
    assert error.cause == (
        "The function 'States.Array($.a[0])' had the following error: "
        "Filter: [0] can only be applied to arrays. Current context is: 1"
    )


def test_explicit_null_argument_is_a_value() -> None:
    """A path that holds null resolves; only absence fails."""
    assert ev("States.Format('{}', $.a)", {"a": None}) == "null"


# --- States.Format ---------------------------------------------------------------------------


def test_format_renders_values_as_aws_prints_them() -> None:
    """Strings raw, null, numbers, booleans, and Java-style lists and objects."""
    data = {"s": "x", "n": None, "i": 1, "f": 1.1, "b": True, "o": {"a": 1, "b": [1, "y"]}}
    assert ev("States.Format('{}|{}|{}|{}|{}|{}', $.s, $.n, $.i, $.f, $.b, $.o)", data) == (
        "x|null|1|1.1|true|{a=1, b=[1, y]}"
    )


def test_format_prints_floats_like_java() -> None:
    """Whole floats keep ".0"; large and small ones use Java's exponent notation."""
    assert ev("States.Format('{} {} {}', 2.0, 1e20, 0.0001)") == "2.0 1.0E20 1.0E-4"


def test_format_template_from_a_path() -> None:
    """The template may come from a path."""
    assert ev("States.Format($.t, $.n)", {"t": "Hello {}!", "n": "Ada"}) == "Hello Ada!"


def test_format_escaped_braces_are_literal() -> None:
    """``\\{`` and ``\\}`` in the template are braces, not a placeholder."""
    assert ev(r"States.Format('\{{}\}', 1)") == "{1}"


@pytest.mark.parametrize(
    "text",
    [
        "States.Format('{} {}', 1)",
        "States.Format('{}', 1, 2)",
        "States.Format('Hello {', 1)",
        "States.Format('}')",
        "States.Format('{{}}', 1)",
        "States.Format($.t)",
    ],
)
def test_format_refuses_mismatched_templates_when_run(text: str) -> None:
    """Unpaired braces, a count mismatch or a non-string template fail at run time."""
    assert_invalid(text, {"t": 5})


# --- JSON --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", None),
        ("  ", None),
        ("null", None),
        ("-0", 0),
        ("1.1", 1.1),
        ('"x"', "x"),
        ('{"a": [1, {"b": null}]}', {"a": [1, {"b": None}]}),
    ],
)
def test_string_to_json(text: str, value: Any) -> None:
    """Parses JSON text; blank text is null."""
    assert ev("States.StringToJson($.s)", {"s": text}) == value


@pytest.mark.parametrize("text", ["{", "NaN", "[1,]", "1 2"])
def test_string_to_json_refuses_invalid_json(text: str) -> None:
    """Text that is not JSON fails."""
    assert_invalid("States.StringToJson($.s)", {"s": text})


def test_string_to_json_refuses_a_non_string() -> None:
    """Only a string can be parsed."""
    assert_invalid("States.StringToJson($.s)", {"s": 1})


def test_json_to_string_writes_compact_json() -> None:
    """Compact separators, non-ASCII kept, uppercase control escapes, Java floats."""
    data = {"v": {"a": [1, 2.5, 1e20, None, True], "é": 'q"\n\u0001'}}
    assert ev("States.JsonToString($.v)", data) == (
        '{"a":[1,2.5,1.0E20,null,true],"é":"q\\"\\n\\u0001"}'
    )


def test_json_merge_is_shallow() -> None:
    """Keys of the second object win; nested objects are replaced, not merged."""
    data = {"a": {"x": {"p": 1}, "y": 1}, "b": {"x": {"q": 2}, "z": 3}}
    assert ev("States.JsonMerge($.a, $.b, false)", data) == {"x": {"q": 2}, "y": 1, "z": 3}


@pytest.mark.parametrize(
    "text",
    [
        "States.JsonMerge($.a, $.a, true)",
        "States.JsonMerge($.a, $.l, false)",
        "States.JsonMerge($.a, $.a, 'false')",
    ],
)
def test_json_merge_refuses_deep_merge_and_non_objects(text: str) -> None:
    """The deep flag, a non-object or a non-boolean flag fail."""
    assert_invalid(text, {"a": {}, "l": []})


# --- arrays ------------------------------------------------------------------------------------


def test_array_builds_a_new_list() -> None:
    """Arguments in order; no arguments give an empty list."""
    assert ev("States.Array()") == []
    assert ev("States.Array($.a, States.Array(2))", {"a": {"k": 1}}) == [{"k": 1}, [2]]


@pytest.mark.parametrize(
    ("size", "chunks"),
    [(1, [[0], [1], [2]]), (2, [[0, 1], [2]]), (5, [[0, 1, 2]]), (2.9, [[0, 1], [2]])],
)
def test_array_partition(size: float, chunks: list[list[int]]) -> None:
    """Chunks of the given size, the last one shorter; a fraction is dropped."""
    assert ev("States.ArrayPartition($.a, $.n)", {"a": [0, 1, 2], "n": size}) == chunks


@pytest.mark.parametrize("size", [0, 0.9, -1, "2", None, True])
def test_array_partition_refuses_sizes_below_one(size: Any) -> None:
    """A chunk size must be a number that is at least 1 once truncated."""
    assert_invalid("States.ArrayPartition($.a, $.n)", {"a": [1], "n": size})


def test_array_contains_compares_printed_values() -> None:
    """Equal values match; like AWS, key order matters and 1 matches "1"."""
    assert ev("States.ArrayContains($.a, $.v)", {"a": [[1, 2], 3], "v": [1, 2]}) is True
    assert (
        ev("States.ArrayContains($.a, $.v)", {"a": [{"a": 1, "b": 2}], "v": {"b": 2, "a": 1}})
        is False
    )
    assert ev("States.ArrayContains($.a, 1)", {"a": ["1"]}) is True
    assert ev("States.ArrayContains($.a, false)", {"a": [0, None]}) is False


def test_array_contains_refuses_a_non_array() -> None:
    """The first argument must be an array."""
    assert_invalid("States.ArrayContains('abc', 'a')")


@pytest.mark.parametrize(
    ("args", "values"),
    [
        ("0, 9, 3", [0, 3, 6, 9]),
        ("0, 10, 3", [0, 3, 6, 9]),
        ("5, 1, -2", [5, 3, 1]),
        ("3, 3, -1", [3]),
        ("5, 1, 1", []),
        ("1.6, 5.6, 2.2", [1, 3, 5]),
    ],
)
def test_array_range(args: str, values: list[int]) -> None:
    """Start and end inclusive, either direction; fractions are dropped."""
    assert ev(f"States.ArrayRange({args})") == values


def test_array_range_allows_one_thousand_items() -> None:
    """Exactly 1000 items is the limit."""
    assert len(ev("States.ArrayRange(1, 1000, 1)")) == 1000
    assert_invalid("States.ArrayRange(1, 1001, 1)")
    assert_invalid("States.ArrayRange(1001, 1, -1)")


@pytest.mark.parametrize("args", ["1, 10, 0", "1, 10, 0.5", "'a', 5, 1", "1, null, 1"])
def test_array_range_refuses_zero_steps_and_non_numbers(args: str) -> None:
    """A step of zero and non-numeric arguments fail."""
    assert_invalid(f"States.ArrayRange({args})")


def test_array_get_item() -> None:
    """Zero-based; a fractional index is truncated; an empty array gives null."""
    data = {"a": [10, 20, 30], "e": []}
    assert ev("States.ArrayGetItem($.a, 2)", data) == 30
    assert ev("States.ArrayGetItem($.a, 1.7)", data) == 20
    assert ev("States.ArrayGetItem($.e, 999)", data) is None


@pytest.mark.parametrize(
    "text",
    [
        "States.ArrayGetItem($.a, 3)",
        "States.ArrayGetItem($.a, -1)",
        "States.ArrayGetItem($.a, '1')",
        "States.ArrayGetItem($.s, 0)",
    ],
)
def test_array_get_item_refuses_out_of_range_and_bad_types(text: str) -> None:
    """An index past either end or a non-numeric index fails, as does a non-array."""
    assert_invalid(text, {"a": [10, 20, 30], "s": "abc"})


def test_array_length() -> None:
    """The number of top-level items; a non-array fails."""
    assert ev("States.ArrayLength($.a)", {"a": [[1, 2], {}, None]}) == 3
    assert_invalid("States.ArrayLength($.a)", {"a": {"k": 1}})


def test_array_unique_keeps_first_occurrences() -> None:
    """Structurally equal items collapse; 1 and 1.0 and true stay distinct."""
    data = {"a": [1, 1, 1.0, True, "1", {"a": 1, "b": 2}, {"b": 2, "a": 1}, [None], [None]]}
    assert ev("States.ArrayUnique($.a)", data) == [1, 1.0, True, "1", {"a": 1, "b": 2}, [None]]


# --- encoding and hashing ----------------------------------------------------------------------


def test_base64_encode_uses_utf8() -> None:
    """UTF-8 bytes, standard alphabet, padded."""
    assert ev("States.Base64Encode('Data to encode')") == "RGF0YSB0byBlbmNvZGU="
    assert ev("States.Base64Encode($.s)", {"s": "🚀"}) == "8J+agA=="
    assert ev("States.Base64Encode('')") == ""


def test_base64_decode() -> None:
    """Decodes to UTF-8 text."""
    assert ev("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')") == "Data to encode"
    assert ev("States.Base64Decode('44GT44KT44Gr44Gh44Gv')") == "こんにちは"


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [(" YWJjZA== ", "abcd"), ("YWJj ZA", "abcd"), ("YWJjZA==YWJj", "abcd"), ("YWJjZ", "abc")],
)
def test_base64_decode_is_lenient_like_aws(encoded: str, decoded: str) -> None:
    """Foreign characters are skipped, decoding stops at padding, missing padding is fine."""
    assert ev("States.Base64Decode($.s)", {"s": encoded}) == decoded


@pytest.mark.parametrize("function", ["States.Base64Encode", "States.Base64Decode"])
def test_base64_input_is_limited_to_ten_thousand_characters(function: str) -> None:
    """10,000 characters pass, 10,001 fail."""
    ev(f"{function}($.s)", {"s": "A" * 10_000})
    assert_invalid(f"{function}($.s)", {"s": "A" * 10_001})


@pytest.mark.parametrize("function", ["States.Base64Encode", "States.Base64Decode"])
def test_base64_refuses_non_strings(function: str) -> None:
    """Only strings are encoded or decoded."""
    assert_invalid(f"{function}($.s)", {"s": 123})


@pytest.mark.parametrize(
    ("algorithm", "name"),
    [
        ("MD5", "md5"),
        ("SHA-1", "sha1"),
        ("SHA-256", "sha256"),
        ("SHA-384", "sha384"),
        ("SHA-512", "sha512"),
    ],
)
def test_hash_algorithms(algorithm: str, name: str) -> None:
    """Lowercase hex digest of the UTF-8 bytes."""
    expected = hashlib.new(name, b"input data").hexdigest()
    assert ev(f"States.Hash('input data', '{algorithm}')") == expected


def test_hash_known_digest() -> None:
    """Matches a digest recorded on AWS."""
    assert ev("States.Hash('input data', 'MD5')") == "812f45842bc6d66ee14572ce20db8e86"


@pytest.mark.parametrize("algorithm", ["'sha-256'", "'SHA256'", "''", "123"])
def test_hash_refuses_unknown_algorithms(algorithm: str) -> None:
    """Algorithm names are exact and case-sensitive."""
    assert_invalid(f"States.Hash('data', {algorithm})")


def test_hash_input_is_limited_to_ten_thousand_characters() -> None:
    """10,000 characters pass, 10,001 fail."""
    ev("States.Hash($.s, 'MD5')", {"s": "a" * 10_000})
    assert_invalid("States.Hash($.s, 'MD5')", {"s": "a" * 10_001})


def test_hash_prints_non_strings() -> None:
    """A number is hashed by its printed form, as AWS does."""
    assert ev("States.Hash(123, 'MD5')") == hashlib.md5(b"123").hexdigest()


# --- math, strings and identifiers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "total"),
    [
        (-9, 3, -6),
        (1.49, 1.5, 3),
        (0.5, 0, 1),
        (-0.5, 0, 0),
        (-1.5, 0, -1),
        (-1.51, 0, -2),
        (2.5, 0, 3),
        (-2.5, 0, -2),
        (0.49999999999999994, 0, 0),
    ],
)
def test_math_add_rounds_half_up(first: float, second: float, total: int) -> None:
    """Each argument is rounded half up (towards positive infinity) before adding."""
    assert ev("States.MathAdd($.a, $.b)", {"a": first, "b": second}) == total


@pytest.mark.parametrize(
    ("first", "second"), [("1", 1), (None, 1), (True, 1), (2**31, 0), (2**31 - 1, 1)]
)
def test_math_add_refuses_non_numbers_and_int_overflow(first: Any, second: Any) -> None:
    """Arguments and the sum must be 32-bit integers."""
    assert_invalid("States.MathAdd($.a, $.b)", {"a": first, "b": second})


def test_math_random_draws_from_the_execution_rng() -> None:
    """Without a seed the value comes from ``rng``: start inclusive, end exclusive."""
    values = {ev("States.MathRandom(1, 4)", rng=random.Random(seed)) for seed in range(50)}
    assert values == {1, 2, 3}
    again = [ev("States.MathRandom(0, 1000000)", rng=random.Random(7)) for _ in range(2)]
    assert again[0] == again[1]


def test_math_random_with_a_seed_ignores_the_rng() -> None:
    """A seeded call gives the same value whatever the execution's random source."""
    values = {ev("States.MathRandom(0, 1000, 3)", rng=random.Random(seed)) for seed in range(5)}
    assert len(values) == 1
    assert 0 <= values.pop() < 1000


@pytest.mark.parametrize("args", ["1, 1", "10, 5", "1.4, 1.6", "'a', 10", "1, 10, null"])
def test_math_random_refuses_empty_ranges_and_non_numbers(args: str) -> None:
    """The truncated start must be below the truncated end; every argument is a number."""
    assert_invalid(f"States.MathRandom({args})")


@pytest.mark.parametrize(
    ("text", "delimiters", "pieces"),
    [
        ("1,2,3", ",", ["1", "2", "3"]),
        (", , ,", ",", [" ", " "]),
        (",,,,", ",", []),
        ("This.is+a,test=string", ".+,=", ["This", "is", "a", "test", "string"]),
        ("split on T and \nnew line", "T\n", ["split on ", " and ", "new line"]),
        ("abc", "", ["abc"]),
        ("", ",", []),
    ],
)
def test_string_split(text: str, delimiters: str, pieces: list[str]) -> None:
    """Each delimiter character splits; empty pieces are dropped."""
    assert ev("States.StringSplit($.s, $.d)", {"s": text, "d": delimiters}) == pieces


def test_string_split_refuses_non_strings() -> None:
    """Both arguments must be strings."""
    assert_invalid("States.StringSplit($.s, ',')", {"s": ["a,b"]})


def test_uuid_is_a_version_4_uuid_from_the_rng() -> None:
    """The UUID is drawn from ``rng``, so a replay gives the same one."""
    value = ev("States.UUID()", rng=random.Random(1))
    assert uuid.UUID(value).version == 4
    assert value == ev("States.UUID()", rng=random.Random(1))
    assert value == str(uuid.UUID(int=random.Random(1).getrandbits(128), version=4))


# --- properties --------------------------------------------------------------------------------


@given(st.text(max_size=200))
def test_base64_round_trip(text: str) -> None:
    """Decoding an encoded string gives it back, and the encoding is standard Base64."""
    encoded = ev("States.Base64Encode($.s)", {"s": text})
    assert encoded == base64.b64encode(text.encode()).decode()
    assert ev("States.Base64Decode($.s)", {"s": encoded}) == text


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=1, max_value=60))
def test_array_partition_reassembles(items: list[int], size: int) -> None:
    """Concatenated chunks give the array back; all chunks but the last are full."""
    chunks = ev("States.ArrayPartition($.a, $.n)", {"a": items, "n": size})
    assert [item for chunk in chunks for item in chunk] == items
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


@given(
    st.integers(min_value=-500, max_value=500),
    st.integers(min_value=-500, max_value=500),
    st.integers(min_value=-50, max_value=50).filter(bool),
)
def test_array_range_length(start: int, end: int, step: int) -> None:
    """The range matches Python's inclusive range of the same bounds."""
    expected = list(range(start, end + (1 if step > 0 else -1), step))
    assert ev(f"States.ArrayRange({start}, {end}, {step})") == expected


@given(st.text(max_size=40), st.text(max_size=40))
def test_format_with_arbitrary_literal_text(prefix: str, value: str) -> None:
    """Any text, escaped into the template literal, comes back verbatim around the value."""
    template = literal(prefix)[:-1] + "{}'"
    assert ev(f"States.Format({template}, $.v)", {"v": value}) == prefix + value


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_round_trips(value: float) -> None:
    """Java's float text parses back to the same float."""
    assert float(java_double(value)) == value
