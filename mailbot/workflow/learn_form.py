"""Teaching mailbot a council's form from one filled example (``mailbot forms learn``).

The administrator sees what the general reader found, confirms or corrects each fact (at a prompt, or
in a facts file for scripting: the JSON ``mailbot read-document`` prints, edited), and mailbot stores the
form's fingerprint and where each fact sits as one JSON file in the forms folder (``mailbot.forms_dir``).

Why a folder of JSON files and not a register table: a learned form is configuration, like the
council's label file: it is read by the document workers, which have no database session; it is
reviewed and copied between a test and a live installation like any other config file; and a
person can read, diff or delete it. Nothing in it is personal data: only labels and places.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from mailbot.domain.content import DocumentContent
from mailbot.domain.facts import DocumentFacts
from mailbot.extract import LearnedForm, learn_form, parse_british_date

SCALARS = ("urn", "level_of_need", "work_requested", "meeting_date")
CHILD_FIELDS = ("name", "date_of_birth", "lcs_id", "postcode")
LP_FIELDS = ("name", "role", "agency", "email", "phone")
CONSENT_FIELDS = ("given", "date", "signed_by")
#: Slots offered at the prompt beyond the children found, so a child the reader missed can be taught.
SPARE_CHILDREN = 1


def flatten(facts: DocumentFacts, spare_children: int = 0) -> dict[str, Any]:
    """``{path: value}`` for every fact of ``facts`` (None where the document is silent)."""
    flat: dict[str, Any] = {name: getattr(facts, name) for name in SCALARS}
    for index in range(len(facts.children) + spare_children):
        child = facts.children[index] if index < len(facts.children) else None
        for name in CHILD_FIELDS:
            flat[f"children[{index}].{name}"] = getattr(child, name) if child else None
    for name in LP_FIELDS:
        lead = facts.lead_professional
        flat[f"lead_professional.{name}"] = getattr(lead, name) if lead else None
    for name in CONSENT_FIELDS:
        flat[f"consent.{name}"] = getattr(facts.consent, name)
    return flat


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def typed(path: str, text: str) -> Any:
    """The administrator's answer for ``path`` as the fact's type; raises ValueError when unreadable."""
    text = text.strip()
    if not text or text == "-":
        return None
    leaf = path.rsplit(".", 1)[-1]
    if path == "consent.given":
        if text.lower() in ("y", "yes", "true", "given"):
            return True
        if text.lower() in ("n", "no", "false", "not given"):
            return False
        raise ValueError("answer yes or no")
    if path == "level_of_need":
        if text in ("1", "2", "3", "4"):
            return int(text)
        raise ValueError("a level is 1, 2, 3 or 4")
    if leaf in ("date_of_birth", "date", "meeting_date"):
        day = parse_british_date(text)
        if day is None:
            raise ValueError("write a date such as 27/07/2020")
        return day
    return re.sub(r"\s+", " ", text)


def confirm(flat: dict[str, Any], ask: Callable[[str, str], str]) -> dict[str, Any]:
    """Each fact confirmed or corrected with ``ask(path, shown value)``: Enter keeps, "-" clears."""
    confirmed: dict[str, Any] = {}
    for path, value in flat.items():
        while True:
            answer = ask(path, shown(value))
            try:
                confirmed[path] = value if answer == shown(value) else typed(path, answer)
                break
            except ValueError:
                continue
    return confirmed


def facts_from_file(path: Path) -> dict[str, Any]:
    """The confirmed facts of a facts file: ``DocumentFacts`` JSON (as ``mailbot read-document`` prints)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = data[0]
    return flatten(DocumentFacts.from_json({"file": "", **data}))


def teach(
    name: str, content: DocumentContent, read: DocumentFacts, confirmed: dict[str, Any], kind: str | None
) -> tuple[LearnedForm, list[str]]:
    """The learned form of ``content`` from the confirmed facts; also the facts found nowhere in it."""
    return learn_form(name, content, confirmed, read.provenance, kind or read.kind)


def save(form: LearnedForm, folder: Path) -> Path:
    """Write ``form`` to ``folder/<name>.json`` (the folder is made when missing); returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", form.name.lower()).strip("-") or "form"
    target = folder / f"{slug}.json"
    target.write_text(json.dumps(form.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
