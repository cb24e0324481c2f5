"""The ``mailbot`` command line: run the service, check config, feed messages in, read the register.

Exit codes: 0 success; 1 the command ran and found a problem (e.g. URN not found); 2 usage or
configuration error; 3 a service (mail server, database) could not be reached.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mailbot.errors import (
    AllocationError,
    ConfigError,
    ErasureError,
    MailbotError,
    RegisterError,
    ReviewError,
    SourceError,
)

if TYPE_CHECKING:
    from mailbot.config import Settings

# Every command imports what it needs when it runs: ``mailbot --help`` and ``mailbot status`` must
# not pay for the document readers, the templates or the mail libraries.

EXIT_PROBLEM = 1
EXIT_CONFIG = 2
EXIT_SERVICE = 3
DEFAULT_CONFIG_PATHS = ("mailbot.toml", "config/mailbot.toml", "/etc/mailbot/mailbot.toml")


def _config_path(option: str | None) -> Path:
    if option:
        return Path(option)
    env = os.environ.get("MAILBOT_CONFIG")
    if env:
        return Path(env)
    for candidate in DEFAULT_CONFIG_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    return Path(DEFAULT_CONFIG_PATHS[0])


def _settings(ctx: click.Context) -> Settings:
    from mailbot.config import load_settings

    path = _config_path(ctx.obj.get("config"))
    try:
        return load_settings(path)
    except ConfigError as error:
        click.echo(f"mailbot: configuration problems in {path}:", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        ctx.exit(EXIT_CONFIG)
        raise  # unreachable: ctx.exit raises


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "-c",
    metavar="PATH",
    help="Config file (default: $MAILBOT_CONFIG, ./mailbot.toml, config/mailbot.toml, /etc/mailbot/mailbot.toml).",
)
@click.option(
    "--as",
    "acting_as",
    metavar="NAME",
    help="Who is running this command, for the audit trail (default: your login name).",
)
@click.pass_context
def main(ctx: click.Context, config: str | None, acting_as: str | None) -> None:
    """mailbot: automates the CAF@ and preventionearlyhelp@ step-down mailboxes."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    ctx.obj["actor"] = f"cli:{acting_as or _login_name()}"


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        return f"uid{os.getuid()}"


def _register(ctx: click.Context, settings: Settings) -> Any:
    """The register, acting for the person running the command (recorded on every event)."""
    from mailbot.register.database import Register

    return Register(settings.database_url, actor=ctx.obj.get("actor"))


@main.command("check-config")
@click.option(
    "--routes/--no-routes",
    default=True,
    help="Also run every route on a scratch register and check each email it sends (a few seconds).",
)
@click.pass_context
def check_config(ctx: click.Context, routes: bool) -> None:
    """Validate the config file and say exactly what is wrong and where."""
    settings = _settings(ctx)
    from mailbot.templating.samples import SAMPLES
    from mailbot.templating.templates import TemplateRenderer

    template_problems = TemplateRenderer(settings.templates_dir).check(SAMPLES)
    if routes and not template_problems:
        from mailbot.service.route_check import check_route_contexts

        template_problems = check_route_contexts(settings).problems
    if template_problems:
        click.echo(
            f"mailbot: the email templates in {settings.templates_dir or 'the package'} have problems:",
            err=True,
        )
        for problem in template_problems:
            click.echo(f"  - templates.{problem}", err=True)
        ctx.exit(EXIT_CONFIG)
    click.echo(f"{settings.source_path}: OK")
    for mailbox in settings.mailboxes.values():
        kind = f"imap, sign-in {mailbox.imap.auth}" if mailbox.imap else "maildir"
        click.echo(f"  mailbox {mailbox.name}: {mailbox.address} ({mailbox.role}, {kind})")
    click.echo(f"  transport: {settings.transport.kind}")
    smtp = settings.transport.smtp if settings.transport.kind == "smtp" else None
    for identity in smtp.identities if smtp else ():
        click.echo(
            f"  sends as {', '.join(identity.send_as)} signed in as {identity.username} ({identity.auth})"
        )
    click.echo(f"  register: {settings.database_url.split('://', 1)[0]}")
    click.echo(f"  trusted domains: {', '.join(settings.trusted_domains)}")


