"""One module per state type: its compile step and its ``run``."""
