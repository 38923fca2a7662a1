"""Definition validation: every rule family, pointers and messages, all problems at once."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra import StateMachine
from orchestra._definition.validate import validate_definition
from orchestra.errors import DefinitionError, Diagnostic

SCHEMA = "SCHEMA_VALIDATION_FAILED"
TRANSITION = "MISSING_TRANSITION_TARGET"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"


def machine(*states: tuple[str, dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A machine of ``states`` in order, starting at the first."""
    return {"StartAt": states[0][0], "States": dict(states), **top}


def task(next_state: str | None = None, **fields: Any) -> dict[str, Any]:
    """A Task state going to ``next_state``, or ending the machine."""
    flow = {"Next": next_state} if next_state else {"End": True}
    return {"Type": "Task", "Resource": LAMBDA, **flow, **fields}


def problems(definition: dict[str, Any], **options: Any) -> list[tuple[str, str, str]]:
    """The diagnostics for ``definition`` as (code, pointer, message) triples."""
    return [(d.code, d.pointer, d.message) for d in validate_definition(definition, **options)]


def schema(pointer: str, message: str) -> list[tuple[str, str, str]]:
    """The single schema diagnostic expected at ``pointer``."""
    return [(SCHEMA, pointer, message)]


def test_minimal_machine_is_valid() -> None:
    """A single Pass state that ends the machine is valid."""
    assert problems(machine(("Done", {"Type": "Pass", "End": True}))) == []


# --- the machine ---------------------------------------------------------------------------


def test_top_level_required_fields() -> None:
    """An empty definition lacks States and StartAt, in AWS's order."""
    assert problems({}) == schema("/", "These fields are required: [States, StartAt]")


def test_missing_states_is_the_only_problem_reported() -> None:
    """Without States, StartAt is not also reported as a missing target (AWS's answer)."""
    definition = {"Comment": "BASE_INVALID_DER", "StartAt": "State_1"}
    diagnostics = validate_definition(definition)
    assert DefinitionError(diagnostics).message == (
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: "
        "[States] at /'"
    )


def test_top_level_unknown_field() -> None:
    """A field the machine does not define is reported at the root."""
    definition = machine(("A", {"Type": "Succeed"}), Coment="typo")
    assert problems(definition) == schema("/", "Field 'Coment' is not supported")


def test_top_level_field_types() -> None:
    """Comment and Version are strings, TimeoutSeconds a positive integer."""
    definition = machine(("A", {"Type": "Succeed"}), Comment=1, Version=1.0, TimeoutSeconds=0)
    assert problems(definition) == [
        (SCHEMA, "/Comment", "Expected value of type [STRING]"),
        (SCHEMA, "/Version", "Expected value of type [STRING]"),
        (SCHEMA, "/TimeoutSeconds", "Minimum value is 1"),
    ]


def test_query_language_enum() -> None:
    """QueryLanguage is JSONPath or JSONata."""
    definition = machine(("A", {"Type": "Succeed"}), QueryLanguage="jsonpath")
    assert problems(definition) == schema(
        "/QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]"
    )