@main.command("check-connection")
@click.pass_context
def check_connection(ctx: click.Context) -> None:
    """Sign in to every mailbox and the SMTP server and report what works (nothing is changed or sent).

    Exits 1 when any sign-in, folder or From address has a problem; each known failure says what to fix.
    """
    from mailbot.logs import configure_logging
    from mailbot.service.connection_check import check_connections, render

    settings = _settings(ctx)
    configure_logging("WARNING")
    report = check_connections(settings)
    click.echo(render(report))
    if report.problems:
        ctx.exit(EXIT_PROBLEM)


def _app(ctx: click.Context, with_sources: bool = True) -> Any:
    from mailbot.logs import configure_logging
    from mailbot.service.bootstrap import build_app

    settings = _settings(ctx)
    configure_logging(settings.log_level)
    try:
        app = build_app(settings, with_sources=with_sources)
    except SourceError as error:
        click.echo(f"mailbot: a mailbox could not be reached: {error}", err=True)
        ctx.exit(EXIT_SERVICE)
    if ctx.info_name != "run":
        app.register.actor = ctx.obj.get("actor")  # the service itself acts as mailbot (no actor)
    return app


@main.command()
@click.option("--once", is_flag=True, help="Process what is waiting, drain the outbox, and exit.")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Run the service (watch the mailboxes, answer, run the schedules)."""
    import signal
    import threading

    from mailbot.service.daemon import Runner, run_once

    stop = threading.Event()
    if not once:
        # Before anything starts: a stop asked for during start-up ends the service cleanly.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    app = _app(ctx)
    try:
        if once:
            result = run_once(app)
            click.echo(
                f"fetched {result.fetched} message(s), {result.new} new; processed {result.processed}; "
                f"sent {result.sent} repl{'y' if result.sent == 1 else 'ies'}"
            )
            return
        from mailbot.service.monitoring import Monitoring

        runner = Runner(app)
        monitoring = Monitoring(app, runner)  # binds the health port first: a clash stops us before work
        scheduler = _start_scheduler(app, runner)
        runner.start()
        monitoring.start()
        stop.wait()
        monitoring.stop()
        runner.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    except SourceError as error:
        click.echo(f"mailbot: a mailbox could not be reached ({type(error).__name__}): {error}", err=True)
        ctx.exit(EXIT_SERVICE)
    finally:
        app.close()


def _start_scheduler(app: Any, runner: Any) -> Any:
    from mailbot.service.scheduler import start_scheduler

    return start_scheduler(app, runner)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mailbox", "-m", required=True, help="Configured mailbox name the message arrived in (e.g. caf)."
)
@click.option("--send/--no-send", default=True, help="Drain the outbox afterwards (default: yes).")
@click.pass_context
def replay(ctx: click.Context, file: Path, mailbox: str, send: bool) -> None:
    """Feed one .eml file in as if it had arrived in MAILBOX."""
    import hashlib

    from mailbot.sources.base import SourceMessage
    from mailbot.sources.intake import intake

    app = _app(ctx, with_sources=False)
    try:
        if mailbox not in app.settings.mailboxes:
            click.echo(
                f"mailbot: no mailbox named {mailbox!r}; configured: {', '.join(app.settings.mailboxes)}",
                err=True,
            )
            ctx.exit(EXIT_CONFIG)
        raw = file.read_bytes()
        uid = int.from_bytes(hashlib.sha256(raw).digest()[:8], "big") >> 1
        outcome = intake(
            app.register, app.shell.storage, SourceMessage(mailbox, "replay", 0, uid, raw), app.now()
        )
        app.pipeline.process([outcome.message_row_id])
        sent = app.outbox.drain().sent if send and app.outbox else 0
        from mailbot.register.models import Message

        with app.register.transaction() as session:
            row = session.get(Message, outcome.message_row_id)
            state = row.state if row else "unknown"
            reference = f"SD-{row.request_id:06d}" if row and row.request_id else "-"
        click.echo(f"message {outcome.message_row_id}: {state}; request {reference}; sent {sent}")
    finally:
        app.close()


@main.group()
def register() -> None:
    """Read the register (cases, requests, outbox)."""


@register.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "council-csv"]),
    default="json",
    show_default=True,
    help="council-csv: the import's columns under the council's headings, for its case system.",
)
@click.pass_context
def register_export(ctx: click.Context, fmt: str) -> None:
    """Print the whole register as JSON, the cases as CSV, or the council CSV (one row per child),
    streamed: a page of rows at a time, written as it is read."""
    from mailbot.register.council_export import write_council_csv
    from mailbot.register.export import export_to

    settings = _settings(ctx)
    store = _register(ctx, settings)
    try:
        with store.transaction() as session:
            if fmt == "council-csv":
                write_council_csv(session, sys.stdout, settings.register_columns)
            else:
                export_to(fmt, session, sys.stdout)
    finally:
        store.close()


@register.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="FIELD=HEADING",
    help="The file's heading for a field (overrides [register.columns]); repeat for each.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be created or merged; change nothing.")
@click.option("--allow-errors", is_flag=True, help="Import the good rows even when some rows have errors.")
@click.pass_context
def register_import(
    ctx: click.Context, file: Path, mappings: tuple[str, ...], dry_run: bool, allow_errors: bool
) -> None:
    """Load the council's existing cases from FILE (CSV, one row per child); re-running it changes nothing."""
    from datetime import UTC, datetime

    from mailbot.errors import ImportFileError
    from mailbot.register.database import Register
    from mailbot.register.import_rows import FIELDS
    from mailbot.register.importing import ImportOptions, import_register

    settings = _settings(ctx)
    columns = dict(settings.register_columns)
    for mapping in mappings:
        name, _, heading = mapping.partition("=")
        if name not in FIELDS or not heading.strip():
            click.echo(
                f"mailbot: --map {mapping!r}: use FIELD=Heading, FIELD one of {', '.join(FIELDS)}", err=True
            )
            ctx.exit(EXIT_CONFIG)
        columns[name] = heading.strip()
    store = Register(settings.database_url)
    try:
        options = ImportOptions(
            scheme=settings.urn,
            columns=columns,
            districts=settings.districts,
            now=datetime.now(UTC),
            dry_run=dry_run,
            allow_errors=allow_errors,
        )
        report = import_register(store, file, options)
    except ImportFileError as error:
        click.echo(f"mailbot: {error}", err=True)
        ctx.exit(EXIT_PROBLEM)
    finally:
        store.close()
    for problem in report.errors[:100]:
        click.echo(f"  {problem}", err=True)
    if len(report.errors) > 100:
        click.echo(f"  ... and {len(report.errors) - 100} more row errors", err=True)
    verb = "would create" if dry_run else "created"
    click.echo(
        f"{report.rows} row(s), {report.cases_in_file} case(s): {verb} {report.created}, "
        f"{'would merge' if dry_run else 'merged'} {report.merged}, unchanged {report.unchanged}; "
        f"children added {report.children_added}, completed {report.children_completed}; "
        f"lead professionals recorded {report.lead_professionals_recorded}; "
        f"statuses changed {report.statuses_changed}; row errors {len(report.errors)}"
    )
    if dry_run:
        click.echo("dry run: nothing was changed")
    elif not report.written:
        click.echo(
            "nothing was imported: fix the rows above and run it again (or use --allow-errors)", err=True
        )
        ctx.exit(EXIT_PROBLEM)


