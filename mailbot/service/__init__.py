"""The running service: wiring adapters from config (``bootstrap``), the pipeline from stored message to
decision, the document worker pool, the daemon with its IDLE loops, the scheduler, and health (``status``,
``/healthz``, ``/metrics``, the systemd watchdog).
"""

__all__ = ["bootstrap", "daemon", "health", "monitoring", "pipeline", "reader_pool", "route_check", "scheduler"]
