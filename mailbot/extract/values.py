"""Cleaning and checking values read beside a label: names, postcodes, phones, yes/no, levels (pure)."""

from __future__ import annotations

import re

TICKED = "☒"
UNTICKED = "☐"
_BOXES = TICKED + UNTICKED + "☑✓✔"  # ☑ ✓ ✔ also read as ticked (Word symbol fonts, hand-typed)

POSTCODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})(?![A-Za-z0-9])")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\d+])(?:\+44\s?\(?0?\)?\s?|0)\d(?:[\s\-]?\d){8,9}(?!\d)")
#: A person's name in running text: two to four capitalised words.
NAME_IN_TEXT = r"((?:[A-Z][a-zA-Z'’\-]+)(?:\s+[A-Z][a-zA-Z'’\-]+){1,3})"
#: "Ava Smith (DOB 3/4/15)", "Re: Ava Smith, date of birth 3rd April 2015": a name then its birth date.
NAME_WITH_BIRTH_DATE = re.compile(
    NAME_IN_TEXT + r"\s*[,(\-–]?\s*(?:DOB|D\.O\.B\.?|dob|born(?: on)?|date of birth)\s*:?\s*"
    r"(\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Za-z]{3,9}\.?,?\s+"
    r"\d{2,4}|\d{4}-\d{2}-\d{2})"
)
#: Words naming an organisation: "Northgate High School" or "Families First" is never a person.
ORGANISATION_WORD = re.compile(
    r"\b(?:school|academy|college|nursery|council|services?|team|trust|nhs|centre|center|partnership|"
    r"hub|unit|project|programme|program|families|agency|department|police|hospital|practice|surgery|"
    r"university|ltd|limited|foundation|charity|clinic|children's|health|first|support|visiting|nursing|"
    r"social|care|early help|wellbeing|prevention)\b",
    re.IGNORECASE,
)
#: A job title ends with the job: "Health Visitor", "Family Support Worker" are roles, not agencies.
ROLE_WORD = re.compile(
    r"\b(?:worker|visitor|nurse|officer|manager|practitioner|lead|co-?ordinator|advis[eo]r|mentor|teacher|"
    r"head|headteacher|senco|consultant|therapist|counsellor|assistant|director|specialist|navigator|"
    r"champion|keyworker|midwife|psychologist|mentor|coach)\s*$",
    re.IGNORECASE,
)


def is_agency(text: str) -> bool:
    """True when a lone part names an organisation and is no job title."""
    return ORGANISATION_WORD.search(text) is not None and ROLE_WORD.search(text) is None


_LCS_ID = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{0,4}[\-/ ]?\d{3,12}[A-Za-z]?)(?![A-Za-z0-9])")
_NAME_WORD = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’\-.]*$")
_LEVEL = re.compile(r"(?<![A-Za-z0-9])(?:level|lvl|l|tier)?\s*[-:]?\s*([1-4])(?![0-9])", re.IGNORECASE)
_LEVEL_STRICT = re.compile(r"(?<![A-Za-z0-9])(?:level|lvl|tier)\s*[-:]?\s*([1-4])(?![0-9])", re.IGNORECASE)
_LEVEL_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4"}
_LEVEL_WORD = re.compile(r"\blevel\s+(one|two|three|four)\b", re.IGNORECASE)
_PARTICLES = frozenset(
    ["de", "van", "von", "der", "den", "bin", "al", "la", "le", "du", "da", "di", "del", "ter"]
)
_TITLES = frozenset(["mr", "mrs", "miss", "ms", "mx", "dr", "master"])
_NOT_NAME_WORDS = frozenset(
    [
        "yes",
        "no",
        "unknown",
        "not",
        "known",
        "tbc",
        "n/a",
        "na",
        "none",
        "name",
        "date",
        "dob",
        "signed",
        "signature",
        "social",
        "worker",
        "team",
        "manager",
        "male",
        "female",
        "address",
        "tel",
        "email",
        "phone",
        "school",
        "the",
        "and",
        "of",
        "to",
        "child",
        "parent",
        "mother",
        "father",
        "level",
    ]
)
#: Words that name a role, never a person ("NAMED WORKER" beside "YOUNG PERSON" is the next heading).
_ROLE_NOUNS = frozenset(
    {
        "worker",
        "manager",
        "officer",
        "practitioner",
        "professional",
        "coordinator",
        "co-ordinator",
        "caseworker",
    }
)
_YES = re.compile(
    r"^(?:yes|y|true|agreed|given|obtained|gained|consent given|consented|signed|in place|verbal(?:ly)?|wr"
    r"itten)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(?:no|n|false|not given|declined|refused|withheld|not obtained|not consented)\b", re.IGNORECASE
)
_NEGATION = re.compile(
    r"\b(?:not|no|don'?t|doesn'?t|refuse[sd]?|decline[sd]?|withh[eo]ld|without)\b", re.IGNORECASE
)


