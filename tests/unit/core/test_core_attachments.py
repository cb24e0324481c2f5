"""Which attachments are documents: signatures, invitations and contact cards are not."""

from __future__ import annotations

from mailbot.domain.content import InputFile
from mailbot.mail.attachments import sort_attachments


def test_signatures_invitations_and_cards_are_not_read_and_encryption_is_a_problem() -> None:
    files = [
        InputFile("Assessment.docx", "application/octet-stream", b"PK"),
        InputFile("smime.p7s", "application/pkcs7-signature", b"sig"),
        InputFile("invite.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR"),
        InputFile("Sam Worker.vcf", "application/octet-stream", b"BEGIN:VCARD"),
        InputFile("smime.p7m", "application/pkcs7-mime; smime-type=enveloped-data", b"enc"),
        InputFile("Plan.pdf", "application/pdf", b"%PDF"),
    ]
    result = sort_attachments(files)
    assert [f.filename for f in result.to_read] == ["Assessment.docx", "Plan.pdf"]
    assert result.skipped == 3
    assert [(f.file, [p.code for p in f.problems]) for f in result.facts] == [("smime.p7m", ["encrypted"])]
    assert "smime.p7m" in result.facts[0].problems[0].detail