def test_start_at_must_name_a_state() -> None:
    """StartAt naming no state is a missing transition target; nothing is then reachable."""
    definition = {"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}
    assert problems(definition) == [
        (TRANSITION, "/StartAt", "Missing 'Next' target: Nope"),
        (TRANSITION, "/States/A", 'State "A" is not reachable.'),
    ]


def test_missing_next_target() -> None:
    """A Next naming no state is reported at that Next."""
    definition = machine(("A", {"Type": "Pass", "Next": "Ghost"}), ("B", {"Type": "Succeed"}))
    assert problems(definition) == [
        (TRANSITION, "/States/A/Next", "Missing 'Next' target: Ghost"),
        (TRANSITION, "/States/B", 'State "B" is not reachable.'),
    ]


def test_no_terminal_state() -> None:
    """A top-level loop without a way out has no terminal state, reported without a location."""
    definition = machine(("A", {"Type": "Pass", "Next": "B"}), ("B", {"Type": "Pass", "Next": "A"}))
    diagnostics = validate_definition(definition)
    assert diagnostics == [Diagnostic("MISSING_END_STATE", "", "Workflow has no terminal state")]
    assert DefinitionError(diagnostics).message == (
        "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state "
        "at null'"
    )


def test_definition_error_message_joins_problems_as_aws_does() -> None:
    """DefinitionError.message lists every problem with its code and location."""
    diagnostics = validate_definition(
        machine(("A", {"Type": "Pass", "Next": "X"}), ("B", {"Type": "Succeed"}))
    )
    assert DefinitionError(diagnostics).message == (
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: X "
        'at /States/A/Next, MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B\''
    )


def test_pointer_tokens_are_escaped() -> None:
    """State names holding ``/`` and ``~`` are escaped in pointers as RFC 6901 says."""
    definition = machine(("a/b~c", {"Type": "Pass", "InputPath": "x", "End": True}))
    assert problems(definition) == schema(
        "/States/a~1b~0c/InputPath", "The value for the field 'InputPath' must be a valid JSONPath"
    )


def test_an_index_too_long_to_convert_is_an_invalid_path() -> None:
    """An array index of more digits than Python converts is refused, not a crash."""
    index = "1" * 5000
    definition = machine(("P", {"Type": "Pass", "InputPath": f"$[{index}]", "End": True}))
    assert rejected(definition) == schema(
        "/States/P/InputPath", "The value for the field 'InputPath' must be a valid JSONPath"
    )


def test_an_intrinsic_number_too_long_to_convert_is_invalid() -> None:
    """An integer argument of more digits than Python converts is refused, not a crash."""
    call = f"States.MathAdd({'1' * 5000}, 1)"
    definition = machine(("P", {"Type": "Pass", "Parameters": {"n.$": call}, "End": True}))
    assert rejected(definition) == schema(
        "/States/P/Parameters",
        "The value for the field 'n.$' must be a valid JSONPath or a valid intrinsic function call",
    )


def test_delimiters_alone_are_no_expression() -> None:
    """``{%}`` holds no expression: a number field refuses it as text, as the compiler reads it."""
    definition = machine(("T", task(TimeoutSeconds="{%}")), QueryLanguage="JSONata")
    assert rejected(definition) == schema(
        "/States/T/TimeoutSeconds", "Expected value of type [INTEGER]"
    )


def test_duplicate_state_names_across_scopes() -> None:
    """State names are unique across the whole machine, branches included."""
    branch = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    definition = machine(("A", {"Type": "Parallel", "Branches": [branch], "End": True}))
    assert problems(definition) == [
        ("DUPLICATE_STATE_NAME", "/States/A/Branches/0/States/A", "Duplicate State name: A")
    ]


def test_state_name_length() -> None:
    """State names longer than 80 characters are rejected."""
    name = "n" * 81
    assert problems(machine((name, {"Type": "Succeed"}))) == [
        ("INVALID_STATE_NAME", f"/States/{name}", "State names must be at most 80 characters long")
    ]


# --- states in general ---------------------------------------------------------------------


def test_state_type_is_required_and_known() -> None:
    """Type is required and must name a state type."""
    definition = machine(("A", {"End": True}), ("B", {"Type": "Sleep", "End": True}))
    assert problems(definition)[:2] == [
        (SCHEMA, "/States/A", "These fields are required: [Type]"),
        (
            SCHEMA,
            "/States/B/Type",
            "Value should be one of the following: "
            "[Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map]",
        ),
    ]


def test_field_not_supported_by_state_type() -> None:
    """Fields another state type owns are reported at the state, as AWS does."""
    definition = machine(("X", {"Type": "Pass", "TimeoutSeconds": 5, "Retry": [], "End": True}))
    assert problems(definition) == [
        (SCHEMA, "/States/X", "Field 'TimeoutSeconds' is not supported"),
        (SCHEMA, "/States/X", "Field 'Retry' is not supported"),
    ]


def test_next_and_end_together() -> None:
    """A state cannot both continue and end."""
    definition = machine(
        ("A", {"Type": "Pass", "Next": "B", "End": True}), ("B", {"Type": "Succeed"})
    )
    assert problems(definition) == schema(
        "/States/A", "There should only be one of the following fields: [Next, End]"
    )


def test_next_or_end_required() -> None:
    """A non-terminal state needs Next or End: true."""
    definition = machine(("A", {"Type": "Wait", "Seconds": 1, "End": False}))
    assert (
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
        "Either 'Next' or 'End': true is required",
    ) in (problems(definition))


def test_terminal_states_take_no_transition() -> None:
    """Succeed and Fail states have neither Next nor End."""
    definition = machine(("A", {"Type": "Succeed", "End": True}))
    assert problems(definition) == schema("/States/A", "Field 'End' is not supported")


# --- paths and templates -------------------------------------------------------------------


def test_paths_and_reference_paths() -> None:
    """InputPath and OutputPath are paths, ResultPath a reference path; all may be null."""
    state = {
        "Type": "Pass",
        "InputPath": "x",
        "OutputPath": None,
        "ResultPath": "$.a[*]",
        "End": True,
    }
    assert problems(machine(("A", state))) == [
        (
            SCHEMA,
            "/States/A/InputPath",
            "The value for the field 'InputPath' must be a valid JSONPath",
        ),
        (
            SCHEMA,
            "/States/A/ResultPath",
            "The value for the field 'ResultPath' must be a valid ReferencePath",
        ),
    ]


def test_null_paths_are_valid() -> None:
    """InputPath, OutputPath and ResultPath may be null."""
    state = {"Type": "Pass", "InputPath": None, "OutputPath": None, "ResultPath": None, "End": True}
    assert problems(machine(("A", state))) == []


def test_payload_template_dynamic_values() -> None:
    """A ``.$`` value must be a path, a context path or an intrinsic, at any depth."""
    parameters = {
        "ok.$": "$.a",
        "context.$": "$$.Execution.Id",
        "call.$": "States.Format('{}', $.a)",
        "nested": {"bad.$": "no path"},
        "list": [{"worse.$": 3}],
    }
    assert problems(machine(("A", task(Parameters=parameters)))) == [
        (
            SCHEMA,
            "/States/A/Parameters/nested",
            "The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic "
            "function call",
        ),
        (
            SCHEMA,
            "/States/A/Parameters/list/0",
            "The value for the field 'worse.$' must be a valid JSONPath or a valid intrinsic "
            "function call",
        ),
    ]


def rejected(definition: dict[str, Any], **options: Any) -> list[tuple[str, str, str]]:
    """The (code, pointer, message) triples StateMachine.from_definition refuses it with."""
    with pytest.raises(DefinitionError) as caught:
        StateMachine.from_definition(definition, **options)
    return [(d.code, d.pointer, d.message) for d in caught.value.diagnostics]


def both(key: str, pointer: str) -> tuple[str, str, str]:
    """AWS's diagnostic for a ``.$`` field beside the plain field it is renamed to."""
    plain = key.removesuffix(".$")
    return (
        SCHEMA,
        pointer,
        f"Cannot have both the field '{key}' and the field '{plain}' at the same time",
    )


def test_template_field_beside_its_dynamic_twin() -> None:
    """A field and the same name with ".$" in one Parameters object are refused."""
    state = task(Parameters={"FunctionName": "f", "Payload": {}, "Payload.$": "$"})
    assert rejected(machine(("Invoke", state))) == [both("Payload.$", "/States/Invoke/Parameters")]


def test_template_twins_are_found_at_any_depth() -> None:
    """Nested objects and objects inside arrays are checked, each at its own pointer."""
    parameters = {"a": {"b": 1, "b.$": "$.b"}, "list": [{"c.$": "$.c", "c": 2}]}
    assert rejected(machine(("P", {"Type": "Pass", "Parameters": parameters, "End": True}))) == [
        both("b.$", "/States/P/Parameters/a"),
        both("c.$", "/States/P/Parameters/list/0"),
    ]


def test_template_twins_in_every_jsonpath_template() -> None:
    """ResultSelector, Assign, ItemSelector, ItemReader and BatchInput templates, Credentials."""
    processor = {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
    twins = {"k": 1, "k.$": "$.k"}
    definition = machine(
        (
            "T",
            task(
                "M",
                ResultSelector=twins,
                Assign=twins,
                Credentials={"RoleArn": "arn:aws:iam::1:role/r", "RoleArn.$": "$.role"},
            ),
        ),
        (
            "M",
            {
                "Type": "Map",
                "ItemProcessor": processor,
                "ItemSelector": twins,
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": twins},
                "ItemBatcher": {"BatchInput": twins},
                "End": True,
            },
        ),
    )
    assert rejected(definition) == [
        both("k.$", "/States/T/ResultSelector"),
        both("k.$", "/States/T/Assign"),
        both("RoleArn.$", "/States/T/Credentials"),
        both("k.$", "/States/M/ItemSelector"),
        both("k.$", "/States/M/ItemReader/Parameters"),
        both("k.$", "/States/M/ItemBatcher/BatchInput"),
    ]


_PLAIN_NAMES = st.text(min_size=1, max_size=12).filter(lambda text: not text.endswith(".$"))


@settings(max_examples=60, deadline=None)
@given(
    name=_PLAIN_NAMES,
    path=st.lists(_PLAIN_NAMES, max_size=3),
)
def test_any_twin_is_refused_where_it_sits(name: str, path: list[str]) -> None:
    """Whatever the name and however deep, a field beside its ".$" twin is one problem."""
    template: dict[str, Any] = {name: 1, f"{name}.$": "$.x"}
    for key in reversed(path):
        template = {key: template}
    pointer = "/States/P/Parameters"
    for key in path:
        pointer += "/" + key.replace("~", "~0").replace("/", "~1")
    definition = machine(("P", {"Type": "Pass", "Parameters": template, "End": True}))
    assert problems(definition) == [both(f"{name}.$", pointer)]


def test_template_names_that_do_not_collide() -> None:
    """A field "a.$.$" becomes "a.$", no plain "a"; JSONata fields keep ".$" in their names."""
    jsonpath = {"Type": "Pass", "Parameters": {"a.$.$": "$.x", "a.$": "$.y"}, "End": True}
    jsonata = {"Type": "Pass", "Output": {"a": 1, "a.$": "x"}, "End": True}
    StateMachine.from_definition(machine(("P", jsonpath)))
    StateMachine.from_definition(machine(("P", jsonata), QueryLanguage="JSONata"))


def test_assign_is_an_object_in_both_languages() -> None:
    """Assign is accepted in JSONPath and JSONata states, and must be an object."""
    definition = machine(
        ("A", {"Type": "Pass", "Assign": {"x.$": "$.a", "y": "{% 1 %}"}, "Next": "B"}),
        (
            "B",
            {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"z": "{% 2 %}"}, "Next": "C"},
        ),
        ("C", {"Type": "Pass", "Assign": [1], "End": True}),
    )
    assert problems(definition) == schema("/States/C/Assign", "Expected value of type [OBJECT]")


# --- query languages -----------------------------------------------------------------------


def test_jsonata_field_in_jsonpath_state() -> None:
    """Output, Arguments and Items belong to JSONata; AWS reports them at the state."""
    definition = machine(("T", task(Output={}, Arguments={})))
    message = "The QueryLanguage is set to 'JSONPath', but field '{}' is only supported for the 'JSONata' QueryLanguage"
    assert problems(definition) == [
        (SCHEMA, "/States/T", message.format("Output")),
        (SCHEMA, "/States/T", message.format("Arguments")),
    ]


def test_jsonpath_field_in_jsonata_state() -> None:
    """Paths, Parameters and ResultSelector belong to JSONPath."""
    state = {"Type": "Pass", "InputPath": "$.a", "Parameters": {}, "End": True}
    definition = machine(("X", state), QueryLanguage="JSONata")
    message = "The QueryLanguage is set to 'JSONata', but field '{}' is only supported for the 'JSONPath' QueryLanguage"
    assert problems(definition) == [
        (SCHEMA, "/States/X", message.format("InputPath")),
        (SCHEMA, "/States/X", message.format("Parameters")),
    ]


def test_jsonata_machine_cannot_hold_a_jsonpath_state() -> None:
    """A state cannot downgrade a JSONata machine to JSONPath."""
    definition = machine(
        ("P", {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}), QueryLanguage="JSONata"
    )
    assert problems(definition) == schema(
        "/States/P",
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
    )


def test_nested_states_inherit_the_machine_language() -> None:
    """A JSONata Map leaves its item processor on the machine's JSONPath, as AWS validated."""
    processor = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}},
    }
    mapped = {"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": processor, "End": True}
    assert problems(machine(("Map", mapped), QueryLanguage="JSONPath")) == []