def collapse(text: str) -> str:
    """Whitespace-normalised text: every run of spaces, tabs and newlines becomes one space."""
    return " ".join(text.split())


_BOX = re.compile("[" + _BOXES + "]")


def has_box(text: str) -> bool:
    return _BOX.search(text) is not None


def is_box_only(text: str) -> bool:
    """True when a cell holds nothing but a check box (its label is in the neighbouring cell)."""
    stripped = text.strip()
    return len(stripped) == 1 and stripped in _BOXES


def is_ticked_box(text: str) -> bool:
    return text.strip() in _BOXES and text.strip() != UNTICKED


def ticked_options(text: str) -> list[tuple[str, bool]]:
    """Split ``"☒ Yes  ☐ No"`` or ``"Level 1 ☐ Level 2 ☒"`` into ``[(option, ticked), ...]``.

    Which side of its box an option sits on is decided once per text: boxes first when the text starts
    with a box, boxes last when it ends with one, otherwise boxes first (``"Consent ☒ Yes ☐ No"``).
    """
    stripped = text.strip()
    if not stripped:
        return []
    positions = [i for i, char in enumerate(stripped) if char in _BOXES]
    if not positions:
        return []
    options: list[tuple[str, bool]] = []
    box_last = stripped[-1] in _BOXES and stripped[0] not in _BOXES
    if box_last:
        start = 0
        for pos in positions:
            options.append((collapse(stripped[start:pos]), stripped[pos] != UNTICKED))
            start = pos + 1
    else:
        for index, pos in enumerate(positions):
            end = positions[index + 1] if index + 1 < len(positions) else len(stripped)
            options.append((collapse(stripped[pos + 1 : end]), stripped[pos] != UNTICKED))
    return [(option.strip(" /|,;:"), ticked) for option, ticked in options if option.strip(" /|,;:")]


#: "LOMAX, Lacey" (a case system's SURNAME, Forename): the surname in capitals, then the forenames.
_SURNAME_FIRST = re.compile(
    r"^\s*(?:(?:mr|mrs|miss|ms|mx|dr)\.?\s+)?([A-Z][A-Z'’\-]+(?:\s+[A-Z][A-Z'’\-]+)?)\s*,\s*"
    r"([A-Z][a-z][A-Za-z'’\-]*(?:\s+[A-Z][a-z][A-Za-z'’\-]*)?)\b"
)


def _surname_first(value: str) -> str:
    """ "LOMAX, Lacey ..." as "Lacey Lomax ..."; anything else unchanged."""
    match = _SURNAME_FIRST.match(value)
    if match is None:
        return value
    surname = re.sub(r"[A-Za-z]+", lambda word: word.group(0).capitalize(), match.group(1))
    return f"{match.group(2)} {surname}{value[match.end() :]}"


def clean_name(text: str) -> str | None:
    """A person's name as written (titles dropped), or None when the text is not shaped like a name.

    A case system's "SURNAME, Forename" (the surname in capitals) is turned round: "Forename Surname".
    """
    value = _surname_first(collapse(text.replace("\u2019", "'")).strip(" ,;:-"))
    value = re.split(
        r"\s*(?:\(|,|;| - | – |\bdob\b|\bd\.o\.b|\bborn\b|\bdate of birth\b|(?<=[a-z]{3})\.\s+(?=[A-Z]))",
        value,
        maxsplit=1,
        flags=re.IGNORECASE,
    )[0]
    words = value.split()
    while words and words[0].lower().rstrip(".") in _TITLES:
        words = words[1:]
    if not words or len(words) > 5 or any(not _NAME_WORD.match(w) for w in words):
        return None
    if " ".join(w.lower() for w in words) in _NOT_NAME_WORDS or all(
        w.lower() in _NOT_NAME_WORDS for w in words
    ):
        return None
    if any(w.lower() in _ROLE_NOUNS for w in words):
        return None  # "Named worker", "Allocated practitioner": the heading of the next field, a role
    if any(not w[0].isupper() and w.lower() not in _PARTICLES for w in words):
        return None  # "Not yet identified", "mum": names are written with capitals
    return " ".join(words)


