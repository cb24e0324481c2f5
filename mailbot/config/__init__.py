"""mailbot's one TOML config file: its schema (``sections``), the checks with their messages, and the
validated ``Settings`` the rest of mailbot reads. Secrets come only from the environment.

Layout: ``sections.py`` (one pydantic model per ``[section]``; add new sections there), ``web.py``
(the console's ``[web]`` tables), ``checks.py`` (field types such as ``Port`` and ``Days`` with the
sentence each mistake gets), ``problems.py`` (pydantic errors as ``dotted.path: what is wrong``, with
"did you mean" for near-miss keys), ``load.py`` (read, check each section, build), ``settings.py``
(the frozen values), ``casework.py`` (the URN formats, register columns, district teams and the
seeds' workflow keys).
(the frozen values), ``signin.py`` (``[signin.*]``, each mailbox's and SMTP identity's ``auth``).
"""

from __future__ import annotations

from mailbot.config.casework import REGISTER_FIELDS
from mailbot.config.load import load_settings, parse_settings
from mailbot.config.sections import (
    DEFAULT_REQUIREMENTS,
    WEEKDAYS,
    HealthSection,
    MailboxRole,
    RetentionSection,
    TlsMode,
)
from mailbot.config.settings import (
    AuthenticationSettings,
    ImapSettings,
    LimitSettings,
    MailboxSettings,
    MaildirSettings,
    OidcSettings,
    Settings,
    SmtpSettings,
    TransportSettings,
    WebSettings,
    WorkflowSettings,
)
from mailbot.config.signin import AuthMethod, GoogleSignIn, MicrosoftSignIn, SignInSettings, SmtpIdentity
from mailbot.config.web import ROLES
from mailbot.rules.requirements import KNOWN_DOCUMENT_REQUIREMENTS, KNOWN_FACT_REQUIREMENTS

__all__ = [
    "DEFAULT_REQUIREMENTS",
    "KNOWN_DOCUMENT_REQUIREMENTS",
    "KNOWN_FACT_REQUIREMENTS",
    "REGISTER_FIELDS",
    "ROLES",
    "WEEKDAYS",
    "AuthMethod",
    "AuthenticationSettings",
    "GoogleSignIn",
    "HealthSection",
    "ImapSettings",
    "LimitSettings",
    "MailboxRole",
    "MailboxSettings",
    "MaildirSettings",
    "MicrosoftSignIn",
    "OidcSettings",
    "RetentionSection",
    "Settings",
    "SignInSettings",
    "SmtpIdentity",
    "SmtpSettings",
    "TlsMode",
    "TransportSettings",
    "WebSettings",
    "WorkflowSettings",
    "load_settings",
    "parse_settings",
]