def test_item_processor_has_no_query_language() -> None:
    """QueryLanguage is a field of states and the machine, not of item processors."""
    processor = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
    definition = machine(("M", {"Type": "Map", "ItemProcessor": processor, "End": True}))
    assert problems(definition) == schema(
        "/States/M/ItemProcessor", "Field 'QueryLanguage' is not supported"
    )


def test_jsonata_values_accept_expressions() -> None:
    """In JSONata, numbers and timestamps may be ``{% %}`` expressions."""
    definition = machine(
        ("W", {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "Next": "T"}),
        ("T", task(TimeoutSeconds="{% 5 %}", Arguments="{% $states.input %}")),
        QueryLanguage="JSONata",
    )
    assert problems(definition) == []


# --- Task ----------------------------------------------------------------------------------


def test_task_resource_required() -> None:
    """A Task names its Resource."""
    assert problems(machine(("T", {"Type": "Task", "End": True}))) == schema(
        "/States/T", "These fields are required: [Resource]"
    )


def test_task_timeouts() -> None:
    """Timeouts are positive, exclusive with their paths, and the heartbeat is the shorter."""
    definition = machine(
        ("A", task("B", TimeoutSeconds=0)),
        ("B", task("C", TimeoutSeconds=5, TimeoutSecondsPath="$.t")),
        ("C", task(TimeoutSeconds=5, HeartbeatSeconds=5)),
    )
    assert problems(definition) == [
        (SCHEMA, "/States/A/TimeoutSeconds", "Minimum value is 1"),
        (
            SCHEMA,
            "/States/B",
            "There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath]",
        ),
        (
            SCHEMA,
            "/States/C/HeartbeatSeconds",
            "HeartbeatSeconds must be smaller than TimeoutSeconds",
        ),
    ]