@register.command("show")
@click.argument("urn")
@click.pass_context
def register_show(ctx: click.Context, urn: str) -> None:
    """Everything about the case with URN (any spelling of it)."""
    from mailbot.register.export import show_case

    settings = _settings(ctx)
    normalised = settings.urn.normalise(urn) or urn.strip().upper()
    store = _register(ctx, settings)
    try:
        with store.transaction() as session:
            record = show_case(session, normalised)
        if record is None:
            click.echo(f"mailbot: no case with URN {normalised}", err=True)
            ctx.exit(EXIT_PROBLEM)
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
    finally:
        store.close()


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Health for operators and monitoring: exit 0 healthy, 1 unhealthy (work stuck or failed, or a
    mailbox failing to connect longer than health.mailbox_failing_max_minutes), 3 database unreachable."""
    from datetime import UTC, datetime

    from mailbot.register.database import Register
    from mailbot.service.health import check_health

    settings = _settings(ctx)
    try:
        store = Register(settings.database_url, migrate=False)
    except RegisterError as error:
        click.echo(f"mailbot: {error}", err=True)
        ctx.exit(EXIT_SERVICE)
    try:
        health = check_health(store, settings, datetime.now(UTC))
    finally:
        store.close()
    if health.database_error is not None:
        click.echo(f"mailbot: {health.database_error}", err=True)
        ctx.exit(EXIT_SERVICE)
    if fmt == "json":
        click.echo(json.dumps(health.to_json(), indent=2))
    else:
        click.echo("mailbot is healthy" if health.healthy else "mailbot is UNHEALTHY")
        for check in health.checks:
            click.echo(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    if not health.healthy:
        ctx.exit(EXIT_PROBLEM)


@main.command("read-document")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.pass_context
def read_document(ctx: click.Context, path: Path, fmt: str) -> None:
    """Read one document (or container) and print the facts found, with provenance."""
    import mimetypes

    from mailbot.domain.content import DocumentLimits, InputFile
    from mailbot.domain.urn import UrnScheme
    from mailbot.extract import load_vocabulary
    from mailbot.service.reader_pool import read_and_extract

    config_path = _config_path(ctx.obj.get("config"))
    if ctx.obj.get("config") or config_path.is_file():
        settings = _settings(ctx)
        limits, fields_file, scheme = settings.documents, settings.fields_file, settings.urn
        forms_dir = settings.forms_dir
    else:
        limits, fields_file, scheme, forms_dir = DocumentLimits(), None, UrnScheme(), None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    facts = read_and_extract(
        InputFile(path.name, content_type, path.read_bytes()),
        limits,
        load_vocabulary(fields_file, forms_dir),
        scheme,
    )
    output: Any = facts[0].to_json() if len(facts) == 1 else [f.to_json() for f in facts]
    click.echo(json.dumps(output, indent=2, ensure_ascii=False))


@main.group()
def forms() -> None:
    """Forms taught from one filled example (read from their learned places ever after)."""


@forms.command("learn")
@click.argument("sample", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="The form's name (default: the sample's file name).")
@click.option(
    "--facts",
    "facts_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The sample's facts as JSON (what `mailbot read-document` prints, corrected) instead of prompts.",
)
@click.option("--kind", type=click.Choice(["assessment", "plan", "taf_minutes", "consent", "other"]))
@click.option(
    "--forms-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where learned forms are kept (default: mailbot.forms_dir in the config).",
)
@click.pass_context
def forms_learn(
    ctx: click.Context,
    sample: Path,
    name: str | None,
    facts_file: Path | None,
    kind: str | None,
    forms_dir: Path | None,
) -> None:
    """Show what the reader finds in SAMPLE, confirm or correct each fact, and learn where each sits."""
    import mimetypes

    from mailbot.documents.dispatch import read_file
    from mailbot.domain.content import DocumentLimits, InputFile
    from mailbot.domain.urn import UrnScheme
    from mailbot.extract import extract_facts, load_vocabulary
    from mailbot.workflow import learn_form

    config_path = _config_path(ctx.obj.get("config"))
    settings = _settings(ctx) if ctx.obj.get("config") or config_path.is_file() else None
    folder = forms_dir or (settings.forms_dir if settings else None)
    if folder is None:
        raise click.UsageError("say where learned forms are kept: --forms-dir or mailbot.forms_dir")
    limits = settings.documents if settings else DocumentLimits()
    scheme = settings.urn if settings else UrnScheme()
    content_type = mimetypes.guess_type(sample.name)[0] or "application/octet-stream"
    contents = read_file(InputFile(sample.name, content_type, sample.read_bytes()), limits)
    if len(contents) != 1 or not contents[0].blocks:
        raise click.ClickException(f"{sample.name}: not one readable document")
    content = contents[0]
    read = extract_facts(content, load_vocabulary(settings.fields_file if settings else None), scheme)
    click.echo(json.dumps(read.to_json(), indent=2, ensure_ascii=False))
    if facts_file is not None:
        confirmed = learn_form.facts_from_file(facts_file)
    else:
        click.echo("Confirm each fact with Enter, type the right value, or '-' when the form does not say.")
        confirmed = learn_form.confirm(
            learn_form.flatten(read, learn_form.SPARE_CHILDREN),
            lambda path, shown: str(click.prompt(path, default=shown, show_default=True)),
        )
    form, unplaced = learn_form.teach(name or sample.stem, content, read, confirmed, kind)
    target = learn_form.save(form, folder)
    click.echo(f"learned {len(form.facts)} facts of form '{form.name}' into {target}")
    for path in unplaced:
        click.echo(f"not learned: {path} (its value is nowhere in the sample)", err=True)


def _as_of(value: str | None, settings: Settings) -> tuple[Any, Any]:
    """(as_of date, now) for a job run by hand; ``--as-of`` pretends today is that date (09:00 local)."""
    from datetime import UTC, date, datetime, time

    now = datetime.now(UTC)
    if value is None:
        return now.astimezone(settings.zone).date(), now
    day = date.fromisoformat(value)
    return day, datetime.combine(day, time(9, 0), tzinfo=settings.zone)


@main.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Run as if today were this date.")
@click.option("--send/--no-send", default=True, help="Drain the outbox afterwards (default: yes).")
@click.option(
    "--dry-run", is_flag=True, help="Say what would be chased or escalated; change nothing, send nothing."
)
@click.pass_context
def chase(ctx: click.Context, as_of: str | None, send: bool, dry_run: bool) -> None:
    """Chase incomplete requests (and late TAF minutes) due a reminder; escalate those chased too often."""
    from mailbot.workflow.chase import run_chases

    app = _app(ctx)
    try:
        day, now = _as_of(as_of, app.settings)
        # Reminders are stamped no later than the real time, so a run "as of" a later day still sends them now.
        now = min(now, app.now())
        result = run_chases(app.register, app.shell, day, now, dry_run=dry_run)
        if dry_run:
            for planned in result.planned:
                what = {
                    "chase": f"would send reminder {planned.attempt}",
                    "escalate": "would escalate to the team",
                    "wait": "not due yet",
                }[planned.action]
                click.echo(f"{planned.reference}  {planned.request_type:<24} {planned.state:<14} {what}")
            click.echo(
                f"dry run for {day.isoformat()}: would chase {result.chased}, escalate {result.escalated}; "
                f"{result.waiting} not yet due; nothing was changed or sent"
            )
            return
        sent = app.outbox.drain().sent if send and app.outbox else 0
        click.echo(
            f"chased {result.chased}, escalated {result.escalated}, not yet due {result.waiting}, "
            f"held by a reply limit {result.held}; sent {sent}"
        )
    finally:
        app.close()


@main.command()
@click.option("--preview", is_flag=True, help="Print the digest instead of sending it.")
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    help="Build it as if today were this date (a future date only previews).",
)
@click.pass_context
def digest(ctx: click.Context, preview: bool, as_of: str | None) -> None:
    """Send (or preview) the allocation digest to WPEHS."""
    from datetime import UTC, datetime

    from mailbot.workflow.weekly_digest import preview_digest, queue_digest

    app = _app(ctx)
    try:
        day, now = _as_of(as_of, app.settings)
        future = day > datetime.now(UTC).astimezone(app.settings.zone).date()
        with app.register.transaction() as session:
            if preview or future:
                # A future date is always a preview: queueing it would take that day's dedupe key and
                # silence the real digest when the day comes.
                rendered = preview_digest(session, app.shell, day, now)
                click.echo(f"Subject: {rendered.subject}\n\n{rendered.text}")
                if future and not preview:
                    click.echo(f"(preview only: {day.isoformat()} is in the future; nothing was queued)")
                return
            row = queue_digest(session, app.shell, day, now)
        if row is None:
            click.echo(f"the digest for {day.isoformat()} was already queued; nothing sent")
            return
        sent = app.outbox.drain().sent if app.outbox else 0
        click.echo(f"digest for {day.isoformat()} queued; sent {sent}")
    finally:
        app.close()


@main.command()
@click.argument("urn")
@click.option("--worker", required=True, help="Allocated worker's name.")
@click.option("--email", "email", help="Allocated worker's email address.")
@click.option("--team", help="Allocated worker's team.")
@click.pass_context
def allocate(ctx: click.Context, urn: str, worker: str, email: str | None, team: str | None) -> None:
    """Record WPEHS's allocation of the step down for URN; feedback and the CAF@ update go out."""
    from mailbot.workflow.allocation import allocate as record

    app = _app(ctx)
    try:
        normalised = app.settings.urn.normalise(urn)
        if normalised is None:
            click.echo(f"mailbot: {urn!r} is not a valid URN (check the check character)", err=True)
            ctx.exit(EXIT_PROBLEM)
        try:
            with app.register.transaction() as session:
                outcome = record(
                    session,
                    app.shell,
                    urn=normalised,
                    worker_name=worker,
                    worker_email=email,
                    team=team,
                    source="cli",
                    now=app.now(),
                )
        except AllocationError as error:
            click.echo(f"mailbot: {error}", err=True)
            ctx.exit(EXIT_PROBLEM)
        sent = app.outbox.drain().sent if app.outbox else 0
        click.echo(f"allocated {outcome.urn} (request {outcome.request_reference}); sent {sent}")
    finally:
        app.close()


