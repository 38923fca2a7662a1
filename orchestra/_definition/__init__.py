"""State machine definitions: loading (JSON, YAML, ``${Name}`` substitutions) and validation."""
