"""Letters and flattened layouts: facts stated in prose, tab-separated label/value lines, bullets."""

from __future__ import annotations

from datetime import date

from mailbot.domain.content import Block, Cell, DocumentContent, FormField, Paragraph, Table
from mailbot.domain.facts import Child, LeadProfessional
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts
from mailbot.extract.prose import children_in_prose, lead_in_prose, signed_lead, writer_is_lead


def para(text: str, n: int, heading: int | None = None) -> Paragraph:
    return Paragraph(text, f"paragraph {n}", heading)


def doc(*blocks: Block, file: str = "letter.docx", media: str = "docx") -> DocumentContent:
    return DocumentContent(file=file, media=media, blocks=blocks)


def letter(*body: str, sign_off: tuple[str, ...]) -> DocumentContent:
    lines = [
        "Moorside Primary School",
        "12th March 2024",
        "To: Early Help Hub",
        *body,
        "Yours sincerely,",
        *sign_off,
    ]
    return doc(
        *(para(text, n, heading=2 if text.startswith("Re:") else None) for n, text in enumerate(lines, 1))
    )


def test_letter_whose_writer_agrees_to_lead_gives_child_and_signature_as_lead_professional(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = letter(
        "Re: Poppy Marsden, date of birth 3rd April 2015",
        "I write to confirm that I have agreed to act as Lead Professional for Poppy and the family.",
        "Dawn Marsden (mum) has given her consent, and Rob Heald, the social worker, will close the case.",
        sign_off=(
            "Helen Ward",
            "Learning Mentor, Moorside Primary School (0-11)",
            "Tel: 01632 960111   Email: helen.ward@school.example.org",
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Poppy Marsden", date(2015, 4, 3)),)
    assert facts.lead_professional == LeadProfessional(
        "Helen Ward",
        "Learning Mentor",
        "Moorside Primary School (0-11)",
        "helen.ward@school.example.org",
        "01632 960111",
    )
    assert facts.provenance["lead_professional.name"] == "paragraph 8"
    assert facts.consent.given is True


def test_a_letter_signed_by_the_social_worker_names_no_lead_professional(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = letter(
        "I am writing to request a step down for Aria Kershaw (DOB 03/04/2015).",
        "I will be closing the case once a lead professional has been identified.",
        sign_off=("Sam Social", "Social Worker, Children's Social Care", "Tel: 01632 960222"),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Aria Kershaw", date(2015, 4, 3)),)
    assert facts.lead_professional is None


def test_new_lead_professional_named_in_a_sentence(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = letter(
        "I am writing to request a step down for Aria Kershaw (DOB 03/04/2015).",
        "The new lead professional will be Jo Bloggs, Pastoral Manager at Ribble Valley High School, "
        "jo.bloggs@school.example.org, 01632 960333.",
        "The previous lead professional was Kim Old.",
        sign_off=("Sam Social", "Social Worker"),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.lead_professional == LeadProfessional(
        "Jo Bloggs",
        "Pastoral Manager",
        "Ribble Valley High School",
        "jo.bloggs@school.example.org",
        "01632 960333",
    )


def test_prose_children_skip_adults_and_impossible_ages() -> None:
    lines = [
        ("Mum Sarah Smith, DOB 01/02/2001 lives with Ava Smith dob 3/4/15.", "paragraph 1"),
        ("Re Ben Smith DOB 2.3.2016 and Grandad Len Smith born 1/1/1950.", "paragraph 2"),
        ("Ava Smith (DOB 03/04/2015) again.", "paragraph 3"),
    ]
    found = children_in_prose(lines, 2024, 2024)
    assert [(c.name, c.date_of_birth) for c in found] == [
        ("Ava Smith", date(2015, 4, 3)),
        ("Ben Smith", date(2016, 3, 2)),
    ]
    # No four-digit year anywhere: the document's latest date of any kind dates it.
    assert [c.name for c in children_in_prose([("Tom Lee DOB 4.9.19, seen 16.01.24", "p")], None, 2068)] == [
        "Tom Lee"
    ]


def test_prose_children_are_a_fallback_when_a_form_lists_children(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        para("Early Help Assessment", 1, heading=1),
        Table(
            (
                (Cell("Child's name", "t1 r1 c1"), Cell("Ava Smith", "t1 r1 c2")),
                (Cell("Date of birth", "t1 r2 c1"), Cell("03/04/2015", "t1 r2 c2")),
            ),
            "table 1",
        ),
        para("Summary", 2, heading=2),
        para("Ava's cousin Mia Jones (DOB 01/01/2016) visits at weekends.", 3),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Ava Smith", date(2015, 4, 3)),)


def test_writer_statements_and_sign_off_blocks() -> None:
    assert writer_is_lead([("I am happy to be the Lead Professional for the family.", "p")])
    assert writer_is_lead([("We have agreed to act as lead practitioner.", "p")])
    assert not writer_is_lead([("I understand Jo will act as Lead Professional.", "p")])
    assert not writer_is_lead([("I will not be the lead professional.", "p")])
    block = [("Jo Bloggs", "p1"), ("School Nurse", "p2"), ("0-19 Healthy Child Programme", "p3")]
    lead = signed_lead(block)
    assert lead is not None and (lead.role, lead.agency) == ("School Nurse", "0-19 Healthy Child Programme")
    assert signed_lead([("Early Help Team", "p1")]) is None


def test_two_sentences_naming_different_leads_give_none() -> None:
    lines = [
        ("The lead professional will be Jo Bloggs from Barnardo's.", "p1"),
        ("Sam Jones has agreed to act as lead professional.", "p2"),
    ]
    assert lead_in_prose(lines) is None
    lead = lead_in_prose(lines[1:])
    assert lead is not None and lead.name == "Sam Jones"


def test_two_column_lines_with_tabs_and_section_labels(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    lines = [
        "Health Visiting: Early Help Assessment",
        "Child\tTommy Harper",
        "DOB\t8 Jun 2009",
        "Postcode\tWN8 9TW",
        "Lead Professional\tMark Riding",
        "Role\tDesignated Safeguarding Lead",
        "Base\tMoorside Community Primary",
        "Email\tmark.riding@school.example.org",
        "Name\tRole\tAgency",
        "Mother: Aisha Harper, DOB 26 Dec 1983",
    ]
    content = doc(*(Paragraph(text, "page 1") for text in lines), file="health.pdf", media="pdf")
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Tommy Harper", date(2009, 6, 8), None, "WN8 9TW"),)
    assert facts.lead_professional == LeadProfessional(
        "Mark Riding",
        "Designated Safeguarding Lead",
        "Moorside Community Primary",
        "mark.riding@school.example.org",
        None,
    )


def test_bulleted_children_and_section_numbered_headings(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        para("Team Around the Family Minutes", 1),
        para("Children", 2),
        para("\uf0b7\tTheo Crompton - DOB 06/08/2008", 3),
        para("•  Maisie Crompton - DOB 19/01/2022", 4),
        para("Section 1: Details of the child or young person", 5),
        Table(
            (
                (Cell("First name(s)", "t1 r1 c1"), Cell("Aria", "t1 r1 c2")),
                (Cell("Family name", "t1 r2 c1"), Cell("Kershaw", "t1 r2 c2")),
                (Cell("Date of birth", "t1 r3 c1"), Cell("24/12/2012", "t1 r3 c2")),
            ),
            "table 1",
        ),
        para("Section 2: Parents / carers", 6),
        para("Level of need on the Continuum of Need: Level 2 - Additional support", 7),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert [(c.name, c.date_of_birth) for c in facts.children] == [
        ("Theo Crompton", date(2008, 8, 6)),
        ("Maisie Crompton", date(2022, 1, 19)),
        ("Aria Kershaw", date(2012, 12, 24)),
    ]
    assert facts.level_of_need == 2


def test_underscored_form_field_names_and_i_agree_statements(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        para("Consent to Share Information", 1, heading=1),
        FormField("Childs_name", "Freya Jolly", "form field 'Childs_name'"),
        FormField("Childs_date_of_birth", "02/12/2018", "form field 'Childs_date_of_birth'"),
        Table(
            (
                (Cell("I agree to an Early Help Assessment and plan", "t1 r1 c1"), Cell("No", "t1 r1 c2")),
                (Cell("I agree to the assessment being shared", "t1 r2 c1"), Cell("No", "t1 r2 c2")),
            ),
            "table 1",
        ),
        Table(
            (
                (Cell("Parent/carer name", "t2 r1 c1"), Cell("Tracey Jolly", "t2 r1 c2")),
                (Cell("Signature", "t2 r2 c1"), Cell("(signed)", "t2 r2 c2")),
                (Cell("Date", "t2 r3 c1"), Cell("04/04/2024", "t2 r3 c2")),
            ),
            "table 2",
        ),
        file="consent.pdf",
        media="pdf",
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Freya Jolly", date(2018, 12, 2)),)
    assert facts.consent.given is False
