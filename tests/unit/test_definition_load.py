"""Loading definitions: mappings, JSON and YAML text, files, and ``${Name}`` substitutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestra import StateMachine
from orchestra._definition.load import load_definition, load_definition_file
from orchestra.errors import DefinitionError, Diagnostic

MACHINE = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
YAML_MACHINE = """\
StartAt: Done
States:
  Done:
    Type: Pass
    End: true
"""


def _only(error: pytest.ExceptionInfo[DefinitionError]) -> Diagnostic:
    (diagnostic,) = error.value.diagnostics
    return diagnostic


def test_mapping_is_used_as_is() -> None:
    """A mapping without substitutions comes back with the same content."""
    assert load_definition(MACHINE) == MACHINE


def test_mapping_substitutions_fill_nested_strings() -> None:
    """Substitutions reach every string of a mapping, nested in objects and arrays."""
    source = {"States": {"${Name}": {"Resource": "${Arn}", "List": ["x-${Arn}", 3]}}}
    loaded = load_definition(source, substitutions={"Name": "Go", "Arn": "arn:a"})
    assert loaded == {"States": {"Go": {"Resource": "arn:a", "List": ["x-arn:a", 3]}}}


def test_json_text() -> None:
    """JSON text is parsed."""
    assert load_definition(json.dumps(MACHINE)) == MACHINE


def test_yaml_text() -> None:
    """YAML text is parsed."""
    assert load_definition(YAML_MACHINE) == MACHINE


def test_bytes() -> None:
    """UTF-8 bytes (with or without a BOM) are text."""
    assert load_definition(b"\xef\xbb\xbf" + json.dumps(MACHINE).encode()) == MACHINE


@pytest.mark.parametrize(
    "name", ["m.json", "m.asl.json", "m.asl", "m.yaml", "m.yml", "m.asl.yaml", "m.asl.yml"]
)
def test_file_of_every_suffix(tmp_path: Path, name: str) -> None:
    """Files of every supported suffix load, given as a string path."""
    path = tmp_path / name
    path.write_text(YAML_MACHINE if "y" in path.suffix else json.dumps(MACHINE))
    assert load_definition_file(str(path)) == MACHINE


def test_file_without_suffix(tmp_path: Path) -> None:
    """A ``PathLike`` without a known suffix is read too."""
    path = tmp_path / "definition"
    path.write_text(json.dumps(MACHINE))
    assert load_definition_file(path) == MACHINE


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    """A path to a missing file raises the usual ``FileNotFoundError``."""
    with pytest.raises(FileNotFoundError):
        load_definition_file(str(tmp_path / "missing.asl.json"))


def test_from_file_names_the_machine_after_the_file(tmp_path: Path) -> None:
    """``from_file`` names the machine after the file, up to its first dot, cleaned."""
    path = tmp_path / "order flow.asl.json"
    path.write_text(json.dumps(MACHINE))
    assert StateMachine.from_file(path).name == "order-flow"
    assert StateMachine.from_file(str(path), name="orders").name == "orders"


def test_from_file_fills_placeholders(tmp_path: Path) -> None:
    """``from_file`` fills ``${Name}`` placeholders before parsing."""
    path = tmp_path / "m.asl.yaml"
    path.write_text(YAML_MACHINE.replace("Pass", "${Kind}"))
    machine = StateMachine.from_file(path, substitutions={"Kind": "Pass"})
    assert machine.definition["States"]["Done"]["Type"] == "Pass"


def test_from_definition_names_the_machine_statemachine() -> None:
    """Without a name, a machine made from text is called ``StateMachine``."""
    assert StateMachine.from_definition(json.dumps(MACHINE)).name == "StateMachine"


@pytest.mark.parametrize("suffix", [".asl.json", ".json", ".yaml"])
def test_from_definition_never_opens_a_file(tmp_path: Path, suffix: str) -> None:
    """A string naming an existing file is text to parse, never a file to read."""
    path = tmp_path / f"machine{suffix}"
    path.write_text(json.dumps(MACHINE))
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(str(path))
    diagnostic = _only(error)
    assert diagnostic.code == "INVALID_JSON_DESCRIPTION"
    assert diagnostic.message.startswith('Expecting value\n at [Source: (String)"/')
    assert "StartAt" not in str(error.value)


def test_from_definition_refuses_a_pathlike(tmp_path: Path) -> None:
    """A ``PathLike`` given to ``from_definition`` is a TypeError pointing at ``from_file``."""
    path = tmp_path / "machine.asl.json"
    path.write_text(json.dumps(MACHINE))
    with pytest.raises(TypeError, match="read a file with from_file"):
        StateMachine.from_definition(path)  # type: ignore[arg-type]


def test_unquoted_placeholder_becomes_a_number() -> None:
    """A placeholder outside quotes is filled before parsing, so JSON reads a number."""
    text = '{"StartAt": "A", "TimeoutSeconds": ${Timeout}, "States": {}}'
    loaded = load_definition(text, substitutions={"Timeout": "300"})
    assert loaded["TimeoutSeconds"] == 300


def test_string_substitution_is_inserted_as_is() -> None:
    """A string value is inserted verbatim, inside the quotes around the placeholder."""
    text = '{"Resource": "arn:${Partition}:lambda:${Region}:1:function:f"}'
    loaded = load_definition(text, substitutions={"Partition": "aws", "Region": "eu-west-1"})
    assert loaded == {"Resource": "arn:aws:lambda:eu-west-1:1:function:f"}


def test_non_string_substitution_uses_its_json_spelling() -> None:
    """Numbers, booleans and None are inserted as JSON spells them."""
    text = '{"a": ${N}, "b": ${Flag}, "c": ${Nothing}}'
    loaded = load_definition(text, substitutions={"N": 2.5, "Flag": True, "Nothing": None})
    assert loaded == {"a": 2.5, "b": True, "c": None}


def test_unfilled_placeholder_is_left_as_written() -> None:
    """A placeholder with no value stays in the text."""
    loaded = load_definition('{"a": "${Missing}"}', substitutions={"Other": "x"})
    assert loaded == {"a": "${Missing}"}


def test_yaml_yes_and_no_stay_strings() -> None:
    """YAML 1.1 booleans (Yes, No, on, off) are strings, as YAML 1.2 reads them."""
    loaded = load_definition("Yes: No\non: off\ny: n\n")
    assert loaded == {"Yes": "No", "on": "off", "y": "n"}


def test_yaml_true_and_false_are_booleans_in_any_case() -> None:
    """Only true and false, in any case, are booleans."""
    assert load_definition("a: true\nb: FALSE\nc: True\n") == {"a": True, "b": False, "c": True}


def test_yaml_timestamps_stay_strings() -> None:
    """A bare date in YAML stays the string that was written."""
    loaded = load_definition("Timestamp: 2016-03-14T01:59:00Z\n")
    assert loaded == {"Timestamp": "2016-03-14T01:59:00Z"}


def test_trailing_comma_is_accepted() -> None:
    """JSON with trailing commas loads."""
    assert load_definition('{"a": [1, 2,], "b": {"c": 3,},}') == {"a": [1, 2], "b": {"c": 3}}


def test_comments_are_accepted() -> None:
    """JSON with ``//`` and ``/* */`` comments loads; comment markers inside strings stay."""
    text = '{\n  // line\n  "a": "http://x", /* block */ "b": 1, // last\n}'
    assert load_definition(text) == {"a": "http://x", "b": 1}