def clean_text(text: str, limit: int = 120) -> str | None:
    """One-line text (a role, an agency), or None when empty or longer than ``limit``."""
    value = collapse(text).strip(" ,;:-")
    return value if value and len(value) <= limit else None


def find_postcode(text: str) -> str | None:
    """The first UK postcode in ``text`` normalised to ``"PR1 2AB"``, or None."""
    match = POSTCODE.search(text)
    if match is None:
        return None
    return f"{match.group(1).upper()} {match.group(2).upper()}"


#: An address cut by a narrow cell's line wrap ("jo.bloggs@coun\ncil.gov.uk"): its domain has no TLD yet.
_WRAPPED_EMAIL = re.compile(
    r"(@[\w.\-]*?)(?<!\.[a-z]{2})(?<!\.[a-z]{3})[ \t]*\n[ \t]*(?=[\w.\-]+\.[a-z]{2,})"
)


def find_email(text: str) -> str | None:
    """The first email address in ``text`` (a wrapped cell's address joined), or None."""
    if "@" in text and "\n" in text:
        text = _WRAPPED_EMAIL.sub(r"\1", text)
    match = EMAIL.search(text.replace("mailto:", " "))
    return match.group(0).rstrip(".") if match else None


def find_phone(text: str) -> str | None:
    match = PHONE.search(text)
    return collapse(match.group(0)) if match else None


