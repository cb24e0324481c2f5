"""Facts a document states only in running prose: a letter's child and its writer as lead professional (pure).

Labelled fields always win; these readings are the fallback for letters that have no form at all:
"Re: Ava Smith, date of birth 3/4/15" names the child, and "I have agreed to act as Lead Professional"
makes the letter's own sign-off block ("Yours sincerely," name, "Role, Agency", "Tel: ... Email: ...")
the new lead professional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mailbot.extract.dates import iter_british_dates, parse_british_date
from mailbot.extract.values import (
    NAME_IN_TEXT,
    NAME_WITH_BIRTH_DATE,
    POSTCODE,
    clean_name,
    clean_text,
    find_email,
    find_phone,
    is_agency,
)

#: The oldest a child in an Early Help step down can be (care leavers up to 21 are still children's work).
MAX_CHILD_AGE = 21
#: Words a subject line or sentence puts before a name: "Re Ava Smith DOB ...", "Dear Ava Smith".
_LEADING_WORDS = frozenset(["re", "ref", "regarding", "subject", "dear", "child", "baby", "for", "about"])
#: Words around a name that say it is an adult's: "Mum Sarah Smith, DOB 1/2/03".
_ADULT_NEAR = re.compile(
    r"\b(?:mum|mother|dad|father|parent|carer|step[\s-]?(?:mum|dad|mother|father)|partner|grand(?:mother|father|parent)"
    r"|nan|aunt|uncle|guardian|adult)\b",
    re.IGNORECASE,
)
#: The writer saying they take the lead: "I have agreed to act as Lead Professional", "I will be the LP".
_WRITER_IS_LEAD = re.compile(
    r"\b(?:I|we)(?:'ll|'m|'ve)?(?:\s+(?:have|has|am|are|will|would|shall|agreed|agree|to|be|happy|willing|pleased"
    r"|also|now|therefore|can|confirm|going))*\s+(?:act|be|become|take on the role of|take over as|remain|continue)"
    r"\s+(?:as\s+)?(?:the\s+)?(?:new\s+|named\s+|family's\s+)?(?:lead professional|lead practitioner|LP)\b",
    re.IGNORECASE,
)

#: Words that make a sign-off line a team or a place, not a person: "Early Help Team".
_ORGANISATION_WORDS = frozenset(
    [
        "team",
        "service",
        "services",
        "school",
        "council",
        "hub",
        "centre",
        "center",
        "academy",
        "nursery",
        "trust",
        "department",
        "unit",
        "office",
        "practice",
        "partnership",
        "project",
        "programme",
        "college",
    ]
)
_LABELLED = re.compile(r"\s*[A-Za-z][A-Za-z .]{0,20}:")

_LEAD = r"(?:(?i:lead professional|lead practitioner|lead worker)|LP)"
#: "The new lead professional will be Jo Bloggs, Pastoral Manager at Ribble High, jo@school.org".
_LEAD_THEN_NAME = re.compile(
    r"(?i:\b(?:the\s+)?(?:new|proposed|identified|agreed|allocated|nominated)?\s*)"
    + _LEAD
    + r"\s+(?i:will be|is going to be|is to be|has been identified as|has been agreed as|shall be|is)\s+"
    + NAME_IN_TEXT
)
#: "Jo Bloggs (Pastoral Manager, Ribble High) has agreed to act as lead professional".
_NAME_THEN_LEAD = re.compile(
    NAME_IN_TEXT + r"(\s*\([^)]{2,80}\)|,\s*[^,.]{2,60},)?\s+"
    r"(?i:has agreed to|will|is going to|has been identified to|is happy to|has been asked to)\s+"
    r"(?i:be|become|take on the role of|act as)\s+(?i:the\s+)?(?i:new\s+)?" + _LEAD + r"\b"
)
#: "I will be the lead professional for the plan: Jo Bloggs, Health Visitor, 0-19 Service."
_LEAD_COLON_NAME = re.compile(_LEAD + r"\b[^:.\n]{0,60}:\s*" + NAME_IN_TEXT)
#: "... knows the family well and has agreed to be the lead professional": the subject is earlier.
_AGREED_LEAD = re.compile(
    r"(?i:\b(?:has|have)\s+(?:kindly\s+|now\s+)?agreed\s+to\s+(?:be|become|act\s+as|take\s+on\s+the\s+role\s+of"
    r"|take\s+on|take\s+over|take\s+up)"
    r"\s+(?:the\s+)?(?:new\s+|named\s+|family's\s+)?)" + _LEAD + r"\b"
)
#: "Our Pastoral Lead, Jo Bloggs, ...": a role, then the person's name, at the start of a sentence.
_ROLE_THEN_NAME = re.compile(
    r"^\s*(?:Our|The|Their|Her|His|My)\s+([A-Z][A-Za-z'’\-]*(?:\s+[A-Za-z'’\-]+){0,5}?)\s*,\s*"
    + NAME_IN_TEXT
    + r"\s*,"
)
_NAME_AT_START = re.compile(r"^\s*" + NAME_IN_TEXT + r"\b")
#: "Jo can be contacted at Ribble High on ...": the agency a contact sentence names.
_CONTACT_AT = re.compile(
    r"\b(?:contacted|reached|based|found)\s+at\s+([A-Z0-9][^,;:]{1,80}?)\s+(?:on|by|via|or|at)\b"
)
_CONTACT_START = re.compile(
    r"^\s*(?:he|she|they|tel|telephone|phone|mobile|email|e-mail|contact)\b", re.IGNORECASE
)
_ROLE_AT_AGENCY = re.compile(r"^(.{2,60}?)\s+(?:at|from|with|for|of)\s+([A-Z0-9].{1,80})$")
_NOT_NEW = re.compile(r"\b(?:previous|former|current|outgoing|old|interim)\b", re.IGNORECASE)
_AGENCY_ONLY = re.compile(r"^(?:from|at|of|with)\s+([A-Z0-9].{1,80})$")
_SENTENCE_END = re.compile(r"\.(?:\s|$)")


@dataclass(frozen=True)
class ProseChild:
    """A child named with a date of birth in running text."""

    name: str
    date_of_birth: date
    where: str


def _document_year(texts: list[str], latest_year: int | None) -> int | None:
    """The year the document was written: its latest four-digit year, else its latest date of any kind."""
    if latest_year is not None:
        return latest_year
    years = [found.year for text in texts for found, _s, _e in iter_british_dates(text)]
    return max(years) if years else None


def children_in_prose(
    lines: list[tuple[str, str]], latest_year: int | None, dob_latest_year: int
) -> list[ProseChild]:
    """Children named as "<Name>, date of birth <date>" / "<Name> (DOB <date>)" in ``lines``.

    ``latest_year`` is the latest four-digit year the document writes (None when it writes none); a date
    of birth more than ``MAX_CHILD_AGE`` years before the document's year, or after it, is no child's,
    and a name next to "mum", "father", "carer" ... is an adult's. Each name is listed once.
    """
    found: list[ProseChild] = []
    seen: set[str] = set()
    year: int | None = None
    for text, where in lines:
        if "dob" not in text.lower() and "birth" not in text.lower() and "born" not in text.lower():
            continue
        for match in NAME_WITH_BIRTH_DATE.finditer(text):
            words = match.group(1).split()
            while words and words[0].lower().rstrip(".:") in _LEADING_WORDS:
                words = words[1:]
            name = clean_name(" ".join(words)) if len(words) >= 2 else None
            if name is None:
                continue
            around = text[max(0, match.start() - 25) : match.start()] + match.group(0)
            if _ADULT_NEAR.search(around) or _ADULT_NEAR.search(text[match.end() : match.end() + 20]):
                continue
            born = parse_british_date(match.group(2), latest_year=dob_latest_year)
            if born is None:
                continue
            if year is None:
                year = _document_year([t for t, _w in lines], latest_year)
            if year is None or not year - MAX_CHILD_AGE <= born.year <= year:
                continue
            if name.casefold() not in seen:
                seen.add(name.casefold())
                found.append(ProseChild(name, born, where))
    return found


@dataclass(frozen=True)
class SignedLead:
    """The lead professional read from the writer's own sign-off block."""

    name: str
    role: str | None
    agency: str | None
    email: str | None
    phone: str | None
    where: str


