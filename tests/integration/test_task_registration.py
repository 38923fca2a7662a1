"""How ``@task`` marks functions: the bare decorator, and the targets it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from orchestra import RegistrationError, task
from tests.helpers import machine, run

pytestmark = pytest.mark.anyio


async def test_a_bare_task_decorator_serves_the_function_of_its_name() -> None:
    """``@task`` without arguments binds the Lambda function named like the Python function."""

    @task
    def shout(payload: Any) -> str:
        return payload["word"].upper()

    resource = "arn:aws:lambda:us-east-1:123456789012:function:shout"
    execution, _ = await run(
        machine(("T", {"Type": "Task", "Resource": resource})), {"word": "hi"}, tasks=[shout]
    )
    assert execution.output == "HI"


def test_task_refuses_what_is_not_callable() -> None:
    """Only functions can be marked."""
    with pytest.raises(RegistrationError) as caught:
        task("arn:aws:states:::sqs:sendMessage")(42)
    assert str(caught.value) == "@task needs a function, not 42"


def test_task_refuses_an_empty_resource() -> None:
    """The resource, when given, is a non-empty string."""

    def send(payload: Any) -> None:
        return None

    with pytest.raises(RegistrationError) as caught:
        task("")(send)
    assert str(caught.value) == "@task resource must be a non-empty string, not ''"
