"""Read ``Authentication-Results`` headers (RFC 8601) and Exchange Online's own stamps (pure).

Only headers written by the council's own mail servers mean anything: anyone can write an
``Authentication-Results`` header into a message before sending it. So a header counts only when its
authserv-id is one the config trusts, and then only the topmost one per authserv-id (the last one
added, by the server nearest the mailbox; RFC 8601 section 5 asks that server to delete copies of its
own id arriving from outside, and a forged copy is always below the real one). Every other header is
ignored, never read as a failure: it is simply not evidence.

Exchange Online quirks (each one what Microsoft 365 really writes):

- Its ``Authentication-Results`` has no authserv-id at all (``spf=pass (sender IP is ...)
  smtp.mailfrom=...; dkim=pass ...; dmarc=pass action=none header.from=...; compauth=pass
  reason=100``). With ``exchange_online`` on, the topmost id-less header is Exchange's.
- Mail from inside the tenant carries ``X-MS-Exchange-Organization-AuthAs: Internal`` and no
  authentication results. Exchange's header firewall removes ``X-MS-Exchange-Organization-*`` headers
  from mail arriving from outside, so this one cannot be forged by an outside sender.

``authres`` (PyPI) was considered: it rejects Exchange Online's header (no authserv-id) and has not
been released since 2019, so this small tolerant reader is used instead.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from mailbot.mail.message import ParsedMessage

_PAIR = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')


@dataclass(frozen=True)
class AuthResult:
    """One ``method=result`` with its properties (``smtp.mailfrom``, ``header.d``, ``header.from``...)."""

    method: str
    result: str
    properties: tuple[tuple[str, str], ...] = ()

    def prop(self, name: str) -> str | None:
        for key, value in self.properties:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class AuthResultsHeader:
    """One ``Authentication-Results`` header; ``authserv_id`` None for Exchange Online's id-less one."""

    authserv_id: str | None
    results: tuple[AuthResult, ...]


def _without_comments(value: str) -> str:
    """The header with RFC 5322 comments (nested parentheses) removed, quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            quoted = char != '"'
            out.append(char)
        elif char == '"' and depth == 0:
            quoted = True
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return " ".join("".join(out).split())


def _resinfo(segment: str) -> AuthResult | None:
    pairs = [(key.lower(), value.strip('"')) for key, value in _PAIR.findall(segment)]
    if not pairs:
        return None
    (method, result), properties = pairs[0], pairs[1:]
    return AuthResult(method.split("/", 1)[0], result.lower(), tuple(properties))


def parse_authentication_results(value: str) -> AuthResultsHeader | None:
    """Parse one header value; None when it is not readable as one (never raises)."""
    segments = [s.strip() for s in _without_comments(value).split(";")]
    if not segments or not segments[0]:
        return None
    first = segments[0]
    authserv_id: str | None
    if re.match(r"[A-Za-z0-9_\-/]+\s*=", first):  # Exchange Online: no authserv-id, results at once
        authserv_id, rest = None, segments
    else:
        authserv_id, rest = first.split()[0].lower(), segments[1:]
    results = []
    for segment in rest:
        if not segment or segment.lower() == "none":
            continue
        result = _resinfo(segment)
        if result is not None:
            results.append(result)
    return AuthResultsHeader(authserv_id, tuple(results))


def trusted_results(
    message: ParsedMessage, trusted_ids: Collection[str], *, exchange_online: bool = False
) -> tuple[AuthResultsHeader, ...]:
    """The headers from the council's own servers: the topmost per trusted authserv-id, plus the
    topmost id-less one when ``exchange_online``. Headers are in message order, topmost first.
    """
    wanted = {i.strip().lower() for i in trusted_ids if i.strip()}
    chosen: dict[str | None, AuthResultsHeader] = {}
    for value in message.header_all("authentication-results"):
        header = parse_authentication_results(value)
        if header is None or header.authserv_id in chosen:
            continue
        if (header.authserv_id is None and exchange_online) or header.authserv_id in wanted:
            chosen[header.authserv_id] = header
    return tuple(chosen.values())


def exchange_internal(message: ParsedMessage) -> bool:
    """True when Exchange Online says the message was sent from inside the tenant (topmost stamp)."""
    value = message.header("x-ms-exchange-organization-authas")
    return value is not None and value.strip().lower() == "internal"
