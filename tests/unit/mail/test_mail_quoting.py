"""new_text: what the sender of a reply wrote, without our quoted chase-up."""

from __future__ import annotations

from pathlib import Path

from mailbot.domain.urn import UrnScheme
from mailbot.mail.parse import parse_message
from mailbot.mail.quoting import new_text

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"


def test_outlook_reply_to_our_chase_up_plain() -> None:
    message = parse_message((FIXTURES / "reply_to_chase.eml").read_bytes())
    written = new_text(message.body_text)
    assert written == "Hi,\n\nPlan attached, consent was given on 06/03/2025.\n\nSarah"
    # The URN and date in our own quoted chase-up must not come back as new facts.
    assert UrnScheme().find(message.body_text) and not UrnScheme().find(written)
    assert "28/02/2025" not in written


def test_outlook_html_reply_header_block() -> None:
    body = (
        "Plan attached.\n\nFrom: CAF <CAF@lancashire.gov.uk>\nSent: 07 March 2025 10:15\n"
        "To: Jones, Sarah\nSubject: [SD-000123] more information needed\nURN LAN-004217-K"
    )
    assert new_text(body) == "Plan attached."


def test_original_message_line() -> None:
    body = "Yes, consent given.\n\n-----Original Message-----\nFrom: CAF\nSent: today\nURN LAN-004217-K"
    assert new_text(body) == "Yes, consent given."


def test_gmail_wrote_line_wrapped_and_quoted() -> None:
    body = (
        "The meeting is on 20/03/2025.\n\nOn Fri, 7 Mar 2025 at 10:15, CAF Team <CAF@lancashire.gov.uk>\n"
        "wrote:\n\n> Please send the meeting date.\n> URN LAN-004217-K\n"
    )
    assert new_text(body) == "The meeting is on 20/03/2025."


def test_inline_answers_keep_unquoted_lines() -> None:
    body = "> What is the meeting date?\n20/03/2025\n> Who is the new lead professional?\nPriya Shah, school"
    assert new_text(body) == "20/03/2025\nPriya Shah, school"


def test_signature_and_mobile_footer() -> None:
    assert new_text("Consent given.\n\n-- \nSarah Jones\nSocial Worker") == "Consent given."
    assert new_text("Consent given.\n\nSent from my iPhone") == "Consent given."


def test_human_from_line_is_not_history() -> None:
    body = "From: the school, the plan is attached.\nThanks"
    assert new_text(body) == body


def test_only_quotes_gives_empty() -> None:
    assert new_text("> quoted\n> only\n") == ""
    assert new_text("") == ""


def test_outlook_web_html_reply_reduced_then_cut() -> None:
    from mailbot.mail.parse import html_to_text

    html = (
        "<div>Plan attached, consent was given on 06/03/2025.</div><div><br></div><div>Sarah</div><hr>"
        '<div id="divRplyFwdMsg"><b>From:</b> CAF &lt;CAF@lancashire.gov.uk&gt;<br><b>Sent:</b> 07 March 2025'
        "<br><b>To:</b> Jones, Sarah<br><b>Subject:</b> [SD-000123] more information</div>"
        "<div>URN LAN-004217-K</div>"
    )
    assert new_text(html_to_text(html)) == "Plan attached, consent was given on 06/03/2025.\n\nSarah"