@pytest.mark.parametrize("credentials", [{}, {"InvalidField": "x"}])
def test_task_credentials_need_a_role(credentials: dict[str, Any]) -> None:
    """Credentials name a RoleArn, in AWS's words."""
    definition = machine(("S", task(Credentials=credentials)))
    assert problems(definition) == schema(
        "/States/S/Credentials", "The field 'RoleArn' is required but was missing"
    )


def test_unknown_optimised_integration() -> None:
    """An action an optimised integration does not offer is rejected in AWS's words."""
    definition = machine(("Q", task(Resource="arn:aws:states:::dynamodb:query")))
    assert problems(definition) == schema(
        "/States/Q/Resource",
        "The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is "
        "not a valid resource ARN, or the resource is not available in this region.",
    )


NOT_AN_ARN = "Value is not a valid resource ARN"


def not_recognized(resource: str) -> str:
    """AWS's message for a Resource that is ARN-shaped but names nothing it knows."""
    return (
        f"The resource provided {resource} is not recognized. The value is not a valid "
        "resource ARN, or the resource is not available in this region."
    )


@pytest.mark.parametrize(
    "resource",
    [
        "${ResolveConfigLambdaArn}",
        "arn:aws:lambda:${AWS::Region}:123456789012:function:work",
        "arn:${AWS::Partition}:states:::lambda:invoke",
        "arn:aws:lambda",
        "arn:aws:lambda:us-east-1:123456789012",
        "arn:aws:states:::lambda:invoke ",
        "arn::states:::lambda:invoke",
        "",
    ],
)
def test_task_resource_must_be_an_arn(resource: str) -> None:
    """A Resource that keeps an unfilled placeholder, or is a broken ARN, is refused."""
    definition = machine(("T", task(Resource=resource)))
    assert rejected(definition) == schema("/States/T/Resource", NOT_AN_ARN)


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:work:",
        "arn:aws:lambda:us-east-1:123456789012:function:work:bad!",
        "arn:aws:lambda:us-east-1:123456789012:function:work:1:2",
        "arn:aws:lambda:us-east-1:123456789012:function:",
        "arn:aws:lambda:us-east-1:123456789012:layer:shared:3",
    ],
)
def test_task_lambda_resource_must_name_a_function(resource: str) -> None:
    """A Lambda ARN names a function, qualified at most once by $LATEST, a version or alias."""
    definition = machine(("T", task(Resource=resource)))
    assert rejected(definition) == schema("/States/T/Resource", not_recognized(resource))


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::lambda:invoke.sync",
        "arn:aws:states:::sns:publish.sync",
        "arn:aws:states:::dynamodb:putItem.waitForTaskToken",
        "arn:aws:states:::glue:startJobRun.waitForTaskToken",
        "arn:aws:states:::batch:submitJob.sync:2",
        "arn:aws:states:::aws-sdk:s3:getObject.sync",
        "arn:aws:states:::sqs:sendMessage.wait",
        "arn:aws:states:::lambda",
        "arn:aws:states:::lambda:invoke:extra",
    ],
)
def test_task_integration_pattern_must_exist(resource: str) -> None:
    """An integration pattern the service does not offer, or a malformed integration, is refused."""
    definition = machine(("T", task(Resource=resource)))
    assert rejected(definition) == schema("/States/T/Resource", not_recognized(resource))


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:work",
        "arn:aws:lambda:us-east-1:123456789012:function:work:$LATEST",
        "arn:aws:lambda:us-east-1:123456789012:function:work:7",
        "arn:aws:lambda:us-east-1:123456789012:function:my-fn_2:live-Alias_1",
        "arn:aws-cn:lambda:cn-north-1:123456789012:function:work",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:work:prod",
        "arn:aws:states:us-west-2:42:activity:a-task",
        "arn:aws-us-gov:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::ecs:runTask.waitForTaskToken",
        "arn:aws:states:::athena:startQueryExecution.sync",
        "arn:aws:states:::http:invoke",
        "arn:aws:states:::aws-sdk:s3:listObjectsV2",
        "arn:aws:states:::aws-sdk:sfn:startExecution.waitForTaskToken",
        "arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject",
    ],
)
def test_task_resources_people_deploy_are_accepted(resource: str) -> None:
    """Functions with qualifiers, every partition, activities and integrations are valid."""
    StateMachine.from_definition(machine(("T", task(Resource=resource))))


