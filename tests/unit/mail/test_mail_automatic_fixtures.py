"""The automatic-mail fixture set (tests/fixtures/automatic): every bounce, report, auto-reply and list
message is classified as its kind; the human controls beside them are not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailbot.domain.facts import DocumentFacts
from mailbot.mail.automatic import classify_automatic
from mailbot.mail.parse import parse_message
from mailbot.rules.actions import Ignore, MarkOutboxFailed, Review, Send
from mailbot.rules.decide import Inbound, Rules, decide
from mailbot.rules.view import RegisterView

FIXTURES = Path(__file__).parents[2] / "fixtures" / "automatic"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
OWN = ("CAF@lancashire.gov.uk", "preventionearlyhelp@lancashire.gov.uk")
DOMAIN = "lancashire.gov.uk"
AUTOMATIC = sorted(name for name, e in EXPECTED.items() if e["kind"] is not None)
HUMAN = sorted(name for name, e in EXPECTED.items() if e["kind"] is None)


def classify(name: str) -> Any:
    return classify_automatic(
        parse_message((FIXTURES / name).read_bytes()), OWN, own_message_id_domain=DOMAIN
    )


def test_the_set_covers_every_kind_and_has_human_controls() -> None:
    assert {EXPECTED[n]["kind"] for n in AUTOMATIC} == {
        "bounce",
        "auto_reply",
        "mailing_list",
        "feedback_report",
        "notification",
    }
    assert len(AUTOMATIC) >= 35 and len(HUMAN) >= 4
    assert sorted(p.name for p in FIXTURES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", AUTOMATIC)
def test_automatic_mail_is_classified_as_its_kind(name: str) -> None:
    result = classify(name)
    assert result is not None, name
    assert result.kind == EXPECTED[name]["kind"], result.reason
    assert "@" not in result.reason  # reasons go to the audit log: no address, no subject


@pytest.mark.parametrize("name", HUMAN)
def test_human_controls_are_not_automatic(name: str) -> None:
    assert classify(name) is None


@pytest.mark.parametrize("name", sorted(n for n in AUTOMATIC if EXPECTED[n]["kind"] == "bounce"))
def test_bounces_name_the_failed_recipients_and_our_message(name: str) -> None:
    result = classify(name)
    assert list(result.failed_recipients) == EXPECTED[name]["failed"]
    assert result.original_message_id == EXPECTED[name]["original"]


def test_delay_warning_says_delayed_not_failed() -> None:
    assert classify("postfix_delay_warning.eml").reason.endswith("; delivery delayed, not failed")


def test_vacation_replies_in_every_language_need_no_rfc3834_header() -> None:
    languages = [n for n in AUTOMATIC if n.startswith("vacation_")]
    assert len(languages) == 10
    for name in languages:
        assert classify(name).reason == "auto-reply subject with a reply to our own mail"


@pytest.mark.parametrize("name", AUTOMATIC)
def test_automatic_mail_is_never_answered(name: str) -> None:
    automatic = classify(name)
    inbound = Inbound(
        "caf", "someone@lancashire.gov.uk", "x", DocumentFacts("(email body)", "email"), (), automatic
    )
    decision = decide(inbound, RegisterView(), Rules(("lancashire.gov.uk",), {}, OWN[0], OWN[1]))
    assert not [a for a in decision.actions if isinstance(a, Send)]
    kinds = {type(a) for a in decision.actions}
    if automatic.kind in ("bounce", "feedback_report"):
        assert Review in kinds and decision.message_state in ("bounce", "review")
        if automatic.kind == "bounce" and automatic.original_message_id:
            assert MarkOutboxFailed in kinds
    else:
        assert kinds == {Ignore} and decision.message_state == "ignored"