@main.command()
@click.option("--host", help="Address to listen on (default: web.host).")
@click.option("--port", type=int, help="Port to listen on (default: web.port).")
@click.option("--no-send", is_flag=True, help="Leave sending to `mailbot run` (no SMTP from the console).")
@click.pass_context
def web(ctx: click.Context, host: str | None, port: int | None, no_send: bool) -> None:
    """Serve the staff console (sign-in with the identity provider in [web.oidc])."""
    import uvicorn

    from mailbot.logs import configure_logging
    from mailbot.web.app import create_app
    from mailbot.web.console import build_console

    settings = _settings(ctx)
    if settings.web is None:
        click.echo("mailbot: the config has no [web] section; see config/mailbot.example.toml", err=True)
        ctx.exit(EXIT_CONFIG)
    configure_logging(settings.log_level)
    console = build_console(settings, send=not no_send)
    try:
        app = create_app(console)
    except ConfigError as error:
        click.echo(f"mailbot: {error}", err=True)
        ctx.exit(EXIT_CONFIG)
    web_settings = settings.web
    try:
        uvicorn.run(
            app,
            host=host or web_settings.host,
            port=port or web_settings.port,
            proxy_headers=True,
            forwarded_allow_ips=web_settings.forwarded_allow_ips,
            server_header=False,
            log_config=None,
        )
    finally:
        console.close()


