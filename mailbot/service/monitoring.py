"""The daemon's health outward: ``/healthz`` (JSON) and ``/metrics`` (Prometheus) on a loopback port,
and the systemd notification socket (``READY=1``, ``WATCHDOG=1`` while healthy).

Every answer is computed when asked (aggregate queries, see ``register/health.py``), so a probe never
reads a stale "healthy". The HTTP server is the standard library's; metrics are written by
``prometheus_client`` from a collector that reads the same ``Health`` as ``mailbot status``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from mailbot.errors import ConfigError
from mailbot.service.bootstrap import App
from mailbot.service.daemon import Runner
from mailbot.service.health import Check, Health, check_health

log = logging.getLogger(__name__)
Probe = Callable[[], Health]


class HealthCollector(Collector):
    """Prometheus metrics from one health probe per scrape."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    def describe(self) -> list[Any]:
        return []  # nothing to check at registration: collect() queries the register

    def collect(self) -> Iterator[GaugeMetricFamily]:
        health = self.probe()
        yield GaugeMetricFamily(
            "mailbot_healthy", "1 when every health check passes", value=int(health.healthy)
        )
        yield GaugeMetricFamily(
            "mailbot_register_up",
            "1 when the register (database) answers",
            value=int(health.figures is not None),
        )
        checks = GaugeMetricFamily("mailbot_health_check", "1 when the named check passes", labels=["check"])
        for check in health.checks:
            checks.add_metric([check.name], int(check.ok))
        yield checks
        figures = health.figures
        if figures is None:
            return
        for name, help_text, counts in (
            ("mailbot_messages", "Incoming messages in the register, by state", figures.messages),
            ("mailbot_outbox_emails", "Outgoing emails in the outbox, by state", figures.outbox),
            ("mailbot_requests", "Step-down requests, by state", figures.requests),
        ):
            family = GaugeMetricFamily(name, help_text, labels=["state"])
            for state, count in sorted(counts.items()):
                family.add_metric([state], count)
            yield family
        yield GaugeMetricFamily("mailbot_review_items_open", "Open review items", value=figures.review_open)
        oldest = GaugeMetricFamily(
            "mailbot_oldest_age_seconds",
            "Age of the oldest row in a waiting state (0 when none)",
            labels=["state"],
        )
        for state, seconds in (
            ("received", figures.oldest_received_seconds),
            ("sending", figures.oldest_sending_seconds),
            ("pending", figures.oldest_pending_seconds),
            ("failed_unresolved", figures.oldest_failure_open_seconds),
        ):
            oldest.add_metric([state], seconds)
        yield oldest


def _handler(probe: Probe, registry: CollectorRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] == "/healthz":
                health = probe()
                body = json.dumps(health.to_json(), indent=2).encode()
                self._answer(200 if health.healthy else 503, "application/json", body)
            elif self.path.split("?", 1)[0] == "/metrics":
                self._answer(200, CONTENT_TYPE_LATEST, generate_latest(registry))
            else:
                self._answer(404, "text/plain; charset=utf-8", b"not found: try /healthz or /metrics\n")

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("health endpoint %s", format % args)

    return Handler


class HealthServer:
    """``/healthz`` and ``/metrics`` served from a thread; port 0 asks the system for a free one."""

    def __init__(self, host: str, port: int, probe: Probe) -> None:
        registry = CollectorRegistry()
        registry.register(HealthCollector(probe))
        self.server = ThreadingHTTPServer((host, port), _handler(probe, registry))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="health-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self._thread.start()
        log.info("health endpoint listening port=%s", self.port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def notify(state: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Send ``state`` to systemd's notification socket (sd_notify(3)); False when not under systemd."""
    address = environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace socket
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as error:
        log.warning("systemd notification failed error=%s", type(error).__name__)
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] = os.environ) -> float | None:
    """Half of systemd's ``WatchdogSec`` (from ``WATCHDOG_USEC``), or None when no watchdog is asked for."""
    usec, pid = environ.get("WATCHDOG_USEC"), environ.get("WATCHDOG_PID")
    if not usec or not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """Feeds systemd's watchdog while the service is live; otherwise says why in ``STATUS=``."""

    def __init__(self, probe: Probe, interval: float, environ: Mapping[str, str] = os.environ) -> None:
        self.probe = probe
        self.interval = interval
        self.environ = environ
        self._stop = threading.Event()
        self._was_live = True
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)

    def tick(self) -> Health:
        """One check: ``WATCHDOG=1`` when live, else a ``STATUS=`` line naming the failing checks."""
        health = self.probe()
        failing = [check for check in health.checks if not check.ok]
        status = (
            "healthy" if not failing else "unhealthy: " + "; ".join(f"{c.name}: {c.detail}" for c in failing)
        )
        notify(("WATCHDOG=1\n" if health.live else "") + f"STATUS={status}", self.environ)
        if health.live != self._was_live:
            log.warning(
                "watchdog %s failing=%s",
                "fed" if health.live else "withheld",
                ",".join(c.name for c in failing),
            )
            self._was_live = health.live
        return health

    def _run(self) -> None:
        # No catch here: a check that raises ends this thread, the pings stop, and systemd restarts us.
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def daemon_probe(app: App, runner: Runner) -> Probe:
    """The running daemon's health: the register's checks plus "every mailbox loop is running"."""

    def probe() -> Health:
        health = check_health(app.register, app.settings, app.now())
        stopped = runner.stopped_loops()
        loops = Check(
            "mailbox_loops",
            not stopped,
            f"stopped: {', '.join(stopped)}" if stopped else f"{len(app.sources)} running",
            live=True,
        )
        return Health((*health.checks, loops), health.figures, health.database_error)

    return probe


class Monitoring:
    """What ``mailbot run`` starts beside the runner: the health endpoint and the systemd watchdog."""

    def __init__(self, app: App, runner: Runner, environ: Mapping[str, str] = os.environ) -> None:
        probe = daemon_probe(app, runner)
        settings = app.settings.health
        self.environ = environ
        try:
            self.server = HealthServer(settings.listen, settings.port, probe) if settings.port else None
        except OSError as error:
            where = f"{settings.listen}:{settings.port}"
            raise ConfigError([f"health.port: cannot listen on {where} ({error.strerror})"]) from error
        interval = watchdog_interval(environ)
        self.watchdog = Watchdog(probe, interval, environ) if interval else None

    def start(self) -> None:
        if self.server is not None:
            self.server.start()
        notify("READY=1\nSTATUS=started", self.environ)
        if self.watchdog is not None:
            self.watchdog.start()

    def stop(self) -> None:
        notify("STOPPING=1", self.environ)
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.server is not None:
            self.server.stop()
