"""Running executions: the runner, the clock, task invocation, callbacks, child executions."""