@main.group()
def review() -> None:
    """The review queue: what the rules could not decide."""


@review.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved items.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def review_list(ctx: click.Context, include_resolved: bool, fmt: str) -> None:
    """List open review items."""
    from mailbot.workflow.review import list_items

    settings = _settings(ctx)
    store = _register(ctx, settings)
    try:
        with store.transaction() as session:
            items = list_items(session, include_resolved)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        click.echo("the review queue is empty")
    for item in items:
        click.echo(
            f"#{item['id']:<5} {item['state']:<9} {item['reason']:<24} {item['reference'] or '-':<10} {item['detail']}"
        )


@review.command("resolve")
@click.argument("item_id", type=int)
@click.option("--action", type=click.Choice(["dismiss", "reprocess", "close-request"]), required=True)
@click.option("--note", default="", help="Why (kept in the audit log).")
@click.pass_context
def review_resolve(ctx: click.Context, item_id: int, action: str, note: str) -> None:
    """Resolve a review item: dismiss it, reprocess its message, or close its request."""
    from datetime import UTC, datetime

    from mailbot.workflow.review import resolve

    settings = _settings(ctx)
    store = _register(ctx, settings)
    try:
        with store.transaction() as session:
            resolve(session, item_id, action, note, datetime.now(UTC))  # type: ignore[arg-type]
        click.echo(f"review item {item_id} resolved ({action})")
    except ReviewError as error:
        click.echo(f"mailbot: {error}", err=True)
        ctx.exit(EXIT_PROBLEM)
    finally:
        store.close()


