"""Definition checks met through ``StateMachine.from_definition``: field shapes AWS refuses.

Each rejected definition raises DefinitionError with one diagnostic: its code, JSON pointer
and message, and the AWS ``InvalidDefinition`` text built from them.
"""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import DefinitionError, StateMachine
from tests.helpers import machine

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"
SCHEMA = "SCHEMA_VALIDATION_FAILED"
NOT_A_PATH = "must be a valid JSONPath or a valid intrinsic function call"


def rejection(definition: dict[str, Any], **options: Any) -> tuple[str, str, str]:
    """The single diagnostic ``definition`` is rejected with, as (code, pointer, message)."""
    with pytest.raises(DefinitionError) as caught:
        StateMachine.from_definition(definition, **options)
    [diagnostic] = caught.value.diagnostics
    return diagnostic.code, diagnostic.pointer, diagnostic.message


def task_state(**fields: Any) -> dict[str, Any]:
    """A machine of one Lambda Task state named T."""
    return machine(("T", {"Type": "Task", "Resource": LAMBDA, **fields}))


def distributed_map(**fields: Any) -> dict[str, Any]:
    """A machine of one distributed Map state named M."""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
    }
    return machine(("M", {"Type": "Map", "ItemProcessor": processor, **fields}))


# --- the machine itself ----------------------------------------------------------------------


def test_a_machine_name_breaking_aws_rules_is_refused() -> None:
    """Names are 1 to 80 letters, digits, '-' or '_'."""
    assert rejection(machine(("A", {"Type": "Succeed"})), name="my machine") == (
        "INVALID_NAME",
        "",
        "Invalid state machine name 'my machine': use 1-80 letters, digits, '-' or '_'",
    )


def test_a_machine_type_other_than_standard_or_express_is_refused() -> None:
    """The type is STANDARD or EXPRESS."""
    assert rejection(machine(("A", {"Type": "Succeed"})), type="BATCH") == (
        "INVALID_TYPE",
        "",
        "type must be STANDARD or EXPRESS, not 'BATCH'",
    )


