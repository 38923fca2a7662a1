"""The ``lambda:invoke`` integration: the event a function gets, the response, its errors.

Expected values follow what AWS records for the same definitions and inputs.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from orchestra import TaskFailed, task
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio

INVOKE = "arn:aws:states:::lambda:invoke"
FN = "arn:aws:lambda:us-east-1:123456789012:function:lambda_func"
# The error payload text the Lambda Python runtime returns for an uncaught exception.
PYTHON_ERROR = (
    '{"errorMessage": "Some exception was raised.", "errorType": "Exception", '
    '"stackTrace": ["  File \\"/var/task/handler.py\\", line 2, in handler\\n"]}'
)


@task(FN)
async def echo(payload: Any) -> Any:
    return payload


def invoke(parameters: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A machine of one lambda:invoke Task state named Start."""
    state = {"Type": "Task", "Resource": INVOKE, "Parameters": parameters, **fields}
    return machine(("Start", state))


async def test_a_payload_given_as_json_text_reaches_the_function_parsed() -> None:
    """Payload text holding JSON is the event itself: '"HelloWorld"' arrives as HelloWorld."""
    definition = invoke({"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"})
    execution, _ = await run(
        definition, {"FunctionName": "lambda_func", "Payload": '"HelloWorld"'}, tasks=[echo]
    )
    assert execution.output["Payload"] == "HelloWorld"


async def test_a_json_object_text_payload_arrives_as_an_object() -> None:
    """Payload text holding a JSON object arrives as that object."""
    definition = invoke({"FunctionName": "lambda_func", "Payload": '{"a": [1, 2]}'})
    execution, _ = await run(definition, {}, tasks=[echo])
    assert execution.output["Payload"] == {"a": [1, 2]}


async def test_a_null_payload_arrives_as_an_empty_object() -> None:
    """Payload null (or absent) gives the function the event {}."""
    definition = invoke({"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"})
    execution, _ = await run(
        definition, {"FunctionName": "lambda_func", "Payload": None}, tasks=[echo]
    )
    assert execution.output["Payload"] == {}


async def test_log_type_tail_returns_the_log_tail_of_the_invocation() -> None:
    """LogType Tail adds LogResult: the base64 log tail, naming the response's request id."""
    definition = invoke({"FunctionName": "lambda_func", "Payload": {}, "LogType": "Tail"})
    execution, _ = await run(definition, {}, tasks=[echo])
    response = execution.output
    request_id = response["SdkResponseMetadata"]["RequestId"]
    log = base64.b64decode(response["LogResult"]).decode()
    assert log.splitlines()[:2] == [
        f"START RequestId: {request_id} Version: $LATEST",
        f"END RequestId: {request_id}",
    ]
    assert log.splitlines()[2].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert list(response)[:3] == ["ExecutedVersion", "LogResult", "Payload"]


async def test_without_log_type_there_is_no_log_result() -> None:
    """The response carries LogResult only when the parameters ask for the tail."""
    execution, _ = await run(
        invoke({"FunctionName": "lambda_func", "Payload": {}}), {}, tasks=[echo]
    )
    assert "LogResult" not in execution.output


async def test_a_json_error_cause_is_reserialised_compactly() -> None:
    """The function's JSON error payload reaches Catch as compact JSON text, as AWS gives it."""

    @task(FN)
    async def raising(payload: Any) -> None:
        raise TaskFailed("Exception", PYTHON_ERROR)

    start = {
        "Type": "Task",
        "Resource": INVOKE,
        "Parameters": {"FunctionName": "lambda_func", "Payload": {}},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
    }
    definition = machine(("Start", start), ("Handle", {"Type": "Pass"}))
    execution, _ = await run(definition, {}, tasks=[raising])
    assert execution.output == {
        "Error": "Exception",
        "Cause": '{"errorMessage":"Some exception was raised.","errorType":"Exception",'
        '"stackTrace":["  File \\"/var/task/handler.py\\", line 2, in handler\\n"]}',
    }


async def test_an_error_cause_that_is_not_json_passes_unchanged() -> None:
    """A cause that only looks like JSON is kept as the function gave it."""

    @task(FN)
    async def raising(payload: Any) -> None:
        raise TaskFailed("Broken", "{not json")

    execution, history = await run(
        invoke({"FunctionName": "lambda_func", "Payload": {}}), {}, tasks=[raising]
    )
    assert (execution.error, execution.cause) == ("Broken", "{not json")
    assert history[-2].type == "TaskFailed"


async def test_a_lambda_arn_resource_keeps_the_cause_text_as_given() -> None:
    """Only lambda:invoke reserialises: a function-ARN Task keeps the cause byte for byte."""

    @task(FN)
    async def raising(payload: Any) -> None:
        raise TaskFailed("Exception", PYTHON_ERROR)

    definition = machine(("Start", {"Type": "Task", "Resource": FN}))
    execution, history = await run(definition, {}, tasks=[raising])
    assert (execution.error, execution.cause) == ("Exception", PYTHON_ERROR)
    assert history[-2].type == "LambdaFunctionFailed"