def test_json_syntax_error_has_line_and_column() -> None:
    """A JSON error names the problem, its line and its column."""
    with pytest.raises(DefinitionError) as error:
        load_definition('{\n  "a": [1, 2}\n}')
    diagnostic = _only(error)
    assert diagnostic.code == "INVALID_JSON_DESCRIPTION"
    assert diagnostic.pointer == "/"
    assert diagnostic.message.startswith("Expecting ',' delimiter\n at [Source: (String)")
    assert diagnostic.message.endswith("; line: 2, column: 13]")


def test_bare_word_reads_as_aws_does() -> None:
    """Text that is not a definition gets the message AWS returns for it."""
    with pytest.raises(DefinitionError) as error:
        load_definition("not a definition")
    assert _only(error).message == (
        "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token "
        "'null', 'true' or 'false')\n"
        ' at [Source: (String)"not a definition"; line: 1, column: 4]'
    )


def test_yaml_syntax_error_has_line_and_column() -> None:
    """A YAML error names the problem, its line and its column."""
    with pytest.raises(DefinitionError) as error:
        load_definition("a: [1\nb: 2\n")
    diagnostic = _only(error)
    assert diagnostic.code == "INVALID_JSON_DESCRIPTION"
    assert (
        diagnostic.message == "Invalid YAML: expected ',' or ']', but got ':' at line 2, column 2"
    )