@pytest.mark.parametrize("resource", ["check-stock", "orders:charge", "http"])
def test_task_resource_may_name_a_local_task(resource: str) -> None:
    """A plain name, served by the task bound to it, is accepted though AWS wants an ARN."""
    StateMachine.from_definition(machine(("T", task(Resource=resource))))


_FUNCTION_CHARS = st.text("abcXYZ019-_", min_size=1, max_size=20)


@given(name=_FUNCTION_CHARS, qualifier=st.one_of(st.just("$LATEST"), _FUNCTION_CHARS))
def test_any_well_formed_function_arn_is_accepted(name: str, qualifier: str) -> None:
    """A function name and qualifier drawn from Lambda's alphabet always validate."""
    arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
    assert problems(machine(("T", task(Resource=arn)))) == []
    assert problems(machine(("T", task(Resource=f"{arn}:{qualifier}")))) == []


@given(
    qualifier=st.text(min_size=1, max_size=10).filter(
        lambda text: (
            any(not (char.isascii() and (char.isalnum() or char in "-_")) for char in text)
            and text != "$LATEST"
        )
    )
)
def test_a_qualifier_outside_lambdas_alphabet_is_refused(qualifier: str) -> None:
    """Any qualifier holding a character Lambda does not allow is not recognized."""
    arn = f"arn:aws:lambda:eu-west-1:123456789012:function:work:{qualifier}"
    assert [message for _, _, message in problems(machine(("T", task(Resource=arn))))] in (
        [not_recognized(arn)],
        [NOT_AN_ARN],
    )


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            "arn:aws:states:us-east-1:123456789012:activity:work",
            "Express state machine does not support Activity ARN",
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            "Express state machine does not support '.sync' service integration",
        ),
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Express state machine does not support '.waitForTaskToken' service integration ",
        ),
    ],
)
def test_express_machines_reject_long_running_tasks(resource: str, message: str) -> None:
    """Express machines cannot wait for activities, jobs or callbacks."""
    definition = machine(("T", task(Resource=resource)))
    assert problems(definition) == []
    assert problems(definition, machine_type="EXPRESS") == schema("/States/T/Resource", message)


# --- Wait, Fail, Choice --------------------------------------------------------------------


def test_wait_needs_exactly_one_duration() -> None:
    """A Wait has exactly one of Seconds, SecondsPath, Timestamp and TimestampPath."""
    definition = machine(
        ("A", {"Type": "Wait", "Next": "B"}),
        ("B", {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}),
    )
    assert problems(definition) == [
        (
            SCHEMA,
            "/States/A",
            "Exactly one of these fields is required: "
            "[Seconds, SecondsPath, Timestamp, TimestampPath]",
        ),
        (
            SCHEMA,
            "/States/B",
            "There should only be one of the following fields: "
            "[SecondsPath, Seconds, TimestampPath, Timestamp]",
        ),
    ]


@pytest.mark.parametrize(
    "timestamp",
    [
        "2016-12-05 21:29:29Z",
        "2016-12-05T21:29:29",
        "2016-13-05T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "{% 'x' %}",
    ],
)
def test_wait_timestamp_is_rfc3339(timestamp: str) -> None:
    """A JSONPath Wait's Timestamp is an RFC 3339 timestamp with T and Z."""
    definition = machine(("W", {"Type": "Wait", "Timestamp": timestamp, "End": True}))
    assert problems(definition) == schema(
        "/States/W/Timestamp", "String does not match RFC3339 timestamp"
    )


def test_wait_seconds_range() -> None:
    """Seconds is a non-negative integer."""
    definition = machine(("W", {"Type": "Wait", "Seconds": -1, "End": True}))
    assert problems(definition) == schema("/States/W/Seconds", "Minimum value is 0")


