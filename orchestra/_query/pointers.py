"""JSON pointers (RFC 6901): where in a definition a diagnostic points."""

from __future__ import annotations


def child(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens``, each escaped as RFC 6901 requires."""
    for token in tokens:
        text = str(token).replace("~", "~0").replace("/", "~1")
        pointer = f"{pointer}/{text}"
    return pointer