def test_python_tags_are_rejected() -> None:
    """Only safe YAML is read: a ``!!python/object`` tag is an error, never an object."""
    with pytest.raises(DefinitionError) as error:
        load_definition("a: !!python/object:os.system {}\n")
    assert "could not determine a constructor" in _only(error).message


@pytest.mark.parametrize("text", ["", "   \n", "[1, 2]", "42"])
def test_text_must_hold_an_object(text: str) -> None:
    """Blank text and non-object documents are rejected as AWS rejects them."""
    with pytest.raises(DefinitionError) as error:
        load_definition(text)
    assert _only(error) == Diagnostic(
        "SCHEMA_VALIDATION_FAILED", "/", "Definition must be a valid JSON object"
    )


def test_json_error_quotes_a_short_excerpt() -> None:
    """A JSON error quotes the first 80 characters of the text, in Jackson's truncated form."""
    text = '{"Comment": "' + "x" * 300 + '", "StartAt": "A",, "States": {}}'
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(text)
    assert _only(error).message == (
        "Expecting property name enclosed in double quotes\n"
        f' at [Source: (String)"{text[:80]}"[truncated {len(text) - 80} chars]; '
        "line: 1, column: 332]"
    )


def test_file_error_quotes_no_content(tmp_path: Path) -> None:
    """A JSON error in a file names the source as a file and quotes none of its content."""
    path = tmp_path / "broken.asl.json"
    path.write_text('{\n  "Secret": "s3cr3t",\n  "StartAt": "A",,\n}')
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_file(path)
    assert _only(error).message == (
        "Expecting property name enclosed in double quotes\n"
        " at [Source: (File); line: 3, column: 18]"
    )
    assert "s3cr3t" not in str(error.value)


def test_yaml_error_quotes_a_short_excerpt() -> None:
    """A YAML problem that quotes the document (an alias name) is cut to a short excerpt."""
    problem = f"found undefined alias '{'a' * 200}'"
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(f"StartAt: *{'a' * 200}\n")
    assert _only(error).message == (
        f"Invalid YAML: {problem[:80]}[truncated {len(problem) - 80} chars] at line 1, column 10"
    )


def test_bytes_must_be_utf8() -> None:
    """Bytes that are not UTF-8 are a DefinitionError naming the offending byte."""
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(b'{"StartAt": "\xff"}')
    assert _only(error) == Diagnostic(
        "INVALID_JSON_DESCRIPTION", "/", "Invalid UTF-8 invalid start byte at byte 13"
    )


@pytest.mark.parametrize("source", [None, [MACHINE], 42])
def test_source_of_another_type_is_not_an_object(source: object) -> None:
    """A source that is neither a mapping nor text is rejected as AWS rejects a non-object."""
    with pytest.raises(DefinitionError) as error:
        StateMachine.from_definition(source)  # type: ignore[arg-type]
    assert _only(error) == Diagnostic(
        "SCHEMA_VALIDATION_FAILED", "/", "Definition must be a valid JSON object"
    )
