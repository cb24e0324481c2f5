"""The new lead professional and a child's date of birth as social workers write them in an email body."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.domain.facts import Child, LeadProfessional
from mailbot.domain.urn import LegacyUrnFormat, UrnScheme
from mailbot.extract import extract_message_facts, load_vocabulary

VOCABULARY = load_vocabulary(None)
SCHEME = UrnScheme(legacy=(LegacyUrnFormat(r"\d{6}"),))
HANNAH = LeadProfessional(
    name="Hannah Head",
    role="Pastoral Lead",
    agency="Preston Primary School",
    email="h.head@lancashire.gov.uk",
)


def read(text: str, subject: str = "Step down") -> object:
    return extract_message_facts(subject, text, VOCABULARY, SCHEME)


@pytest.mark.parametrize(
    "text",
    [
        "Single agency step down for URN LAN-000001-5.\n\n"
        "The new LP will be: Hannah Head, Pastoral Lead, Preston Primary School, h.head@lancashire.gov.uk\n\nThanks\nSam",
        "URN LAN-000001-5 - single agency response. The new lead professional is:\nHannah Head\nPastoral Lead\n"
        "Preston Primary School\nh.head@lancashire.gov.uk\n\nKind regards\nSam",
        "Please record the new LP for URN LAN-000001-5.\n\nName: Hannah Head\nRole: Pastoral Lead\n"
        "Agency: Preston Primary School\nEmail: h.head@lancashire.gov.uk\n\nKind regards\nSam",
        "New lead professional for LAN-000001-5:\n\nHannah Head - Pastoral Lead, Preston Primary School\n"
        "h.head@lancashire.gov.uk\n\nSam",
    ],
    ids=["will-be-colon", "is-colon-next-lines", "bare-labels", "intro-blank-line"],
)
def test_the_new_lp_written_in_the_body_is_read(text: str) -> None:
    facts = read(text)
    assert facts.lead_professional == HANNAH  # type: ignore[attr-defined]
    assert facts.children == ()  # type: ignore[attr-defined]  # "Name: Hannah Head" is not a child


def test_a_phone_number_on_its_own_line_is_the_lps() -> None:
    facts = read("The new lead professional is:\nHannah Head\nPreston Primary School\n01772 123456\n")
    assert facts.lead_professional == LeadProfessional(  # type: ignore[attr-defined]
        name="Hannah Head", agency="Preston Primary School", phone="01772 123456"
    )


def test_name_and_date_of_birth_lines_stay_a_child() -> None:
    facts = read("Name: Tom Sample\nDate of birth: 14/06/2017\nAgency: none")
    assert facts.lead_professional is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "child"),
    [
        ("Tom's date of birth is 14/06/2017", Child("Tom", date(2017, 6, 14))),
        ("Sorry - Tom Sample was born on 14/06/2017.", Child("Tom Sample", date(2017, 6, 14))),
        ("Hi,\n\nSorry, his date of birth is 14/06/2017.\n\nThanks", Child(None, date(2017, 6, 14))),
    ],
)
def test_a_date_of_birth_in_a_sentence_is_read(text: str, child: Child) -> None:
    assert read(text).children == (child,)  # type: ignore[attr-defined]


def test_a_legacy_urn_after_a_label_in_the_body_is_read() -> None:
    assert read("Step down for URN: 123456\n\nThe work requested is parenting support.").urn == "123456"  # type: ignore[attr-defined]
    assert read("Please call 123456 about this").urn is None  # type: ignore[attr-defined]
