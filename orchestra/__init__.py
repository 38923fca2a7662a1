"""orchestra: an async, embeddable engine for the Amazon States Language.

Example:
    >>> from orchestra import Engine, StateMachine, task
"""

from ._engine import Engine as Engine
from ._runtime.execution import Execution as Execution
from ._runtime.execution import SyncExecutionResult as SyncExecutionResult
from ._runtime.execution import trace_id_for as trace_id_for
from ._runtime.tasks import TaskContext as TaskContext
from ._runtime.tasks import task as task
from ._states.machine import StateMachine as StateMachine
from ._store.events import HistoryEvent as HistoryEvent
from ._store.records import ExecutionStatus as ExecutionStatus
from .errors import DefinitionError as DefinitionError
from .errors import Diagnostic as Diagnostic
from .errors import EngineError as EngineError
from .errors import ExecutionAlreadyExists as ExecutionAlreadyExists
from .errors import ExecutionDoesNotExist as ExecutionDoesNotExist
from .errors import ExecutionError as ExecutionError
from .errors import ExecutionLimitExceeded as ExecutionLimitExceeded
from .errors import InvalidArgument as InvalidArgument
from .errors import InvalidExecutionInput as InvalidExecutionInput
from .errors import InvalidName as InvalidName
from .errors import InvalidOutput as InvalidOutput
from .errors import InvalidToken as InvalidToken
from .errors import OrchestraError as OrchestraError
from .errors import RegistrationError as RegistrationError
from .errors import StateMachineDoesNotExist as StateMachineDoesNotExist
from .errors import StateMachineTypeNotSupported as StateMachineTypeNotSupported
from .errors import TaskDoesNotExist as TaskDoesNotExist
from .errors import TaskFailed as TaskFailed
from .errors import TaskTimedOut as TaskTimedOut

__all__ = [
    "DefinitionError",
    "Diagnostic",
    "Engine",
    "EngineError",
    "Execution",
    "ExecutionAlreadyExists",
    "ExecutionDoesNotExist",
    "ExecutionError",
    "ExecutionLimitExceeded",
    "ExecutionStatus",
    "HistoryEvent",
    "InvalidArgument",
    "InvalidExecutionInput",
    "InvalidName",
    "InvalidOutput",
    "InvalidToken",
    "OrchestraError",
    "RegistrationError",
    "StateMachine",
    "StateMachineDoesNotExist",
    "StateMachineTypeNotSupported",
    "SyncExecutionResult",
    "TaskContext",
    "TaskDoesNotExist",
    "TaskFailed",
    "TaskTimedOut",
    "task",
    "trace_id_for",
]
