"""classify: which request a new message is, by mailbox, wording and attachments."""

from __future__ import annotations

import pytest
from core_builders import LP, URN, body, doc

from mailbot.domain.facts import DocumentFacts
from mailbot.rules.classify import REQUEST_TYPES, classify
from mailbot.rules.merge import merge_facts


def kind_of(mailbox_role: str, text: str, documents: tuple[DocumentFacts, ...] = (), **email: object) -> str:
    return classify(mailbox_role, text, merge_facts(list(documents), [body(**email)]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Step down for LAN-004217-K\nPlease see the attached assessment and plan.", "step_down_wpehs"),
        ("Request for representation at the multi-agency meeting on 14 March", "meeting_representation"),
        ("Could a worker attend the multi agency meeting?", "meeting_representation"),
        ("MAM next week - worker to attend please", "meeting_representation"),
        ("", "step_down_wpehs"),
    ],
)
def test_wpehs_mailbox_only_receives_step_downs_and_meeting_requests(text: str, expected: str) -> None:
    assert kind_of("wpehs", text) == expected
    assert expected in REQUEST_TYPES


@pytest.mark.parametrize(
    "text",
    [
        "Please find the TAF minutes attached",
        "Minutes of the TAF meeting held on Monday",
        "Team around the family meeting minutes",
        "Re-versioned assessment attached",
        "Updated CAF assessment for LAN-004217-K",
        "Revised early help assessment",
        "Revised CAF assessment attached",
        "updated assessment",
    ],
)
def test_taf_minutes_by_wording(text: str) -> None:
    assert kind_of("caf", text) == "taf_minutes"


def test_taf_minutes_by_attached_document_kind() -> None:
    assert kind_of("caf", "Please file", (doc("m.docx", "taf_minutes"),)) == "taf_minutes"


@pytest.mark.parametrize(
    "text",
    [
        "New lead professional for LAN-004217-K",
        "The lead professional will be Sam Patel",
        "Sam is taking over as lead",
        "Single agency step down - LP details below",
        "Multi-agency step-down",
    ],
)
def test_new_lead_professional_by_wording(text: str) -> None:
    assert kind_of("caf", text) == "new_lead_professional"


def test_new_lead_professional_by_a_named_lp_and_a_urn() -> None:
    assert kind_of("caf", "Please see attached", urn=URN, lead_professional=LP) == "new_lead_professional"
    assert kind_of("caf", "Please see attached", lead_professional=LP) == "urn_request"


def test_a_urn_without_a_request_is_a_document_to_file() -> None:
    assert kind_of("caf", "Assessment attached for LAN-004217-K", urn=URN) == "taf_minutes"
    assert kind_of("caf", "For LAN-004217-X", invalid_urns=("LAN-004217-X",)) == "taf_minutes"


@pytest.mark.parametrize(
    "text",
    [
        "Please could you issue a URN for this family",
        "URN request",
        "We need a new URN for the sibling of LAN-004217-K",
        "Requesting a URN please",
    ],
)
def test_urn_request_wording_wins_over_an_existing_urn(text: str) -> None:
    assert kind_of("caf", text, urn=URN) == "urn_request"


def test_anything_else_to_caf_is_a_urn_request() -> None:
    assert kind_of("caf", "Hello, please see attached", (doc("a.docx", "assessment"),)) == "urn_request"
