"""The running service: wiring adapters from config (``bootstrap``), the pipeline from stored message to
decision, the document worker pool, the daemon with its IDLE loops, and the scheduler.
"""

__all__ = ["bootstrap", "daemon", "pipeline", "reader_pool", "route_check", "scheduler"]
