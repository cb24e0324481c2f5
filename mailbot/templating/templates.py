"""Render every outgoing email from a Jinja2 template: subject, plain text and HTML (pure).

Layout. One file per email, ``NAME.j2``, extending ``_layout.j2`` and filling three blocks:
``subject``, ``text`` and ``html``. Keeping the three together means a council editor changes the
wording of an email in one place, and cannot update the HTML and forget the text. The layout renders
only the block asked for (``email_part``), and each part is rendered by its own environment compiled
from the same file: ``subject`` and ``text`` with autoescape off (no ``&amp;`` in a subject line),
``html`` with autoescape on, so an edited template cannot forget to escape. Files starting with ``_``
are shared pieces (the layout, ``_phrases.j2``), not emails.

Where templates live. The defaults ship inside the package (``mailbot/templating/templates_default/``), so they
are found from a wheel as well as a checkout. ``TemplateRenderer(directory)`` (config
``templates_dir``) looks in the council's folder first and falls back to the defaults for any file the
council has not copied, so a council can change just ``_layout.j2`` (the signature) or one email.

Every key is required: ``StrictUndefined`` makes a missing key raise ``jinja2.UndefinedError`` instead
of sending "Dear ,". ``mailbot.templating.samples`` documents each template's keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

import jinja2
import jinja2.meta
import jinja2.nodes
import markupsafe

#: The package folder holding the default templates.
PACKAGED_FOLDER = "templates_default"
SUFFIX = ".j2"

_HTML_TAG = re.compile(
    r"</?(?:html|head|body|p|br|div|span|table|thead|tbody|tr|td|th|ul|ol|li|strong|em|a|h[1-6])\b"
)


@dataclass(frozen=True)
class RenderedEmail:
    """One email ready for the outbox: a one-line subject, a text/plain body and a text/html body."""

    subject: str
    text: str
    html: str


def _require(value: object) -> None:
    # Filters see StrictUndefined as an object; str() makes it raise UndefinedError like a lookup does.
    if isinstance(value, jinja2.Undefined):
        str(value)


def _as_date(value: date | datetime | str) -> date | datetime:
    # Contexts that went through JSON (the outbox, the audit log) carry ISO strings; accept them.
    _require(value)
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def long_date(value: date | datetime | str) -> str:
    """``Tuesday 14 October 2025`` (the British order, no leading zero); ISO strings are accepted."""
    value = _as_date(value)
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_date(value: date | datetime | str) -> str:
    """``14 Oct 2025``, for tables; ISO strings are accepted."""
    value = _as_date(value)
    return f"{value.day} {value:%b %Y}"


def time_of_day(value: datetime | str) -> str:
    """``9:30am`` / ``2pm``, the way council letters write times; ISO strings are accepted."""
    _require(value)
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def oneline(value: object) -> str:
    """``value`` with every run of whitespace (newlines included) made one space.

    Already-escaped HTML (``Markup``) stays marked safe, so the html part does not escape it twice.
    """
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(" ").join(value.split())
    return " ".join(str(value).split())


def pad(value: object, width: int, align: str = "left") -> str:
    """``value`` as text padded to ``width`` characters, for the aligned plain-text tables."""
    _require(value)
    _require(width)
    text = str(value)
    return text.rjust(width) if align == "right" else text.ljust(width)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 working day`` / ``3 working days``."""
    _require(count)
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def invalid(key: str, value: object) -> NoReturn:
    """Called by a template for a value it has no wording for (an unknown ``request_type``)."""
    raise jinja2.TemplateRuntimeError(f"template has no wording for {key}={value!r}")


def _environment(loader: jinja2.BaseLoader, autoescape: bool) -> jinja2.Environment:
    # Autoescape is fixed per environment, not per file, so the html part can never be left unescaped.
    # The text environment (autoescape off) renders only text/plain bodies and subject lines.
    environment = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Compiled once and kept for the life of the process (no stat of the file at every email):
        # an edited template is taken up at the next start, after ``check-config`` has checked it.
        auto_reload=False,
    )
    environment.filters.update(
        oneline=oneline,
        long_date=long_date,
        short_date=short_date,
        time_of_day=time_of_day,
        pad=pad,
        plural=plural,
    )
    environment.globals["invalid"] = invalid
    return environment


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