def find_lcs_id(text: str) -> str | None:
    """The identifier in an LCS/Mosaic id cell (digits, maybe a short letter prefix), or None."""
    value = collapse(text)
    if not value or len(value) > 40 or re.search(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", value):
        return None
    match = _LCS_ID.search(value)
    return match.group(1).replace(" ", "") if match else None


def parse_yes_no(text: str) -> bool | None:
    """True/False for a yes/no answer (ticked boxes, "Yes", "No - declined"), None when unclear."""
    if has_box(text):
        ticked = {option.lower() for option, on in ticked_options(text) if on}
        answers = {_yes_no_word(option) for option in ticked} - {None}
        return answers.pop() if len(answers) == 1 else None
    return _yes_no_word(ANSWER_PREFIX.sub("", collapse(text), count=1))


ANSWER_PREFIX = re.compile(r"^(?:answer|response|reply|answered|family response)\s*[:\-–]\s*", re.IGNORECASE)


def _yes_no_word(text: str) -> bool | None:
    if _NO.match(text):
        return False
    if _YES.match(text):
        return True
    return None


def statement_consent(text: str) -> bool | None:
    """A ticked consent statement: True for "I give consent ...", False for "I do not consent ..."."""
    lowered = text.lower()
    if "consent" not in lowered and "agree" not in lowered:
        return None
    return _NEGATION.search(lowered) is None


def parse_level(text: str, *, strict: bool = False) -> int | None:
    """Level of need 1-4 from ``"Level 2"``, ``"2"``, ``"Level two"`` or ticked boxes; None if unclear."""
    if has_box(text):
        levels = {parse_level(option, strict=True) for option, on in ticked_options(text) if on} - {None}
        return levels.pop() if len(levels) == 1 else None
    value = _LEVEL_WORD.sub(lambda m: "level " + _LEVEL_WORDS[m.group(1).lower()], text)
    found = {int(m.group(1)) for m in (_LEVEL_STRICT if strict else _LEVEL).finditer(value)}
    if not strict and not found and re.fullmatch(r"\s*[1-4]\s*", value):
        found = {int(value)}
    return found.pop() if len(found) == 1 else None


def level_in_option(text: str) -> int | None:
    """The level a check-box option names (``"Level 2 - Targeted"``), or None."""
    return parse_level(text, strict=True)


_CONSENT_YES = re.compile(
    r"\b(?:consent (?:has|had) been (?:given|obtained|gained|sought and (?:given|obtained)|recorded|agreed)"
    r"|consent (?:was|is) (?:given|obtained|gained|in place|recorded)"
    r"|(?:has|have|had) given (?:their |her |his )?(?:verbal |written |informed )?consent|(?:has|have) consented"
    r"|(?:family|parents?|mum|dad|mother|father|carers?) (?:have|has|had) (?:given (?:their |her |his )?co"
    r"nsent|consented|agreed)"
    r"|family consent(?:s)? to (?:share|the step down|early help)"
    r"|(?:have|has|had) (?:obtained|gained|got) (?:the )?(?:family's |parental |parents' |verbal |written "
    r")?consent"
    r"|with (?:the )?(?:family's|parental|parents'|their) consent"
    r"|consent to share (?:information )?(?:has been|was|is) (?:given|obtained|in place)"
    r"|consent to share (?:information )?given (?:on|by|verbally|in writing)"
    r"|gave (?:her |his |their )?(?:written |verbal |informed )?consent"
    r"|(?:she|he|they|mum|dad|mother|father|the family|parents?|carers?) (?:consents|agrees) to)",
    re.IGNORECASE,
)
_CONSENT_NO = re.compile(
    r"\b(?:consent (?:has|had)? ?not (?:yet )?(?:been )?(?:given|obtained|gained)"
    r"|(?:has|have|had) not (?:yet )?(?:given|provided|signed) (?:her |his |their )?(?:consent|the consent)|(?:do|does|did) not (?:give )?con"
    r"sent"
    r"|declined (?:to give )?consent|refused (?:to give )?consent|consent (?:was|has been) (?:refused|decl"
    r"ined|withdrawn)"
    r"|without (?:the family's |parental )?consent|not consented)",
    re.IGNORECASE,
)


#: "I DO / DO NOT give consent (delete as appropriate)" with neither deleted: no answer yet.
_BOTH_LEFT = re.compile(r"\bdo\s*/\s*do\s+not\b|\bdo\s+not\s*/\s*do\b", re.IGNORECASE)
#: The family's own words: "I give consent", "I DO give my consent", "We do not give consent".
_FIRST_PERSON = re.compile(
    r"\b(?:I|we)\s+(?:(?P<no>do\s+not|don'?t|will\s+not)\s+)?(?:do\s+)?(?:/\s*)?"
    r"(?:(?:give|grant)\s+(?:my\s+|our\s+)?(?:consent|permission)|agree|consent)\b",
    re.IGNORECASE,
)
#: What a family's "I agree" must be about to be their consent (not "I agree to be the lead professional").
_SHARING = re.compile(r"\b(?:consent|shar(?:e|ed|ing)|information|plan|referral|early help)\b", re.IGNORECASE)


def consent_in_sentence(text: str) -> bool | None:
    """True for "consent has been obtained", False for "mum declined consent"; None if silent or both."""
    if _BOTH_LEFT.search(text):
        return None
    own = _FIRST_PERSON.search(text)
    if own is not None and (not own.group(0).lower().endswith("agree") or _SHARING.search(text[own.end() :])):
        return own.group("no") is None
    yes, no = _CONSENT_YES.search(text), _CONSENT_NO.search(text)
    if yes and not no:
        return True
    if no and not yes:
        return False
    return None


def person_parts(text: str) -> list[str]:
    """``"Jo Bloggs (Family Worker, Early Help Team (East))."`` as ``["Jo Bloggs", "Family Worker",
    "Early Help Team (East)"]``: split at top-level commas, semicolons, bars, dashes and sentence ends.

    A bracket right after the first part (the name) holds that person's details and is split like
    them; a bracket inside a part ("Team (East)") stays with it. Linear in the text's length.
    """
    value = collapse(text).rstrip(" .")
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    details_open = False
    index = 0
    while index < len(value):
        char = value[index]
        step = 1
        separator = False
        if char == "(" and depth == 0 and not parts and "".join(current).strip():
            details_open, separator = True, True
        elif char == "(":
            depth += 1
        elif char == ")" and depth == 0 and details_open:
            details_open, separator = False, True
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and char in ",;|\n":
            separator = True
        elif depth == 0 and value.startswith((" - ", " – ", ". "), index):
            separator, step = True, 2
        if separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += step
    parts.append("".join(current))
    return [clean for part in parts if (clean := part.strip(" .,;:-"))]
