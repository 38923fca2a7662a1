"""The Task state: call a bound Python task, with timeouts, heartbeats, Retry and Catch."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

from .. import errors
from .._definition.resources import Target, lambda_function_arn, target_of
from .._query.failures import QueryFailure
from .._query.jsondata import JsonDataError, Size, decode, encode, load
from .._store.task_events import TaskEvents
from .base import Arguments, Outcome, Recovering
from .dataflow import compile_number_field
from .guards import StateFailed, too_large
from .run import Run, TaskCall, Visit

# What lambda:invoke's response envelope adds around a payload (headers, request ids).
_ENVELOPE_BYTES: Final = 2048
_ENVELOPE_DEPTH: Final = 4
_NOT_FOUND: Final = (
    "Function not found: {arn}:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: "
    "ResourceNotFoundException; Request ID: {request}; Proxy: null)"
)


class TaskState(Recovering):
    """``Type: Task``."""

    __slots__ = ("arguments", "events", "heartbeat", "target", "timeout")

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        super().__init__(name, definition)
        self.target: Target = target_of(definition["Resource"])
        is_lambda = self.target.kind == "lambda"
        self.events = TaskEvents(
            self.target.resource_type,
            self.target.resource if is_lambda else self.target.resource_name,
            is_lambda=is_lambda,
        )
        self.arguments = Arguments(definition, jsonata=self.jsonata)
        self.timeout = _compile_seconds(definition, "TimeoutSeconds")
        self.heartbeat = _compile_seconds(definition, "HeartbeatSeconds")

    async def run(self, data: Any, visit: Visit) -> Outcome:
        """Call the task (retrying and catching as configured) and shape its result."""
        effective = data if self.input_path is None else self.input_path(data, visit)

        async def attempt(retry_count: int) -> Outcome:
            visit.set_retry_count(retry_count)
            result, size = await self._attempt(effective, visit, retry_count)
            return self.shape(data, result, visit, size)

        return await self.recover(data, visit, attempt)

    async def _attempt(self, effective: Any, visit: Visit, retry_count: int) -> tuple[Any, Size]:
        run = visit.run
        target = self.target
        callback = None
        if target.wait_for_token:
            callback = run.tasks.open_callback(run, target)
            # The visit's context object is rebuilt for every attempt, so the token is this
            # attempt's alone.
            visit.context["Task"] = {"Token": callback.token}
        parameters, _ = self.arguments.evaluate(effective, visit, self.name)
        timeout = self.timeout(effective, visit) if self.timeout is not None else None
        heartbeat = self.heartbeat(effective, visit) if self.heartbeat is not None else None

        handle, payload, function_arn = self._bind(run, parameters)
        events = self.events
        now = run.clock.now
        run.history.add(
            events.scheduled(
                now(),
                run.settings.region,
                parameters,
                None if timeout is None else int(timeout),
                None if heartbeat is None else int(heartbeat),
            )
        )
        run.history.add(events.started(now()))

        if handle is None:
            failure = self._unbound(run, function_arn)
            run.history.add(events.failed(now(), failure.error, failure.cause))
            raise failure

        call = TaskCall(
            handle=handle,
            payload=payload,
            run=run,
            state_name=self.name,
            retry_count=retry_count,
            timeout=timeout,
            heartbeat=heartbeat,
            callback=callback,
        )
        outcome = await run.tasks.call(call)
        if outcome.timed_out is not None:
            run.history.add(events.timed_out(now(), outcome.timed_out))
            raise StateFailed(outcome.timed_out, None)
        if outcome.failure is not None:
            error, cause = outcome.failure
            if target.kind == "lambda_invoke":
                cause = _compact_json(cause)
            run.history.add(events.failed(now(), error, cause))
            raise StateFailed(error, cause)
        try:
            result, size = self._check_result(run, outcome.result)
        except StateFailed as failure:
            run.history.add(events.failed(now(), failure.error, failure.cause))
            raise
        if target.kind == "lambda_invoke" and callback is None:
            tail = isinstance(parameters, dict) and parameters.get("LogType") == "Tail"
            result = _lambda_envelope(result, run, tail=tail)
            size = Size(size.bytes + _ENVELOPE_BYTES, max(size.depth + 1, _ENVELOPE_DEPTH))
        run.history.add(events.succeeded(now(), result))
        return result, size

    def _bind(self, run: Run, parameters: Any) -> tuple[Any | None, Any, str | None]:
        """What serves the task, the payload it gets, and the Lambda ARN it stands for."""
        target = self.target
        if target.kind == "lambda_invoke":
            function = parameters.get("FunctionName") if isinstance(parameters, dict) else None
            if not isinstance(function, str):
                return None, None, None
            arn = lambda_function_arn(function, run.settings.region, run.settings.account)
            payload = _lambda_event(parameters.get("Payload"))
            return run.tasks.find(target, function), payload, arn
        resource = target.resource if target.kind == "lambda" else None
        return run.tasks.find(target), parameters, resource

    def _unbound(self, run: Run, function_arn: str | None) -> StateFailed:
        if self.target.kind in ("lambda", "lambda_invoke") and function_arn is not None:
            request = uuid.UUID(int=run.rng.getrandbits(128), version=4)
            arn = function_arn.rsplit(":", 1)[0] if function_arn.count(":") > 6 else function_arn
            return StateFailed(
                "Lambda.ResourceNotFoundException", _NOT_FOUND.format(arn=arn, request=request)
            )
        return StateFailed(
            errors.TASK_FAILED,
            f"No task is bound to the resource '{self.target.resource}' (state '{self.name}')",
        )

    def _check_result(self, run: Run, result: Any) -> tuple[Any, Size]:
        """The task's result as the engine's own JSON data, within the payload limits."""
        try:
            copied, size = load(result)
        except JsonDataError as exc:
            raise StateFailed(
                "Runtime.MarshalError", f"Unable to marshal response: {exc.reason}"
            ) from None
        # AWS names the resource here, not the state: the function ARN, or the service.
        who = self.target.resource if self.target.kind == "lambda" else self.target.resource_type
        if size.bytes > run.settings.payload_limit:
            raise StateFailed(errors.DATA_LIMIT_EXCEEDED, too_large(who))
        return copied, size


def _lambda_event(payload: Any) -> Any:
    """What a Lambda function receives for ``Payload``: a string is JSON text, null is ``{}``."""
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return decode(payload)
        except JsonDataError:
            return payload
    return payload


def _compact_json(cause: str | None) -> str | None:
    """lambda:invoke re-serialises a JSON error payload compactly; other text passes as is."""
    if cause is None or not cause.startswith("{"):
        return cause
    try:
        return encode(decode(cause))
    except JsonDataError:
        return cause


def _lambda_envelope(payload: Any, run: Run, *, tail: bool = False) -> dict[str, Any]:
    request_id = str(uuid.UUID(int=run.rng.getrandbits(128), version=4))
    envelope: dict[str, Any] = {"ExecutedVersion": "$LATEST"}
    if tail:
        # LogType "Tail": Lambda returns the end of the invocation's log, base64-encoded.
        log = (
            f"START RequestId: {request_id} Version: $LATEST\n"
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: 1.00 ms\tBilled Duration: 1 ms\n"
        )
        envelope["LogResult"] = base64.b64encode(log.encode()).decode()
    return envelope | {
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Type": "application/json",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


def _compile_seconds(
    definition: Mapping[str, Any], field: str
) -> Callable[[Any, Visit], float] | None:
    """TimeoutSeconds(Path) / HeartbeatSeconds(Path)."""
    return compile_number_field(
        definition, field, float, partial(_positive_integer, f"{field}Path")
    )


def _positive_integer(field: str, value: Any, text: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise QueryFailure(
            errors.RUNTIME,
            f'The {field} field refers to value "{value}" which is not a valid positive integer: {text}',
        )
    return value