def writer_is_lead(lines: list[tuple[str, str]]) -> bool:
    """True when the writer says, in the first person, that they will lead ("I have agreed to act as LP")."""
    return any(_WRITER_IS_LEAD.search(text) for text, _where in lines)


def signed_lead(signature: list[tuple[str, str]]) -> SignedLead | None:
    """Name, role, agency and contact from a sign-off block, or None when it does not start with a name.

    The block reads: a name line, then "Role, Agency" on one line (or the role and agency on two lines),
    then contact lines. Role and agency are only taken when they are plainly separate.
    """
    if not signature:
        return None
    name = clean_name(signature[0][0])
    if (
        name is None
        or name != " ".join(signature[0][0].split()).strip(" ,")
        or any(word.lower() in _ORGANISATION_WORDS for word in name.split())
    ):
        return None  # "Tel: ..." or "Early Help Team": a sign-off without a personal name
    plain = [
        text
        for text, _where in signature[1:]
        if find_email(text) is None and find_phone(text) is None and not _LABELLED.match(text)
    ]
    role = agency = None
    if len(plain) == 1 and plain[0].count(",") >= 1:
        first, rest = plain[0].split(",", 1)
        role, agency = clean_text(first), clean_text(rest)
    elif len(plain) == 2 and "," not in plain[0]:
        role, agency = clean_text(plain[0]), clean_text(plain[1])
    contact = "\n".join(text for text, _where in signature[1:])
    return SignedLead(name, role, agency, find_email(contact), find_phone(contact), signature[0][1])