def test_fail_fields_are_exclusive_with_their_paths() -> None:
    """Error excludes ErrorPath and Cause excludes CausePath."""
    state = {"Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "C", "CausePath": "$.c"}
    assert problems(machine(("F", state))) == [
        (
            SCHEMA,
            "/States/F",
            "There should only be one of the following fields: [Error, ErrorPath]",
        ),
        (
            SCHEMA,
            "/States/F",
            "There should only be one of the following fields: [Cause, CausePath]",
        ),
    ]


def test_choice_shape_and_targets() -> None:
    """Choices is a non-empty array; the Default target must exist."""
    definition = machine(
        ("C", {"Type": "Choice", "Choices": [], "Default": "Ghost"}),
        ("D", {"Type": "Succeed"}),
    )
    assert problems(definition) == [
        (SCHEMA, "/States/C/Choices", "The field 'Choices' must contain at least one rule"),
        (TRANSITION, "/States/C/Default", "Missing 'Next' target: Ghost"),
        (TRANSITION, "/States/D", 'State "D" is not reachable.'),
    ]


def test_choice_rule_targets() -> None:
    """A rule's Next must name a state of the same scope."""
    rule = {"Variable": "$.x", "IsPresent": True, "Next": "Ghost"}
    definition = machine(
        ("C", {"Type": "Choice", "Choices": [rule], "Default": "D"}), ("D", {"Type": "Succeed"})
    )
    assert problems(definition) == [
        (TRANSITION, "/States/C/Choices/0/Next", "Missing 'Next' target: Ghost")
    ]


def test_choice_rule_query_language() -> None:
    """A JSONPath rule cannot use Condition, and a JSONata rule cannot use Variable."""
    jsonpath_rule = {"Condition": "{% true %}", "Next": "D"}
    jsonata_rule = {"Variable": "$.x", "IsPresent": True, "Next": "D"}
    definition = machine(
        ("A", {"Type": "Choice", "Choices": [jsonpath_rule], "Default": "B"}),
        ("B", {"Type": "Choice", "QueryLanguage": "JSONata", "Choices": [jsonata_rule]}),
        ("D", {"Type": "Succeed"}),
    )
    assert problems(definition) == [
        (
            SCHEMA,
            "/States/A/Choices/0",
            "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for "
            "the 'JSONata' QueryLanguage",
        ),
        (
            SCHEMA,
            "/States/B/Choices/0",
            "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for "
            "the 'JSONPath' QueryLanguage",
        ),
    ]


# --- Retry and Catch -----------------------------------------------------------------------


def test_retrier_bounds() -> None:
    """Retrier numbers have AWS's bounds and JitterStrategy is FULL or NONE."""
    retrier = {
        "ErrorEquals": ["E"],
        "IntervalSeconds": 0,
        "MaxAttempts": -1,
        "BackoffRate": 0.5,
        "MaxDelaySeconds": 0,
        "JitterStrategy": "SOME",
    }
    assert problems(machine(("T", task(Retry=[retrier])))) == [
        (SCHEMA, "/States/T/Retry/0/IntervalSeconds", "Minimum value is 1"),
        (SCHEMA, "/States/T/Retry/0/MaxAttempts", "Minimum value is 0"),
        (SCHEMA, "/States/T/Retry/0/BackoffRate", "Minimum value is 1.0"),
        (SCHEMA, "/States/T/Retry/0/MaxDelaySeconds", "Minimum value is 1"),
        (
            SCHEMA,
            "/States/T/Retry/0/JitterStrategy",
            "Value should be one of the following: [FULL, NONE]",
        ),
    ]


def test_retrier_error_equals() -> None:
    """ErrorEquals is required and non-empty; States.ALL is alone and last."""
    retry = [
        {"MaxAttempts": 1},
        {"ErrorEquals": []},
        {"ErrorEquals": ["States.ALL", "E"]},
        {"ErrorEquals": ["E"]},
    ]
    assert problems(machine(("T", task(Retry=retry)))) == [
        (SCHEMA, "/States/T/Retry/0", "These fields are required: [ErrorEquals]"),
        (
            SCHEMA,
            "/States/T/Retry/1/ErrorEquals",
            "The field 'ErrorEquals' must contain at least one error name",
        ),
        (
            SCHEMA,
            "/States/T/Retry/2/ErrorEquals",
            "'States.ALL' must appear alone in 'ErrorEquals'",
        ),
        (
            SCHEMA,
            "/States/T/Retry/2",
            "A retrier matching 'States.ALL' must be the last one in 'Retry'",
        ),
    ]


def test_catchers() -> None:
    """Catchers need ErrorEquals and an existing Next; ResultPath is a reference path."""
    catch = [
        {"ErrorEquals": ["States.ALL"], "Next": "H"},
        {"ErrorEquals": ["E"], "Next": "Ghost", "ResultPath": "$.a[*]"},
    ]
    definition = machine(("T", task(Catch=catch)), ("H", {"Type": "Succeed"}))
    assert problems(definition) == [
        (
            SCHEMA,
            "/States/T/Catch/0",
            "A catcher matching 'States.ALL' must be the last one in 'Catch'",
        ),
        (
            SCHEMA,
            "/States/T/Catch/1/ResultPath",
            "The value for the field 'ResultPath' must be a valid ReferencePath",
        ),
        (TRANSITION, "/States/T/Catch/1/Next", "Missing 'Next' target: Ghost"),
    ]


# --- Parallel and Map ----------------------------------------------------------------------


def test_parallel_branches_have_their_own_scope() -> None:
    """A branch cannot jump to an outer state; its own states must be reachable."""
    branch = {
        "StartAt": "In",
        "States": {"In": {"Type": "Pass", "Next": "Out"}, "Lost": {"Type": "Succeed"}},
    }
    definition = machine(
        ("P", {"Type": "Parallel", "Branches": [branch], "Next": "Out"}),
        ("Out", {"Type": "Succeed"}),
    )
    assert problems(definition) == [
        (TRANSITION, "/States/P/Branches/0/States/In/Next", "Missing 'Next' target: Out"),
        (TRANSITION, "/States/P/Branches/0/States/Lost", 'State "Lost" is not reachable.'),
    ]


def test_parallel_needs_branches() -> None:
    """Branches is a non-empty array."""
    definition = machine(("P", {"Type": "Parallel", "Branches": [], "End": True}))
    assert problems(definition) == schema(
        "/States/P/Branches", "The field 'Branches' must contain at least one branch"
    )


def test_map_processor_and_config() -> None:
    """A Map has one of ItemProcessor and Iterator, with a known Mode and ExecutionType."""
    processor = {
        "ProcessorConfig": {"Mode": "PARALLEL", "ExecutionType": "FAST"},
        "StartAt": "P",
        "States": {"P": {"Type": "Succeed"}},
    }
    definition = machine(
        ("A", {"Type": "Map", "ItemProcessor": processor, "Next": "B"}),
        ("B", {"Type": "Map", "End": True}),
    )
    assert problems(definition) == [
        (
            SCHEMA,
            "/States/A/ItemProcessor/ProcessorConfig/Mode",
            "Value should be one of the following: [INLINE, DISTRIBUTED]",
        ),
        (
            SCHEMA,
            "/States/A/ItemProcessor/ProcessorConfig/ExecutionType",
            "Value should be one of the following: [STANDARD, EXPRESS]",
        ),
        (SCHEMA, "/States/B", "These fields are required: [ItemProcessor]"),
    ]


def test_map_limits() -> None:
    """Concurrency and tolerated failures have ranges and exclude their paths."""
    processor = {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
    state = {
        "Type": "Map",
        "ItemProcessor": processor,
        "MaxConcurrency": -1,
        "ToleratedFailurePercentage": 101,
        "ToleratedFailureCount": 1,
        "ToleratedFailureCountPath": "$.n",
        "ItemSelector": {},
        "Parameters": {},
        "End": True,
    }
    assert problems(machine(("M", state))) == [
        (
            SCHEMA,
            "/States/M",
            "There should only be one of the following fields: [ItemSelector, Parameters]",
        ),
        (SCHEMA, "/States/M/MaxConcurrency", "Minimum value is 0"),
        (
            SCHEMA,
            "/States/M",
            "There should only be one of the following fields: "
            "[ToleratedFailureCount, ToleratedFailureCountPath]",
        ),
        (SCHEMA, "/States/M/ToleratedFailurePercentage", "Maximum value is 100.0"),
    ]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Label cannot be empty"),
        ("x" * 41, "Label cannot exceed 40 characters"),
        ("label_]", "Label contains invalid character: ']'"),
        ("label_\n", "Label contains invalid character: '\\n'"),
        ("label_\x85", "Label contains invalid character: '\\x85'"),
    ],
)
def test_map_label(label: str, message: str) -> None:
    """A Map Label is 1 to 40 characters without brackets, specials or controls."""
    processor = {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
    definition = machine(
        ("M", {"Type": "Map", "ItemProcessor": processor, "Label": label, "End": True})
    )
    assert problems(definition) == schema("/States/M/Label", message)


def test_map_reader_and_writer_shapes() -> None:
    """ItemReader needs a Resource; ResultWriter takes the fields of its query language."""
    processor = {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
    state = {
        "Type": "Map",
        "ItemProcessor": processor,
        "ItemReader": {"ReaderConfig": {}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Arguments": {}},
        "ItemBatcher": {"MaxItemsPerBatch": 0},
        "End": True,
    }
    assert problems(machine(("M", state))) == [
        (SCHEMA, "/States/M/ItemReader", "These fields are required: [Resource]"),
        (
            SCHEMA,
            "/States/M/ResultWriter/Arguments",
            "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for "
            "the 'JSONata' QueryLanguage",
        ),
        (SCHEMA, "/States/M/ItemBatcher/MaxItemsPerBatch", "Minimum value is 1"),
    ]


def distributed(**fields: Any) -> dict[str, Any]:
    """A Map state with a trivial item processor and ``fields``."""
    processor = {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
    return {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}


ONLY_ONE = "There should only be one of the following fields: "


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("${ReaderArn}", NOT_AN_ARN),
        ("arn:aws:states", NOT_AN_ARN),
        ("arn:aws:states:::s3:getObject.foo", not_recognized("arn:aws:states:::s3:getObject.foo")),
    ],
)
def test_map_reader_and_writer_resources(resource: str, message: str) -> None:
    """ItemReader and ResultWriter Resources are checked as a Task's Resource is."""
    state = distributed(ItemReader={"Resource": resource}, ResultWriter={"Resource": resource})
    assert rejected(machine(("M", state))) == [
        (SCHEMA, "/States/M/ItemReader/Resource", message),
        (SCHEMA, "/States/M/ResultWriter/Resource", message),
    ]


def test_map_processor_and_iterator_together() -> None:
    """ItemProcessor and its older name Iterator exclude each other."""
    iterator = {"StartAt": "Q", "States": {"Q": {"Type": "Succeed"}}}
    assert rejected(machine(("M", distributed(Iterator=iterator)))) == schema(
        "/States/M", ONLY_ONE + "[ItemProcessor, Iterator]"
    )


def test_tolerated_failure_percentage_range_reads_as_a_decimal() -> None:
    """The percentage's bounds are worded "0.0" and "100.0", as AWS words them."""
    state = distributed(ToleratedFailurePercentage=-1)
    assert rejected(machine(("M", state))) == schema(
        "/States/M/ToleratedFailurePercentage", "Minimum value is 0.0"
    )


def reader(**config: Any) -> dict[str, Any]:
    """An S3 ItemReader with ``config`` as its ReaderConfig."""
    return {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config}


NOT_A_REFERENCE_PATH = "Value is not a Reference Path"


def test_reader_config_max_items_excludes_its_path() -> None:
    """MaxItems and MaxItemsPath in one ReaderConfig are refused, in AWS's words."""
    state = distributed(ItemReader=reader(MaxItems=10, MaxItemsPath="$.n"))
    assert rejected(machine(("M", state))) == schema(
        "/States/M/ItemReader/ReaderConfig", ONLY_ONE + "[MaxItems, MaxItemsPath]"
    )


@pytest.mark.parametrize(
    ("config", "pointer", "message"),
    [
        ({"MaxItems": -1}, "MaxItems", "Minimum value is 0"),
        ({"MaxItems": 100_000_001}, "MaxItems", "Maximum value is 100000000"),
        ({"MaxItems": "10"}, "MaxItems", "Expected value of type [INTEGER]"),
        ({"MaxItems": 1.5}, "MaxItems", "Expected value of type [INTEGER]"),
        ({"MaxItemsPath": "$$.Execution.Input.n"}, "MaxItemsPath", NOT_A_REFERENCE_PATH),
        (
            {"MaxItemsPath": "$.items[*]"},
            "MaxItemsPath",
            "The value for the field 'MaxItemsPath' must be a valid ReferencePath",
        ),
        ({"InputType": 1}, "InputType", "Expected value of type [STRING]"),
        ({"CSVHeaderLocation": None}, "CSVHeaderLocation", "Expected value of type [STRING]"),
        ({"CSVHeaders": "a,b"}, "CSVHeaders", "Expected value of type [ARRAY]"),
        ({"CSVHeaders": ["a", 2]}, "CSVHeaders/1", "Expected value of type [STRING]"),
    ],
)
def test_reader_config_values(config: dict[str, Any], pointer: str, message: str) -> None:
    """ReaderConfig fields have their types, and MaxItems its range."""
    state = distributed(ItemReader=reader(**config))
    assert rejected(machine(("M", state))) == schema(
        f"/States/M/ItemReader/ReaderConfig/{pointer}", message
    )


def test_reader_config_people_deploy() -> None:
    """CSV headers given or read, JSON input, an item limit and a path to one are valid."""
    for config in (
        {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "b"]},
        {"InputType": "JSON", "MaxItems": 100_000_000},
        {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItemsPath": "$maxItems"},
    ):
        StateMachine.from_definition(machine(("M", distributed(ItemReader=reader(**config)))))


def test_jsonata_reader_config_takes_expressions_not_paths() -> None:
    """In JSONata MaxItems may be an expression, and MaxItemsPath is refused."""
    arguments = {"Bucket": "b", "Key": "k"}
    item_reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "Arguments": arguments,
        "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.n %}"},
    }
    definition = machine(("M", distributed(ItemReader=item_reader)), QueryLanguage="JSONata")
    StateMachine.from_definition(definition)
    item_reader["ReaderConfig"] = {"MaxItemsPath": "$.n"}
    assert rejected(definition) == schema(
        "/States/M/ItemReader/ReaderConfig/MaxItemsPath",
        "The QueryLanguage is set to 'JSONata', but field 'MaxItemsPath' is only supported for "
        "the 'JSONPath' QueryLanguage",
    )