class TemplateRenderer:
    """Renders the email templates in ``directory`` (falling back to the packaged defaults).

    ``directory=None`` uses the packaged templates only.
    """

    def __init__(self, directory: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if directory is not None:
            loaders.append(jinja2.FileSystemLoader(directory))
        loaders.append(jinja2.PackageLoader("mailbot.templating", PACKAGED_FOLDER))
        loader = jinja2.ChoiceLoader(loaders)
        self.directory = directory
        self._text = _environment(loader, autoescape=False)
        self._html = _environment(loader, autoescape=True)

    def warm(self) -> None:
        """Compile every email in both environments now, so the first email after a start is not
        the one that pays for it (the daemon calls this as it starts)."""
        for name in self.names():
            self._text.get_template(name + SUFFIX)
            self._html.get_template(name + SUFFIX)

    def names(self) -> list[str]:
        """The emails that can be rendered (template names without ``.j2``), sorted."""
        return sorted(
            name.removesuffix(SUFFIX)
            for name in self._text.list_templates()
            if name.endswith(SUFFIX) and "/" not in name and not name.startswith("_")
        )

    def keys(self, name: str) -> set[str]:
        """The context keys email ``name`` reads, through its layout and imports (for previews and tests)."""
        seen: set[str] = set()
        keys: set[str] = set()
        pending = [name + SUFFIX]
        while pending:
            file = pending.pop()
            if file in seen:
                continue
            seen.add(file)
            source = self._text.loader.get_source(self._text, file)[0]  # type: ignore[union-attr]
            tree = self._text.parse(source)
            # Imports and macros bound at the top of a child template look undeclared inside its blocks.
            bound = {node.target for node in tree.find_all(jinja2.nodes.Import)}
            bound |= {node.name for node in tree.find_all(jinja2.nodes.Macro)}
            keys |= jinja2.meta.find_undeclared_variables(tree) - bound
            pending.extend(ref for ref in jinja2.meta.find_referenced_templates(tree) if ref)
        return keys - {"email_part"} - set(self._text.globals)

    def render(self, name: str, context: Mapping[str, object]) -> RenderedEmail:
        """Render email ``name`` with ``context``.

        The subject is collapsed to one line, and when ``context`` has a ``reference`` its tag
        ``[SD-000123]`` is appended if an edited template dropped it (replies thread on it).
        Raises ``jinja2.TemplateNotFound`` for an unknown name, ``jinja2.UndefinedError`` for a missing
        key and ``jinja2.TemplateRuntimeError`` for a value the template has no wording for.
        """
        file = name + SUFFIX
        text_template = self._text.get_template(file)
        html_template = self._html.get_template(file)
        subject = " ".join(text_template.render({**context, "email_part": "subject"}).split())
        reference = context.get("reference")
        if reference and f"[{reference}]" not in subject:
            subject = f"{subject} [{reference}]"
        text = _tidy_text(text_template.render({**context, "email_part": "text"}))
        html = html_template.render({**context, "email_part": "html"}).strip() + "\n"
        return RenderedEmail(subject=subject, text=text, html=html)

    def check(self, samples: Mapping[str, Mapping[str, object]]) -> list[str]:
        """Render each template with its sample and list what is wrong, for ``check-config``.

        Catches an edited template that no longer renders, a subject without the reference tag, and
        HTML tags leaking into the text part. Returns ``NAME: problem`` lines (empty when all is well).
        """
        problems: list[str] = []
        for name in self.names():
            sample = samples.get(name)
            if sample is None:
                problems.append(f"{name}: no sample context to check it with")
                continue
            try:
                raw_subject = " ".join(
                    self._text.get_template(name + SUFFIX).render({**sample, "email_part": "subject"}).split()
                )
                email = self.render(name, sample)
            except jinja2.TemplateError as error:
                problems.append(f"{name}: {error}")
                continue
            if sample.get("reference") and f"[{sample['reference']}]" not in raw_subject:
                problems.append(f"{name}: the subject does not carry [{{{{ reference }}}}]")
            if _HTML_TAG.search(email.text):
                problems.append(f"{name}: the text part contains HTML tags")
            if not email.subject:
                problems.append(f"{name}: the subject is empty")
        return problems
