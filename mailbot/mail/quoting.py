"""Find what the sender of a reply actually wrote, without the quoted history or their signature (pure).

A social worker answering our chase-up leaves our whole message under their reply, URNs, dates and
all. Reading those again as new facts would let our own words confirm themselves, so the extractor
reads ``new_text(body_text)`` for a reply. The history starts at the first of:

- Outlook desktop and Outlook on the web: a "From: … Sent: … To: … Subject: …" header block (after a
  "-----Original Message-----" line or a line of underscores in older versions; both are cut too);
- Gmail, Apple Mail and Thunderbird: "On <date>, <name> wrote:" (Gmail wraps it over two lines);
- any line quoted with ">" (inline answers keep the unquoted lines between quotes);
- a signature after the RFC 3676 "-- " line, and mobile footers ("Sent from my iPhone").

A *forward* (Outlook "FW:") uses the same header block, but there the forwarded content is what the
sender means to pass on; callers should read the whole body for forwards.
"""

from __future__ import annotations

import re

_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-{2,}$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^_{10,}$")
_HEADER_FROM = re.compile(r"^\*?(?:from|von|de)\s*:\*?\s", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\*?(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|objet)\s*:\*?", re.IGNORECASE
)
_WROTE = re.compile(
    r"^(?:on\b.{3,300}\bwrote|am\b.{3,300}\bschrieb.{0,200}|le\b.{3,300}\ba écrit)\s*:$", re.IGNORECASE
)
_QUOTED = re.compile(r"^\s*>")
_MOBILE_FOOTER = re.compile(
    r"^(?:sent from my (?:iphone|ipad|android|samsung|mobile)|get outlook for (?:ios|android)|"
    r"sent from outlook for (?:ios|android)|sent from mail for windows).*$",
    re.IGNORECASE,
)


def _history_starts(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if _ORIGINAL_MESSAGE.match(line):
        return True
    following = [candidate.strip() for candidate in lines[index + 1 : index + 8] if candidate.strip()]
    if _UNDERSCORES.match(line):
        return bool(following) and bool(_HEADER_FROM.match(following[0] + " "))
    if _HEADER_FROM.match(line + " "):
        # Outlook's block: From, then Sent/Date and To/Subject within the next lines.
        return sum(1 for candidate in following[:5] if _HEADER_OTHER.match(candidate)) >= 2
    if _WROTE.match(line):
        return True
    if index + 1 < len(lines) and line.lower().startswith(("on ", "am ", "le ")):
        # Gmail wraps "On Tue, 4 Mar 2025 at 09:12, CAF Team <caf@...>\nwrote:" over two lines.
        return bool(_WROTE.match(f"{line} {lines[index + 1].strip()}"))
    return False


def new_text(body_text: str) -> str:
    """Return the part of ``body_text`` the sender wrote: history, quotes and signature removed.

    Returns "" when nothing new is left (a bare forward, or a reply that only quotes).
    """
    lines = body_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index in range(len(lines)):
        if _history_starts(lines, index):
            cut = index
            break
    kept = lines[:cut]
    for index, line in enumerate(kept):
        if line.rstrip() == "--":  # RFC 3676 signature separator "-- " (trailing space often lost)
            kept = kept[:index]
            break
    kept = [line.rstrip() for line in kept if not _QUOTED.match(line)]
    while kept and (not kept[-1].strip() or _MOBILE_FOOTER.match(kept[-1].strip())):
        kept.pop()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