def test_item_batcher_limits_and_paths() -> None:
    """A batch holds at most 256 KiB; its paths read the input, in JSONPath only."""
    batcher = {"MaxInputBytesPerBatch": 262_145, "MaxItemsPerBatchPath": "$$.Map.Item.Value"}
    assert rejected(machine(("M", distributed(ItemBatcher=batcher)))) == [
        (SCHEMA, "/States/M/ItemBatcher/MaxItemsPerBatchPath", NOT_A_REFERENCE_PATH),
        (SCHEMA, "/States/M/ItemBatcher/MaxInputBytesPerBatch", "Maximum value is 262144"),
    ]
    batcher = {"MaxInputBytesPerBatch": 262_144, "MaxItemsPerBatchPath": "$.n"}
    StateMachine.from_definition(machine(("M", distributed(ItemBatcher=batcher))))


def test_jsonata_item_batcher_refuses_paths() -> None:
    """A JSONata Map's ItemBatcher takes no ...Path field."""
    batcher = {"MaxItemsPerBatchPath": "$.n", "MaxInputBytesPerBatchPath": "$.b"}
    definition = machine(("M", distributed(ItemBatcher=batcher)), QueryLanguage="JSONata")
    assert rejected(definition) == [
        (
            SCHEMA,
            f"/States/M/ItemBatcher/{name}",
            f"The QueryLanguage is set to 'JSONata', but field '{name}' is only supported for "
            "the 'JSONPath' QueryLanguage",
        )
        for name in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath")
    ]