@main.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Purge as if today were this date.")
@click.pass_context
def purge(ctx: click.Context, as_of: str | None) -> None:
    """Remove personal data past its [retention] periods now (the daemon does this nightly)."""
    from mailbot.register.storage import Storage
    from mailbot.workflow.retention import purge as run_purge

    settings = _settings(ctx)
    _day, now = _as_of(as_of, settings)
    store = _register(ctx, settings)
    try:
        result = run_purge(store, Storage(settings.storage_dir), settings.retention, now)
    finally:
        store.close()
    click.echo(
        f"anonymised {result.closed_cases} closed case(s); removed {result.raw_mail.messages} raw email(s), "
        f"{result.raw_mail.documents} document(s), {result.raw_mail.files} file(s); "
        f"cut {result.sent_mail.emails} sent email(s) to their headers"
    )


@main.command()
@click.option("--urn", help="Erase every child of the case with this URN.")
@click.option("--child", "child_id", type=int, help="Erase one child (its id in `mailbot register show`).")
@click.option("--reason", required=True, help="Why (kept in the audit log; do not write the person's name).")
@click.pass_context
def erase(ctx: click.Context, urn: str | None, child_id: int | None, reason: str) -> None:
    """Remove one person's data now, for a right-to-erasure request the council has agreed to."""
    from datetime import UTC, datetime

    from mailbot.register.storage import Storage
    from mailbot.workflow.erasure import erase_case, erase_child

    if (urn is None) == (child_id is None):
        raise click.UsageError("give exactly one of --urn or --child")
    if not reason.strip():
        raise click.UsageError("--reason must say why")
    settings = _settings(ctx)
    store = _register(ctx, settings)
    storage = Storage(settings.storage_dir)
    try:
        with store.transaction() as session:
            if child_id is not None:
                outcome = erase_child(session, storage, child_id, reason.strip(), datetime.now(UTC))
            else:
                written = urn or ""
                normalised = settings.urn.normalise(written) or written.strip().upper()
                outcome = erase_case(session, storage, normalised, reason.strip(), datetime.now(UTC))
    except ErasureError as error:
        click.echo(f"mailbot: {error}", err=True)
        ctx.exit(EXIT_PROBLEM)
    finally:
        store.close()
    forgotten = outcome.forgotten
    click.echo(
        f"erased {outcome.children} child(ren) of {outcome.urn}: {forgotten.messages} raw email(s), "
        f"{forgotten.documents} document(s), {forgotten.files} file(s), {forgotten.emails} sent email body(ies); "
        f"closed {outcome.requests_closed} open request(s); cleaned {outcome.other_requests} other request(s)"
    )