def _top_level_parts(text: str) -> list[str]:
    """``text`` split at commas, semicolons and spaced dashes that are not inside brackets."""
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and (char in ",;" or (char in "-–" and text[index - 1 : index] == " ")):
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _role_and_agency(details: str) -> tuple[str | None, str | None]:
    """Role and agency from what follows (or precedes) a name: "Pastoral Manager at Ribble High",
    "(School Nurse, 0-19 Service)" or "Health Visitor, Lancashire Community Health"; None when unclear.

    A lone part is the agency when it names an organisation ("Brightpath Family Support (WPEHS
    commission)"), else the role; brackets inside a part stay with it.
    """
    text = details.strip(" ,.;")
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]
    whole = text if find_email(text) is None and find_phone(text) is None else ""
    at = _ROLE_AT_AGENCY.match(whole) if whole and whole[:1].isupper() else None
    if at is not None:
        return clean_text(at.group(1)), clean_text(at.group(2))
    parts = [part for part in _top_level_parts(text) if find_email(part) is None and find_phone(part) is None]
    parts = [part for part in parts if not re.match(r"(?i)(?:contact|tel|email|phone|mobile|on|who)\b", part)]
    if not parts:
        return None, None
    agency_only = _AGENCY_ONLY.match(parts[0])
    if agency_only is not None:
        return None, clean_text(agency_only.group(1))  # "Jane Smith from Barnardo's"
    if not parts[0][:1].isupper():
        return None, None
    at = _ROLE_AT_AGENCY.match(parts[0]) if len(parts) == 1 else None
    if at is not None:
        return clean_text(at.group(1)), clean_text(at.group(2))
    if len(parts) >= 2 and (parts[1][:1].isupper() or parts[1][:1].isdigit()):
        return clean_text(parts[0]), clean_text(parts[1])
    if is_agency(parts[0]):
        return None, clean_text(parts[0])
    return clean_text(parts[0]), None


