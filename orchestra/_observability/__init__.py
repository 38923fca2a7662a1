"""Spans, log context, metrics and notifications: every name the engine reports under."""
