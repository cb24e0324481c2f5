"""The pure decision core: classify a message, check completeness, decide actions (no I/O, no clock)."""
