"""Email bodies as social workers write them, read with the same extractor."""

from __future__ import annotations

from datetime import date

from mailbot.domain.content import Paragraph
from mailbot.domain.facts import Child, Consent, LeadProfessional
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, content_from_text, extract_message_facts, load_vocabulary


def test_content_from_text_lines_headings_and_quotes() -> None:
    content = content_from_text(
        "body",
        "Hi,\n\nLEAD PROFESSIONAL\nName: Jo\n> quoted\nChild details:\n\n-----Original Message-----\nURN old",
    )
    assert content.media == "email"
    assert content.blocks == (
        Paragraph("Hi,", "line 1"),
        Paragraph("", "line 2"),
        Paragraph("LEAD PROFESSIONAL", "line 3", 2),
        Paragraph("Name: Jo", "line 4"),
        Paragraph("Child details:", "line 6", 2),
        Paragraph("", "line 7"),
    )


def test_urn_request_email_with_sentences_and_signature(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    urn = scheme.format(4217)
    body = (
        "Hi CAF team,\n\n"
        "Please can I request a URN for the children below. Consent has been obtained from mum.\n\n"
        "Amy Smith DOB 03/04/2015 LCS 123456\n"
        "Ben Smith (DOB 05.06.18)\n\n"
        "The new lead professional will be Jane Doe (Family Support Worker, Barnardo's),\n"
        "jane.doe@barnardos.org.uk.\n"
        "Needs are assessed at Level 2 on the Continuum of Need.\n"
        "The multi-agency meeting is on 12th May 2025 and we would like WPEHS to attend.\n\n"
        "Kind regards,\n"
        "Sam Social\n"
        "Social Worker\n"
        "Tel: 01772 999999\n"
        "Email: sam.social@lancashire.gov.uk\n"
    )
    facts = extract_message_facts(f"Step down - URN {urn}", body, vocabulary, scheme)
    assert facts.kind == "email"
    assert facts.urn == urn
    assert facts.provenance["urn"] == "subject"
    assert facts.children == (
        Child("Amy Smith", date(2015, 4, 3), "123456"),
        Child("Ben Smith", date(2018, 6, 5)),
    )
    assert facts.lead_professional == LeadProfessional(
        "Jane Doe", "Family Support Worker", "Barnardo's", "jane.doe@barnardos.org.uk", None
    )
    assert facts.consent == Consent(given=True)
    assert facts.level_of_need == 2
    assert facts.meeting_date == date(2025, 5, 12)
    assert facts.provenance["children[1].name"] == "line 6"
    assert facts.provenance["meeting_date"] == "line 11"


def test_label_lines_and_outlook_signature_without_sign_off(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    body = (
        "Step down to WPEHS\n\n"
        "Child's name: Cara Jones\n"
        "DOB: 07/09/2012\n"
        "Work requested: 1:1 emotional wellbeing sessions\n"
        "  and support for mum with routines.\n"
        "Date of multi-agency meeting: 03/06/2025\n\n"
        "Sam Social\n"
        "Social Worker | Preston Children's Social Care\n"
        "Tel: 01772 999999\n"
    )
    facts = extract_message_facts("Step down request", body, vocabulary, scheme)
    assert facts.children == (Child("Cara Jones", date(2012, 9, 7)),)
    assert facts.work_requested == "1:1 emotional wellbeing sessions"
    assert facts.meeting_date == date(2025, 6, 3)
    assert facts.lead_professional is None


def test_lead_professional_details_block_then_sign_off(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    body = (
        "New LP details:\n"
        "Name: Nina New\n"
        "Role: Pastoral Lead\n"
        "Agency: Oak Primary School\n"
        "Tel: 01254 111222\n\n"
        "Many thanks\n"
        "Sam\n"
        "Tel: 01772 999999\n"
    )
    facts = extract_message_facts("New LP", body, vocabulary, scheme)
    assert facts.lead_professional == LeadProfessional(
        "Nina New", "Pastoral Lead", "Oak Primary School", None, "01254 111222"
    )


def test_consent_refused_and_contradictory_statements(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    refused = extract_message_facts("x", "Mum has declined consent to share the plan.\n", vocabulary, scheme)
    assert refused.consent.given is False
    both = extract_message_facts(
        "x", "Consent has been given by dad.\n\nMum did not consent to the referral.\n", vocabulary, scheme
    )
    assert both.consent.given is None
    assert [p.code for p in both.problems] == ["uncertain"]  # both readings shown to a person
    assert both.problems[0].detail.startswith('consent.given: the document reads "yes" (line 1) or "no"')
    silent = extract_message_facts("x", "Please find attached the plan.\n", vocabulary, scheme)
    assert silent.consent.given is None and silent.children == () and silent.urn is None


def test_invalid_urn_in_subject(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    good = scheme.format(99)
    wrong = good[:-1] + ("A" if good[-1] != "A" else "B")
    facts = extract_message_facts(f"Re: {wrong}", "See attached.", vocabulary, scheme)
    assert facts.urn is None
    assert facts.invalid_urns == (wrong,)
    assert [p.code for p in facts.problems] == ["invalid_urn"]


def test_the_config_example_is_an_overlay_and_a_council_file_merges_over_the_default(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import tomllib
    from pathlib import Path

    example = Path(__file__).parents[3] / "config" / "fields.toml"
    assert "replace" not in tomllib.loads(example.read_text(encoding="utf-8"))  # an overlay, not a copy
    overlaid = load_vocabulary(example)
    assert overlaid.classify("Date of birth", "child") == load_vocabulary().classify("Date of birth", "child")
    council = tmp_path / "fields.toml"
    council.write_text('[fields.child]\nlcs_id = ["EHM reference"]\n', encoding="utf-8")
    merged = load_vocabulary(council)
    assert merged.classify("EHM Reference", "child") is not None
    assert merged.classify("Date of birth", "child") is not None
    assert load_vocabulary().classify("EHM Reference", "child") is None


def test_facts_stated_in_the_sentences_of_a_reply(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    body = (
        "Hi,\n\nSorry, I missed those. Child's name: Tom Quayle. Tom's date of birth is 14/06/2017 and "
        "the work requested: parenting support. Mum consented on the phone.\n\nThanks\nJo Bloggs\n"
    )
    facts = extract_message_facts("RE: step down", body, vocabulary, scheme)
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Tom Quayle", date(2017, 6, 14))]
    assert facts.work_requested == "parenting support"


def test_a_possessive_birth_date_alone_names_its_child(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = extract_message_facts("RE: step down", "Ava Lee's DOB is 3rd April 2015.\n", vocabulary, scheme)
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Ava Lee", date(2015, 4, 3))]