@main.group()
def templates() -> None:
    """The email templates (edit copies in the folder named by mailbot.templates_dir)."""


@templates.command("list")
@click.pass_context
def templates_list(ctx: click.Context) -> None:
    """List the email templates."""
    from mailbot.templating.templates import TemplateRenderer

    config_path = _config_path(ctx.obj.get("config"))
    directory = _settings(ctx).templates_dir if config_path.is_file() else None
    for name in TemplateRenderer(directory).names():
        click.echo(name)


@templates.command("preview")
@click.argument("name")
@click.option("--html", "show_html", is_flag=True, help="Print the HTML version instead of the text.")
@click.pass_context
def templates_preview(ctx: click.Context, name: str, show_html: bool) -> None:
    """Render template NAME with sample data."""
    import jinja2

    from mailbot.templating.samples import SAMPLES
    from mailbot.templating.templates import TemplateRenderer

    config_path = _config_path(ctx.obj.get("config"))
    directory = _settings(ctx).templates_dir if config_path.is_file() else None
    if name not in SAMPLES:
        click.echo(f"mailbot: no template {name!r}; try: {', '.join(sorted(SAMPLES))}", err=True)
        ctx.exit(EXIT_PROBLEM)
    try:
        rendered = TemplateRenderer(directory).render(name, SAMPLES[name])
    except jinja2.TemplateError as error:
        click.echo(f"mailbot: template {name} does not render: {error}", err=True)
        ctx.exit(EXIT_PROBLEM)
    click.echo(f"Subject: {rendered.subject}\n")
    click.echo(rendered.html if show_html else rendered.text)


def entry() -> None:
    """Console entry point that maps mailbot's errors to exit codes instead of tracebacks."""
    try:
        main(obj={})
    except MailbotError as error:
        click.echo(f"mailbot: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_SERVICE)


if __name__ == "__main__":
    entry()
