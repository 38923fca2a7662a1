"""Query code: JSONPath paths, payload templates and intrinsic functions (pure, no I/O)."""
