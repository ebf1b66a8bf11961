"""Use cases: each owns one unit of work (load, decide in core, persist, log) and one commit."""
