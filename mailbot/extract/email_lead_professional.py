"""The new lead professional as social workers write it in an email body (pure).

A single-agency step down names the new LP in the email itself, in shapes the form reader cannot see
without help:

    The new LP will be: Hannah Head, Pastoral Lead, Preston Primary School, h.head@school.org

    ... single agency response. The new lead professional is:
    Hannah Head
    Pastoral Lead, Preston Primary School
    h.head@school.org / 01772 123456

    Name: Hannah Head
    Agency: Preston Primary School
    Email: h.head@school.org

``mark_lead_professional_blocks`` finds these blocks and rewrites them as the labelled section the
extractor already reads: a "New lead professional" heading, then ``Name:``, ``Role:``, ``Agency:``,
``Email:`` and ``Phone:`` lines (each keeping the ``where`` of the line it came from).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailbot.domain.content import Paragraph
from mailbot.extract.values import EMAIL, PHONE, clean_name

_INTRO = re.compile(
    r"(?:\b(?:the\s+)?(?:new|proposed|identified|agreed|nominated|allocated)\s+)?"
    r"\b(?:lead professional|lead practitioner|lead worker|LP)(?:'s)?(?:\s+details)?"
    r"(?:\s+(?:is|will be|is going to be|has been identified as|has been agreed as|are))?"
    r"(?:\s+for\s+[^:.]{1,40})?\s*(?::|-|–)\s*(?P<rest>.*)$|"
    r"\b(?:the\s+)?(?:new|proposed|identified|agreed|nominated)\s+(?:lead professional|lead practitioner|LP)"
    r"\s+(?:is|will be)\s*$",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z /.-]{1,24}?)\s*[:\-–]\s+(?P<value>\S.*)$")
_LABELS = {
    "name": "Name",
    "full name": "Name",
    "lp name": "Name",
    "lead professional": "Name",
    "role": "Role",
    "job title": "Role",
    "title": "Role",
    "position": "Role",
    "designation": "Role",
    "agency": "Agency",
    "organisation": "Agency",
    "organization": "Agency",
    "service": "Agency",
    "team": "Agency",
    "school": "Agency",
    "setting": "Agency",
    "employer": "Agency",
    "email": "Email",
    "e-mail": "Email",
    "email address": "Email",
    "tel": "Phone",
    "tel.": "Phone",
    "telephone": "Phone",
    "phone": "Phone",
    "mobile": "Phone",
    "contact number": "Phone",
}
_CHILD_LABELS = re.compile(r"\b(?:dob|d\.o\.b|date of birth|born|lcs|child|young person)\b", re.IGNORECASE)
_ORGANISATION = re.compile(
    r"\b(?:school|academy|nursery|college|service|services|team|trust|nhs|council|wpehs|centre|center|charity|"
    r"hub|health|practice|project|partnership|barnardo'?s|action for children|surgery|clinic|police|"
    r"children'?s centre|early help|youth)\b",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:kind regards|regards|many thanks|thanks|thank you|best wishes|cheers)\b", re.IGNORECASE
)
HEADING = "New lead professional"
_MAX_LINES = 7


def _labelled(text: str) -> tuple[str, str] | None:
    match = _LABEL.match(text)
    if match is None:
        return None
    label = _LABELS.get(" ".join(match.group("label").lower().split()))
    return (label, match.group("value").strip()) if label else None


def _classify_parts(parts: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(label, value, where) for unlabelled lines: email, phone, the name, then role and agency."""
    found: list[tuple[str, str, str]] = []
    have: set[str] = set()
    for text, where in parts:
        labelled = _labelled(text)
        if labelled is not None:
            found.append((*labelled, where))
            have.add(labelled[0])
            continue
        for piece in [p.strip() for p in re.split(r"\s*(?:,|/|\||;)\s+|\s+-\s+", text) if p.strip()]:
            label = _label_of(piece, have)
            if label is not None:
                found.append((label, piece, where))
                have.add(label)
    return found


def _label_of(piece: str, have: set[str]) -> str | None:
    if EMAIL.fullmatch(piece.strip(" .<>")):
        return "Email"
    if PHONE.search(piece) and len(re.sub(r"\D", "", piece)) >= 10:
        return "Phone"
    if (
        "Name" not in have
        and not _ORGANISATION.search(piece)
        and clean_name(piece)
        and len(piece.split()) <= 4
    ):
        return "Name"
    if _ORGANISATION.search(piece) and "Agency" not in have:
        return "Agency"
    if "Role" not in have:
        return "Role"
    if "Agency" not in have:
        return "Agency"
    return None


def _as_block(found: list[tuple[str, str, str]], where: str) -> list[Paragraph]:
    return [Paragraph(HEADING, where, heading_level=2)] + [
        Paragraph(f"{label}: {value}", line_where) for label, value, line_where in found
    ]


def _block_after_intro(
    paragraphs: Sequence[Paragraph], start: int, rest: str
) -> tuple[list[tuple[str, str]], int]:
    """Lines of the LP block after an intro line at ``start``; returns (text, where) parts and the end."""
    parts: list[tuple[str, str]] = []
    if rest.strip():
        parts.append((rest.strip(), paragraphs[start].where))
    index = start + 1
    skipped_blank = False
    while index < len(paragraphs) and len(parts) < _MAX_LINES:
        text = paragraphs[index].text.strip()
        if not text:
            if parts or skipped_blank:
                break
            skipped_blank = True  # one blank line between the intro and the details
            index += 1
            continue
        if _SIGN_OFF.match(text) or paragraphs[index].heading_level or _CHILD_LABELS.search(text):
            break
        parts.append((text, paragraphs[index].where))
        index += 1
    return parts, index


def _bare_group(paragraphs: Sequence[Paragraph], start: int) -> tuple[list[tuple[str, str, str]], int]:
    """Consecutive ``Label: value`` lines naming a person and their agency/role/contact, not a child."""
    found: list[tuple[str, str, str]] = []
    index = start
    while index < len(paragraphs):
        text = paragraphs[index].text
        if _CHILD_LABELS.search(text.split(":", 1)[0]):
            return [], start
        labelled = _labelled(text)
        if labelled is None:
            break
        found.append((*labelled, paragraphs[index].where))
        index += 1
    labels = {label for label, _, _ in found}
    if "Name" in labels and labels & {"Agency", "Role", "Email", "Phone"}:
        return found, index
    return [], start


def mark_lead_professional_blocks(paragraphs: Sequence[Paragraph]) -> list[Paragraph]:
    """``paragraphs`` with each lead-professional block rewritten as a labelled, headed section."""
    result: list[Paragraph] = []
    index = 0
    in_lp_section = False
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        text = paragraph.text
        if paragraph.heading_level:
            in_lp_section = bool(
                re.search(r"lead professional|lead practitioner|\bLP\b", text, re.IGNORECASE)
            )
        intro = _INTRO.search(text)
        if intro is not None:
            parts, end = _block_after_intro(paragraphs, index, intro.group("rest") or "")
            found = _classify_parts(parts)
            if any(label == "Name" for label, _, _ in found):
                result.append(Paragraph(text, paragraph.where))
                result.extend(_as_block(found, paragraph.where))
                index = end
                continue
        if not in_lp_section and _labelled(text) is not None:
            found, end = _bare_group(paragraphs, index)
            if found:
                result.extend(_as_block(found, paragraph.where))
                index = end
                continue
        result.append(paragraph)
        index += 1
    return result