def join_wrapped(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """PDF lines of one page that wrap a sentence (no full stop, colon or question mark at the end)
    joined into one line, so a sentence split over two lines is read whole. Linear."""
    joined: list[tuple[str, str]] = []
    for text, where in lines:
        if (
            joined
            and where.startswith("page")
            and joined[-1][1] == where
            and not joined[-1][0].rstrip().endswith((".", ":", "?", "!", ";"))
        ):
            joined[-1] = (joined[-1][0].rstrip() + " " + text.strip(), where)
        else:
            joined.append((text, where))
    return joined


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        spans.append((start, end.start()))
        start = end.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _contact_text(text: str, start: int, end: int, name: str) -> str:
    """The lead's sentence and the next one when it goes on about them ("Jo can be contacted on ...")."""
    first = name.split()[0]
    rest = text[end:].lstrip(". ")
    for sentence_start, sentence_end in _sentences(rest):
        following = rest[sentence_start:sentence_end]
        if following.lstrip().startswith(first) or _CONTACT_START.match(following):
            return text[start:end] + ". " + following
        break
    return text[start:end]


def _agreed_lead(text: str, where: str) -> SignedLead | None:
    """ "Our Pastoral Lead, Jo Bloggs, knows the family and has agreed to be the lead professional."""
    for sentence_start, sentence_end in _sentences(text):
        sentence = text[sentence_start:sentence_end]
        agreed = _AGREED_LEAD.search(sentence)
        if agreed is None or _NOT_NEW.search(sentence[: agreed.end()]):
            continue
        subject = sentence[: agreed.start()]
        role: str | None = None
        agency_said: str | None = None
        appositive = _ROLE_THEN_NAME.match(subject)
        if appositive is not None:
            role, name = clean_text(appositive.group(1)), clean_name(appositive.group(2))
        else:
            at_start = _NAME_AT_START.match(subject)
            name = clean_name(at_start.group(1)) if at_start is not None else None
            # "Martin Ormerod, Family Support Worker at Brightpath, has agreed ...": the apposition.
            apposition = subject[at_start.end() :].strip() if at_start is not None else ""
            if apposition.startswith(",") and apposition.rstrip().endswith(","):
                role, agency_said = _role_and_agency(apposition)
        if (
            name is None
            or name.split()[0] in ("I", "We", "Our", "The")
            or any(word.lower() in _ORGANISATION_WORDS for word in name.split())
        ):
            continue  # "Children's Social Care has agreed ...": a service, not a person
        contact = _contact_text(text, sentence_start, sentence_end, name)
        at = _CONTACT_AT.search(contact)
        agency = clean_text(at.group(1)) if at is not None else None
        if appositive is None and agency_said is not None:
            agency = agency if agency is not None and agency != agency_said else agency_said
        return SignedLead(name, role, agency, find_email(contact), find_phone(contact), where)
    return None


def lead_in_prose(lines: list[tuple[str, str]]) -> SignedLead | None:
    """The new lead professional named in a sentence, with role, agency and contact from that sentence.

    Two sentences naming different people give None: precision over recall.
    """
    found: list[SignedLead] = []
    for text, where in lines:
        if "lead" not in text.lower() and "LP" not in text:
            continue
        agreed = _agreed_lead(text, where) if "agreed" in text else None
        if agreed is not None:
            found.append(agreed)
            continue
        for pattern in (_LEAD_THEN_NAME, _NAME_THEN_LEAD, _LEAD_COLON_NAME):
            match = pattern.search(text)
            if match is None:
                continue
            name = clean_name(match.group(1))
            if name is None or _NOT_NEW.search(text[max(0, match.start() - 30) : match.end()]):
                continue  # "the previous lead professional was ...": someone we do not want
            if pattern is _LEAD_COLON_NAME:
                end = _SENTENCE_END.search(text, match.end())
                stop = end.start() if end else len(text)
                details = text[match.end() : stop]
                sentence = _contact_text(text, match.end(), stop, name)
            elif pattern is _LEAD_THEN_NAME:
                end = _SENTENCE_END.search(text, match.end())
                sentence = text[match.end() : end.start() if end else len(text)]
                details = sentence
            else:
                end = _SENTENCE_END.search(text, match.end())
                sentence = text[match.start() : end.start() if end else len(text)]
                details = match.group(2) or ""
            role, agency = _role_and_agency(details)
            found.append(SignedLead(name, role, agency, find_email(sentence), find_phone(sentence), where))
            break
    if len({lead.name.casefold() for lead in found}) != 1:
        return None
    return found[0]


#: Where a sentence says the family lives: "Lily lives with mum at 61 Priory Walk, Stockton, YO24 1AB".
_LIVES = re.compile(
    r"\b(?:lives?|living|resides?|residing|home address|family home|moved\s+(?:in)?to)\b", re.IGNORECASE
)
#: A place that is not the family's home: a postcode after one of these is the school's, GP's, agency's.
_INSTITUTION = re.compile(
    r"\b(?:school|academy|college|nursery|surgery|practice|gp|clinic|hospital|centre|center|hub|office|"
    r"council|team|service|church|library)\b",
    re.IGNORECASE,
)
#: Words before "lives" that make the address someone else's or a past one.
_NOT_HOME = re.compile(r"\b(?:not|no longer|previously|formerly|used to|never)\b", re.IGNORECASE)
#: How far after "lives" the address's postcode may be, within one sentence.
_HOME_WINDOW = 160


def home_postcode(lines: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The family's postcode from a sentence saying where they live, with where it was read.

    Only an address that follows "lives"/"living"/"resides" in the same sentence counts, and not one
    that names a school, surgery or other agency on the way; two different postcodes give None.
    """
    found: dict[str, str] = {}
    for text, where in lines:
        if not _LIVES.search(text):
            continue
        for lives in _LIVES.finditer(text):
            before = text[max(0, lives.start() - 30) : lives.start()]
            before = before[before.rfind(". ") + 1 :]
            if _ADULT_NEAR.search(before) or _NOT_HOME.search(before):
                continue  # "Dad lives at ...", "no longer lives at ...": not where the child lives
            window = text[lives.end() : lives.end() + _HOME_WINDOW]
            stop = _SENTENCE_END.search(window)
            window = window[: stop.start()] if stop else window
            postcode = POSTCODE.search(window)
            if postcode is None or _INSTITUTION.search(window[: postcode.start()]):
                continue
            found.setdefault(f"{postcode.group(1).upper()} {postcode.group(2).upper()}", where)
    if len(found) != 1:
        return None
    return next(iter(found.items()))


#: A request of Early Help put in a sentence: "We would ask the Service for <work>.", "We are requesting
#: <work>.", "The request is for <work>.", "Work requested: <work>." inside a paragraph.
WORK_SENTENCE = re.compile(
    r"\b(?:(?:we|I)\s+would\s+(?:like\s+to\s+)?ask\s+(?:the\s+|you\s+)?[^.;]{0,80}?\s+for"
    r"|(?:I am|I'm|we are|we're)\s+(?:requesting|asking for)(?:\s+that)?"
    r"|(?:the\s+)?request\s+is\s+for"
    r"|work\s+(?:being\s+)?requested\s*(?:is|would be|:|-|–))"
    r"\s+(?P<work>[^.;:]{10,400}?)(?:[.;](?:\s|$)|$)",
    re.IGNORECASE,
)


def work_in_prose(lines: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The work requested of Early Help stated in a sentence, with where; None when two sentences
    ask for different things (precision over recall)."""
    found: dict[str, tuple[str, str]] = {}
    for text, where in lines:
        lowered = text.lower()
        if "ask" not in lowered and "request" not in lowered:
            continue
        for match in WORK_SENTENCE.finditer(text):
            work = " ".join(match.group("work").split())
            found.setdefault(work.casefold(), (work, where))
    return next(iter(found.values())) if len(found) == 1 else None