def test_a_machine_lists_its_task_resources_in_order() -> None:
    """``resources()`` names every Task's Resource, in definition order."""
    definition = machine(
        ("A", {"Type": "Task", "Resource": LAMBDA}),
        ("B", {"Type": "Pass"}),
        ("C", {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage"}),
    )
    compiled = StateMachine.from_definition(definition, name="orders")
    assert compiled.resources() == [LAMBDA, "arn:aws:states:::sqs:sendMessage"]


# --- Task credentials --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "credentials",
    [{"RoleArn": "arn:aws:iam::123456789012:role/worker"}, {"RoleArn.$": "$.role"}],
)
def test_credentials_name_a_role_or_a_path_to_one(credentials: dict[str, Any]) -> None:
    """A RoleArn string, or RoleArn.$ with a path, is accepted."""
    compiled = StateMachine.from_definition(task_state(Credentials=credentials))
    assert compiled.resources() == [LAMBDA]


def test_a_role_arn_is_a_string() -> None:
    """RoleArn given as a number is a schema error at its pointer."""
    assert rejection(task_state(Credentials={"RoleArn": 5})) == (
        SCHEMA,
        "/States/T/Credentials/RoleArn",
        "Expected value of type [STRING]",
    )


@pytest.mark.parametrize("role", ["not a path", "States.Format("])
def test_a_dynamic_role_arn_is_a_path_or_intrinsic(role: str) -> None:
    """RoleArn.$ must hold a valid path or intrinsic function call."""
    assert rejection(task_state(Credentials={"RoleArn.$": role})) == (
        SCHEMA,
        "/States/T/Credentials",
        f"The value for the field 'RoleArn.$' {NOT_A_PATH}",
    )


def test_credentials_are_an_object() -> None:
    """Credentials given as text is a schema error."""
    assert rejection(task_state(Credentials="role")) == (
        SCHEMA,
        "/States/T/Credentials",
        "Expected value of type [OBJECT]",
    )


def test_definition_error_message_reads_as_aws_invalid_definition() -> None:
    """The error's ``message`` is AWS's InvalidDefinition text for the diagnostic."""
    with pytest.raises(DefinitionError) as caught:
        StateMachine.from_definition(task_state(Credentials="role"))
    assert caught.value.message == (
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Expected value of type "
        "[OBJECT] at /States/T/Credentials'"
    )


# --- Choice ------------------------------------------------------------------------------------


def test_choices_are_an_array() -> None:
    """Choices given as an object is a schema error."""
    definition = machine(
        ("C", {"Type": "Choice", "Choices": {"a": 1}, "Default": "D"}), ("D", {"Type": "Succeed"})
    )
    assert rejection(definition) == (SCHEMA, "/States/C/Choices", "Expected value of type [ARRAY]")


def test_a_choice_rule_needs_next() -> None:
    """A top-level rule without Next is refused."""
    definition = machine(
        (
            "C",
            {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": True}], "Default": "D"},
        ),
        ("D", {"Type": "Succeed"}),
    )
    assert rejection(definition) == (
        SCHEMA,
        "/States/C/Choices/0",
        "These fields are required: [Next]",
    )


# --- payload templates -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["States.Foo($.a)", "States.Format('x', ", 5])
def test_a_dynamic_parameter_must_be_a_path_or_known_intrinsic(value: Any) -> None:
    """Unknown functions, unclosed calls and non-strings are refused for a ``.$`` field."""
    definition = machine(("P", {"Type": "Pass", "Parameters": {"a.$": value}}))
    assert rejection(definition) == (
        SCHEMA,
        "/States/P/Parameters",
        f"The value for the field 'a.$' {NOT_A_PATH}",
    )


# --- distributed Map parts ----------------------------------------------------------------------


def test_a_valid_label_is_accepted() -> None:
    """A Label of letters, digits, '-' and '_' within 40 characters is accepted."""
    compiled = StateMachine.from_definition(distributed_map(Label="Batch_Run-2024"))
    assert compiled.program.start_at == "M"


def test_a_processor_config_is_an_object() -> None:
    """ProcessorConfig given as text is a schema error."""
    definition = machine(
        (
            "M",
            {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": "DISTRIBUTED",
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
            },
        )
    )
    assert rejection(definition) == (
        SCHEMA,
        "/States/M/ItemProcessor/ProcessorConfig",
        "Expected value of type [OBJECT]",
    )


def test_item_batcher_batch_input_is_a_payload_template() -> None:
    """BatchInput's ``.$`` fields are checked like Parameters'."""
    good = distributed_map(ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"k.$": "$.k"}})
    assert StateMachine.from_definition(good).program.start_at == "M"
    bad = distributed_map(ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"k.$": "nope"}})
    assert rejection(bad) == (
        SCHEMA,
        "/States/M/ItemBatcher/BatchInput",
        f"The value for the field 'k.$' {NOT_A_PATH}",
    )


def test_item_batcher_path_fields_are_reference_paths() -> None:
    """MaxItemsPerBatchPath must be a reference path."""
    definition = distributed_map(ItemBatcher={"MaxItemsPerBatchPath": "nope"})
    assert rejection(definition) == (
        SCHEMA,
        "/States/M/ItemBatcher/MaxItemsPerBatchPath",
        "The value for the field 'MaxItemsPerBatchPath' must be a valid ReferencePath",
    )


def test_item_reader_parameters_are_a_payload_template() -> None:
    """ItemReader Parameters' ``.$`` fields are checked like a state's Parameters."""
    reader = {"Resource": "arn:aws:states:::s3:getObject"}
    good = distributed_map(ItemReader={**reader, "Parameters": {"Bucket.$": "$.b", "Key": "k"}})
    assert StateMachine.from_definition(good).program.start_at == "M"
    bad = distributed_map(ItemReader={**reader, "Parameters": {"Bucket.$": "oops"}})
    assert rejection(bad) == (
        SCHEMA,
        "/States/M/ItemReader/Parameters",
        f"The value for the field 'Bucket.$' {NOT_A_PATH}",
    )
