"""One-call structlog setup for applications: JSON lines or a console, with the run's context.

The engine binds the execution, root execution, state, attempt, trace and span IDs with
``structlog.contextvars``; :func:`configure` merges them into every line, so task code that
logs with structlog gets them for free. The library itself never configures logging.

Example:
    >>> import orchestra.logging
    >>> orchestra.logging.configure(json=True, level="info")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import Any, TextIO

import structlog

__all__ = ["configure"]


def configure(
    *, json: bool = False, level: int | str = "info", stream: TextIO | None = None
) -> None:
    """Configure structlog for an application that runs orchestra.

    Args:
        json: one JSON object per line (for log shippers) instead of a readable console.
        level: the lowest level written, as a name (``"debug"``, ``"info"``, ...) or a
            ``logging`` number.
        stream: where lines go (default: standard output, as twelve-factor apps expect).

    Raises:
        ValueError: the level is not a known level name.
    """
    if isinstance(level, str):
        number = logging.getLevelNamesMapping().get(level.upper())
        if number is None:
            raise ValueError(f"unknown log level {level!r}")
        level = number
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    if json:
        processors += [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    else:
        processors.append(structlog.dev.ConsoleRenderer())
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
