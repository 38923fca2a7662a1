"""Where executions live: the ExecutionStore port, typed history events, the memory store."""