@pytest.mark.parametrize(
    "name", ["MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath"]
)
def test_map_number_paths_refuse_the_context_object(name: str) -> None:
    """A Map number's path points into the input or a variable, never at the Context Object."""
    state = distributed(**{name: "$$.Execution.Input.n"})
    assert rejected(machine(("M", state))) == schema(f"/States/M/{name}", NOT_A_REFERENCE_PATH)
    StateMachine.from_definition(machine(("M", distributed(**{name: "$n"}))))


# --- everything at once --------------------------------------------------------------------


def test_every_problem_is_reported_at_once() -> None:
    """Problems in different states and fields all come back from one call."""
    definition = machine(
        ("A", {"Type": "Pass", "InputPath": "bad", "Next": "B"}),
        ("B", task(Retry=[{"ErrorEquals": ["E"], "BackoffRate": 0.5}], Bogus=1)),
        ("C", {"Type": "Wait", "End": True}),
    )
    assert [pointer for _, pointer, _ in problems(definition)] == [
        "/States/A/InputPath",
        "/States/B",
        "/States/B/Retry/0/BackoffRate",
        "/States/C",
        "/States/C",
    ]


# --- property: valid machines stay valid ---------------------------------------------------

_names = st.lists(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=80),
    min_size=1,
    max_size=8,
    unique=True,
)
_bodies = st.sampled_from(
    [
        {"Type": "Pass"},
        {
            "Type": "Pass",
            "Result": {"a": 1},
            "ResultPath": "$.r",
            "InputPath": "$",
            "OutputPath": None,
        },
        {"Type": "Wait", "Seconds": 0},
        {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.5+01:00"},
        {"Type": "Wait", "SecondsPath": "$.s"},
        task(
            Parameters={"a.$": "$.a", "b": [1, {"c.$": "$$.Execution.Id"}]},
            Retry=[
                {"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 0, "BackoffRate": 1.5}
            ],
            TimeoutSeconds=10,
            HeartbeatSeconds=5,
        ),
        {"Type": "Pass", "Assign": {"v.$": "$.x"}, "Comment": "note"},
    ]
)
_ends = st.sampled_from(
    [{"Type": "Succeed"}, {"Type": "Fail", "Error": "E"}, {"Type": "Pass", "End": True}]
)


@settings(max_examples=60, deadline=None)
@given(names=_names, bodies=st.lists(_bodies, min_size=8, max_size=8), end=_ends)
def test_random_linear_machines_are_valid(
    names: list[str], bodies: list[dict[str, Any]], end: dict[str, Any]
) -> None:
    """Any chain of valid states ending in a terminal state validates clean."""
    states: dict[str, Any] = {}
    for index, name in enumerate(names[:-1]):
        body = copy.deepcopy(bodies[index])
        body.pop("End", None)
        states[name] = {**body, "Next": names[index + 1]}
    states[names[-1]] = copy.deepcopy(end)
    assert validate_definition({"StartAt": names[0], "States": states}) == []
