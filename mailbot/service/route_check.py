"""Render every email with the context each route really passes: run the routes, read what they queue.

``templates preview`` and the sample check render each template with hand-written sample data, so a
route that passes less than the sample (a Level 1 reply before any case exists: "initials None") goes
unseen. This check runs the council's own config and templates through the real pipeline — parse,
read the attached documents, extract, decide, apply, the chase and digest jobs — on a scratch register
in a temporary folder, then reads every email the routes queued and reports any that failed to render
or that show ``None``, an empty ``[]`` tag or ``()``. Nothing is sent; the real register is untouched.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import jinja2
from docx import Document as DocxDocument
from sqlalchemy import select

from mailbot.config import AuthenticationSettings, Settings
from mailbot.errors import RegisterError
from mailbot.extract import load_vocabulary
from mailbot.register.database import Register
from mailbot.register.models import Message, Outbox
from mailbot.register.storage import Storage
from mailbot.service.bootstrap import rules_factory
from mailbot.service.message_reading import InProcessReader, OpeningRules
from mailbot.service.pipeline import Pipeline
from mailbot.sources.base import SourceMessage
from mailbot.sources.intake import intake
from mailbot.templating.templates import RenderedEmail, TemplateRenderer
from mailbot.transports.outgoing import Shell
from mailbot.workflow.chase import run_chases
from mailbot.workflow.weekly_digest import queue_digest

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: What a rendered email must never show: a missing value printed as Python would print it.
_SUSPECT = re.compile(r"\bNone\b|\[\]|\(\s*\)")


@dataclass
class RouteCheck:
    """What the check found: problems (``template (route): what``) and the templates each route queued."""

    problems: list[str] = field(default_factory=list)
    rendered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def templates(self) -> set[str]:
        return set(self.rendered)


class _RecordingRenderer(TemplateRenderer):
    """The council's renderer, remembering which route's render failed and why before re-raising."""

    def __init__(self, directory: Path | None) -> None:
        super().__init__(directory)
        self.route = ""
        self.failures: list[str] = []

    def render(self, name: str, context: Mapping[str, object]) -> RenderedEmail:
        try:
            return super().render(name, context)
        except jinja2.TemplateError as error:
            self.failures.append(f"{name} ({self.route}): does not render: {error}")
            raise


def _docx(title: str, rows: Sequence[tuple[str, str]], paragraphs: Sequence[str] = ()) -> bytes:
    document = DocxDocument()
    document.add_heading(title, level=1)
    table = document.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _manager(settings: Settings) -> str:
    """The scripted WPEHS manager who answers the digest (made an allocator on the scratch register)."""
    return f"route.check.manager@{settings.mailbox_by_role('caf').address.rpartition('@')[2].lower()}"


class _Routes:
    """Sends the scripted messages of every route through the pipeline on a scratch register."""

    def __init__(
        self,
        settings: Settings,
        pipeline: Pipeline,
        register: Register,
        storage: Storage,
        clock: list[datetime],
    ) -> None:
        self.settings, self.pipeline, self.register, self.storage, self.clock = (
            settings,
            pipeline,
            register,
            storage,
            clock,
        )
        domain = settings.mailbox_by_role("caf").address.rpartition("@")[2]
        self.domain = domain
        self.manager = _manager(settings)
        self.lead = f"route.check.lead@{domain}"
        self.uid = 0

    def mailbox(self, role: str) -> str:
        return self.settings.mailbox_by_role(role).name  # type: ignore[arg-type]

    def address(self, role: str) -> str:
        return self.settings.mailbox_by_role(role).address  # type: ignore[arg-type]

    def send(
        self,
        role: str,
        subject: str,
        body: str,
        attachments: Sequence[tuple[str, bytes]] = (),
        *,
        sender: str | None = None,
        in_reply_to: str | None = None,
    ) -> Message:
        message = EmailMessage()
        # A new worker for each message, so no route meets the per-sender reply limit.
        message["From"] = f"Route Check <{sender or f'route.check.{self.uid}@{self.domain}'}>"
        message["To"] = self.address(role)
        message["Subject"] = subject
        message["Date"] = format_datetime(self.clock[0])
        self.uid += 1
        message["Message-ID"] = f"<route-check.{self.uid}@example.invalid>"
        if in_reply_to:
            message["In-Reply-To"] = message["References"] = in_reply_to
        message.set_content(body)
        for filename, payload in attachments:
            message.add_attachment(
                payload, maintype="application", subtype=DOCX.split("/")[1], filename=filename
            )
        return self.deliver(role, message.as_bytes(policy=policy.SMTP))

    def deliver(self, role: str, raw: bytes) -> Message:
        self.uid += 1
        outcome = intake(
            self.register,
            self.storage,
            SourceMessage(self.mailbox(role), "route-check", 0, self.uid, raw),
            self.clock[0],
        )
        self.pipeline.process([outcome.message_row_id])
        with self.register.transaction() as session:
            row = session.get(Message, outcome.message_row_id)
            if row is None:
                raise RegisterError(f"message row {outcome.message_row_id} vanished during the route check")
            return row

    def outbox(self, template: str) -> Outbox | None:
        with self.register.transaction() as session:
            return (
                session.execute(select(Outbox).where(Outbox.template == template).order_by(Outbox.id.desc()))
                .scalars()
                .first()
            )


def _documents(urn: str | None, child: tuple[str, str, str]) -> list[tuple[str, bytes]]:
    name, dob, postcode = child
    rows = [
        ("Child's name", name),
        ("Date of birth", dob),
        ("Postcode", postcode),
        ("Consent given", "☒ Yes ☐ No"),
    ]
    if urn:
        rows.insert(0, ("URN", urn))
    return [
        ("Assessment.docx", _docx("Early Help Assessment", rows, ["Level of need: Level 2"])),
        ("Family Plan.docx", _docx("Family Plan", [("Child", name), *([("URN", urn)] if urn else [])])),
    ]


def _script(routes: _Routes, label: Callable[[str], None], advance: Callable[[timedelta], None]) -> None:
    """Every route of the seeds, in the order a case lives them."""
    child = ("Ava Check", "03/04/2016", "PR1 1AB")
    label("URN request")
    routes.send(
        "caf", "URN request", "Please can I have a URN. Consent has been given.", _documents(None, child)
    )
    issued = routes.outbox("urn_issued")
    urn = issued.subject.split("URN ", 1)[1].split(" ", 1)[0] if issued is not None else None
    label("URN request for a child who has one")
    routes.send(
        "caf", "URN request", "Please can I have a URN. Consent has been given.", _documents(None, child)
    )
    label("Level 1: no URN")
    routes.send(
        "caf",
        "URN request",
        "Please can I request a URN. Consent has been given. Needs are at level 1 on the continuum of need.",
        _documents(None, ("Leo Levelone", "05/06/2017", child[2])),
    )
    label("incomplete URN request")
    routes.send(
        "caf",
        "URN request",
        "Please can I have a URN.",
        [("Notes.docx", _docx("Notes", [("Name", "Zed Missing")]))],
    )
    label("untrusted sender")
    # ``.example`` (RFC 2606): an address mail could go to (``.invalid`` is unusable, so no reply at all).
    routes.send("caf", "URN request", "Please issue a URN.", sender="someone@route-check.example")
    label("a URN that fails its check")
    routes.send(
        "wpehs", "Step down", "Please step down URN LAN-000001-X. The work requested is parenting support."
    )
    if urn is None:
        return
    work = "The work requested is parenting support and school attendance."
    label("step down to WPEHS, incomplete")
    routes.send(
        "wpehs", f"Step down {urn}", f"Please step down URN {urn}.\n\n{work}", _documents(urn, child)[:1]
    )
    label("step down to WPEHS")
    routes.send("wpehs", f"Step down {urn}", f"Please step down URN {urn}.\n\n{work}", _documents(urn, child))
    label("multi-agency meeting before the allocations meeting")
    meeting = routes.settings.next_allocations_meeting(routes.clock[0]).date()  # on the day counts as before
    routes.send(
        "wpehs",
        f"Representation at multi-agency meeting {urn}",
        f"Please can a worker attend the multi-agency meeting on {meeting:%d/%m/%Y} for URN {urn}.\n\n{work}",
        _documents(urn, child),
    )
    label("weekly digest")
    with routes.register.transaction() as session:
        digest = queue_digest(session, routes.pipeline.shell, routes.clock[0].date(), routes.clock[0])
    if digest is not None:
        label("allocation by digest reply")
        routes.send(
            "wpehs",
            f"RE: {digest.subject}",
            f"{urn}: Route Check Worker <{routes.lead}>, Check Team\nLAN-999999-X: Someone Else\n",
            sender=routes.manager,
            in_reply_to=digest.message_id,
        )
    update = routes.outbox("caf_lp_update")
    if update is not None:
        label("WPEHS tells CAF@ the new lead professional")
        routes.deliver("caf", update.raw)
    label("new lead professional (single agency)")
    routes.send(
        "caf",
        f"New lead professional {urn}",
        f"Single agency step down for URN {urn}. The new LP will be: Route Check Lead, Pastoral Lead, "
        f"Check Primary School, {routes.lead}",
        _documents(urn, child),
    )
    label("TAF minutes")
    routes.send(
        "caf",
        f"TAF minutes {urn}",
        f"Please file the attached TAF minutes for URN {urn}.",
        [("TAF minutes.docx", _docx("TAF Meeting Minutes", [("URN", urn), ("Child", child[0])]))],
    )
    label("no lead professional found")
    routes.send(
        "caf",
        f"Step down {urn}",
        f"URN {urn}: no lead professional has been identified; no agency will agree to be LP.",
    )
    label("new lead professional who then sends nothing")
    routes.send(
        "caf",
        f"New lead professional {urn}",
        f"URN {urn}. The new lead professional is:\nRoute Check Second\nCheck Academy\n{routes.lead}\n",
        _documents(urn, child),
    )
    for days in (10, 30, 36, 42, 50):
        advance(timedelta(days=days) - (routes.clock[0] - routes.clock[1]))
        label(f"chase-ups {days} days later")
        run_chases(routes.register, routes.pipeline.shell, routes.clock[0].date(), routes.clock[0])


def _suspect_lines(email: EmailMessage) -> list[str]:
    found: list[str] = []
    for part in ("plain", "html"):
        body = email.get_body(preferencelist=(part,))
        text = body.get_content() if body is not None else ""
        found += [line.strip() for line in str(text).splitlines() if _SUSPECT.search(line)]
    if _SUSPECT.search(str(email["Subject"])):
        found.append(f"Subject: {email['Subject']}")
    return found


def check_route_contexts(settings: Settings, start: date | None = None) -> RouteCheck:
    """Run every route with ``settings`` (its templates, requirements, districts) and check what is sent."""
    result = RouteCheck()
    day = start or date(2026, 11, 23)
    clock = [datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)] * 2
    with tempfile.TemporaryDirectory(prefix="mailbot-route-check-") as folder:
        # The scripted manager may allocate by email, and the scripted mail carries no gateway
        # verdicts: the check is of the routes and templates, not of who may send them.
        workflow = replace(settings.workflow, allocators=(*settings.workflow.allocators, _manager(settings)))
        scratch = replace(
            settings,
            database_url=f"sqlite:///{Path(folder) / 'register.sqlite3'}",
            storage_dir=Path(folder) / "storage",
            workflow=workflow,
            authentication=AuthenticationSettings(),
        )
        renderer = _RecordingRenderer(settings.templates_dir)
        storage = Storage(scratch.storage_dir)
        register = Register(scratch.database_url)
        vocabulary = load_vocabulary(settings.fields_file, settings.forms_dir)
        shell = Shell(settings=scratch, renderer=renderer, storage=storage)
        opening = OpeningRules(scratch.own_addresses, scratch.message_id_domain, scratch.urn)
        pipeline = Pipeline(
            register,
            shell,
            InProcessReader(storage, settings.documents, vocabulary, opening),
            lambda: clock[0],
            rules_factory(scratch),
        )
        routes = _Routes(scratch, pipeline, register, storage, clock)
        seen = 0

        def collect() -> None:
            nonlocal seen
            with register.transaction() as session:
                rows = (
                    session.execute(select(Outbox).where(Outbox.id > seen).order_by(Outbox.id))
                    .scalars()
                    .all()
                )
            for row in rows:
                seen = row.id
                if row.state == "failed":
                    # Never composed: a template that failed is in ``renderer.failures`` already.
                    if not (row.last_error or "").startswith("the template failed"):
                        result.problems.append(f"{row.template} ({renderer.route}): {row.last_error}")
                    continue
                result.rendered.setdefault(row.template, []).append(renderer.route)
                email = message_from_bytes(row.raw, policy=policy.default)
                if not isinstance(email, EmailMessage):  # policy.default always gives one
                    continue
                for line in _suspect_lines(email):
                    result.problems.append(f"{row.template} ({renderer.route}): shows {line!r}")

        def label(route: str) -> None:
            collect()
            renderer.route = route

        def advance(by: timedelta) -> None:
            clock[0] = clock[0] + by

        try:
            _script(routes, label, advance)
            collect()
        finally:
            register.close()
        result.problems = renderer.failures + result.problems
    return result
