"""Documents built by hand in the layouts councils use, read into exact DocumentFacts."""

from __future__ import annotations

from datetime import date

from mailbot.domain.content import Block, Cell, DocumentContent, FormField, Paragraph, Table
from mailbot.domain.facts import Child, Consent, LeadProfessional, Problem
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts


def table(where: str, rows: list[list[str]]) -> Table:
    return Table(
        tuple(
            tuple(Cell(text, f"{where} row {r} cell {c}") for c, text in enumerate(row, start=1))
            for r, row in enumerate(rows, start=1)
        ),
        where,
    )


def para(text: str, n: int, heading: int | None = None) -> Paragraph:
    return Paragraph(text, f"paragraph {n}", heading)


def doc(*blocks: Block, file: str = "document.docx") -> DocumentContent:
    return DocumentContent(file=file, media="docx", blocks=blocks, sha256="ab" * 32)


def test_header_row_table_of_children_with_parent_and_lead_professional_traps(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    urn = scheme.format(4217)
    content = doc(
        para("Early Help Assessment", 1, heading=1),
        para(f"URN: {urn}", 2),
        table(
            "table 1",
            [
                ["Child/young person details"],
                ["Name", "Date of birth", "LCS ID", "Address"],
                ["Amy Smith", "03/04/2015", "123456", "1 Road, Preston PR1 2AB"],
                ["Ben Smith", "5th June 2018", "654321", "1 Road, Preston pr12ab"],
            ],
        ),
        table(
            "table 2", [["Parent/Carer details"], ["Name", "Sarah Smith"], ["Date of birth", "01/01/1985"]]
        ),
        para("Lead Professional", 3, heading=2),
        table(
            "table 3",
            [
                ["Name", "Jane Doe", "Role", "Family Support Worker"],
                ["Agency", "Barnardo's", "Email", "jane.doe@barnardos.org.uk"],
                ["Telephone", "01772 123456", "", ""],
            ],
        ),
        para("Social worker", 4, heading=2),
        para("Name: Sam Social", 5),
        para("Telephone: 01772 999999", 6),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.kind == "assessment"
    assert facts.urn == urn
    assert facts.sha256 == "ab" * 32
    assert facts.children == (
        Child("Amy Smith", date(2015, 4, 3), "123456", "PR1 2AB"),
        Child("Ben Smith", date(2018, 6, 5), "654321", "PR1 2AB"),
    )
    assert facts.lead_professional == LeadProfessional(
        "Jane Doe", "Family Support Worker", "Barnardo's", "jane.doe@barnardos.org.uk", "01772 123456"
    )
    assert facts.provenance["children[1].date_of_birth"] == "table 1 row 4 cell 2"
    assert facts.provenance["lead_professional.phone"] == "table 3 row 3 cell 2"
    assert facts.provenance["urn"] == "paragraph 2"
    assert 0 < facts.confidence["children[0].name"] <= 1


def test_two_column_tables_with_title_rows_and_previous_lead_professional(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        table(
            "table 1",
            [["Previous Lead Professional"], ["Name", "Olivia Old"], ["Email", "o.old@lancashire.gov.uk"]],
        ),
        table(
            "table 2",
            [
                ["New Lead Professional details"],
                ["Name", "Nina New"],
                ["Organisation", "Oak Primary School"],
                ["Job title", "Pastoral Lead"],
                ["Email address", "n.new@oak.lancs.sch.uk"],
            ],
        ),
        table(
            "table 3",
            [
                ["Child's details"],
                ["Full name", "Cara Jones"],
                ["D.O.B.", "07.09.12"],
                ["Postcode", "bb1 1aa"],
            ],
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.lead_professional == LeadProfessional(
        "Nina New", "Pastoral Lead", "Oak Primary School", "n.new@oak.lancs.sch.uk", None
    )
    assert facts.children == (Child("Cara Jones", date(2012, 9, 7), None, "BB1 1AA"),)


def test_label_above_value_cells_and_forename_surname(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = doc(
        para("Details of key person of concern", 1, heading=2),
        table(
            "table 1",
            [
                ["Forename(s)\nDylan", "Surname\nPatel"],
                ["Date of birth\n11/12/2016", "Mosaic ID\nM-448812"],
            ],
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Dylan Patel", date(2016, 12, 11), "M-448812", None),)
    assert facts.provenance["children[0].lcs_id"] == "table 1 row 2 cell 2"


def test_column_per_child_table(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = doc(
        table(
            "table 1",
            [
                ["", "Child 1", "Child 2"],
                ["Name", "Ella Brown", "Finn Brown"],
                ["DOB", "01/02/2017", "03/04/2019"],
                ["LCS number", "1001", "1002"],
            ],
        )
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (
        Child("Ella Brown", date(2017, 2, 1), "1001", None),
        Child("Finn Brown", date(2019, 4, 3), "1002", None),
    )
    assert facts.provenance["children[1].lcs_id"] == "table 1 row 4 cell 3"


def test_repeated_child_sections_with_label_value_lines(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        para("Child 1", 1, heading=3),
        para("Name of child/young person: Gus Green", 2),
        para("Date of birth: 2010-01-31", 3),
        para("Child 2", 4, heading=3),
        para("Name of child/young person: Hana Green", 5),
        para("Date of birth: 1st March 2013", 6),
        para("Liquid Logic ID: 55501", 7),
        para("Parent/carer", 8, heading=3),
        para("Name: Ian Green", 9),
        para("Date of birth: 01/01/1980", 10),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (
        Child("Gus Green", date(2010, 1, 31), None, None),
        Child("Hana Green", date(2013, 3, 1), "55501", None),
    )
    assert facts.lead_professional is None


def test_consecutive_children_in_one_section_split_on_repeated_labels(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        para("Children", 1, heading=2),
        para("Name: Jo King", 2),
        para("DOB: 02/02/2014", 3),
        para("Name: Kit King", 4),
        para("DOB: 03/03/2016", 5),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Jo King", date(2014, 2, 2)), Child("Kit King", date(2016, 3, 3)))


def test_acroform_fields(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = DocumentContent(
        file="step-down-form.pdf",
        media="pdf",
        blocks=(
            FormField("ChildName1", "Liam Lee", "form field 'ChildName1'"),
            FormField("child_dob_1", "09/10/2011", "form field 'child_dob_1'"),
            FormField("ChildName2", "Mia Lee", "form field 'ChildName2'"),
            FormField("child_dob_2", "10/11/2013", "form field 'child_dob_2'"),
            FormField("LP Name", "Pat Price", "form field 'LP Name'"),
            FormField("LP Email", "pat.price@nhs.net", "form field 'LP Email'"),
            FormField("LPAgency", "School Nursing", "form field 'LPAgency'"),
            FormField("ParentName", "Quinn Lee", "form field 'ParentName'"),
            FormField("ConsentGiven", "Yes", "form field 'ConsentGiven'", checkbox=True),
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Liam Lee", date(2011, 10, 9)), Child("Mia Lee", date(2013, 11, 10)))
    assert facts.lead_professional == LeadProfessional(
        "Pat Price", None, "School Nursing", "pat.price@nhs.net"
    )
    assert facts.consent.given is True
    assert facts.provenance["lead_professional.email"] == "form field 'LP Email'"


def test_check_boxes_for_level_and_consent(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = doc(
        para("Level of need", 1, heading=2),
        table("table 1", [["Level 1", "☐", "Level 2", "☒"], ["Level 3", "☐", "Level 4", "☐"]]),
        para("Consent", 2, heading=2),
        para("Has the family given consent to share information?  ☐ Yes  ☒ No", 3),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.level_of_need == 2
    assert facts.provenance["level_of_need"] == "table 1 row 1 cell 4"
    assert facts.consent == Consent(given=False)


def test_inline_tick_row_and_continuum_label(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    assert (
        extract_facts(
            doc(para("☐ Level 1  ☐ Level 2  ☒ Level 3  ☐ Level 4", 1)), vocabulary, scheme
        ).level_of_need
        == 3
    )
    assert extract_facts(doc(para("Continuum of Need: Level 3", 1)), vocabulary, scheme).level_of_need == 3
    assert (
        extract_facts(doc(para("Level of need: Universal (Level 1)", 1)), vocabulary, scheme).level_of_need
        == 1
    )
    assert extract_facts(doc(para("Level of need: Targeted", 1)), vocabulary, scheme).level_of_need is None
    assert extract_facts(doc(para("Level of need: 2/3", 1)), vocabulary, scheme).level_of_need is None


def test_invalid_urn_is_reported_not_used(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    good = scheme.format(4217)
    wrong = good[:-1] + ("A" if good[-1] != "A" else "B")
    facts = extract_facts(doc(para(f"CAF URN: {wrong}", 1)), vocabulary, scheme)
    assert facts.urn is None
    assert facts.invalid_urns == (wrong,)
    assert facts.problems == (
        Problem("invalid_urn", f"The URN {wrong} is not a valid URN (its check character does not match)."),
    )


def test_conflicting_urns_give_none_and_a_problem(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    first, second = scheme.format(4217), scheme.format(4218)
    facts = extract_facts(doc(para(f"URN: {first}", 1), para(f"Sibling URN {second}", 2)), vocabulary, scheme)
    assert facts.urn is None
    assert [p.code for p in facts.problems] == ["conflicting_urns"]
    assert first in facts.problems[0].detail and second in facts.problems[0].detail


def test_same_urn_in_header_and_body_is_one_urn(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    urn = scheme.format(17)
    content = doc(Paragraph(f"URN {urn.lower()}", "header"), para(f"URN: {urn.replace('-', ' ')}", 1))
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.urn == urn
    assert facts.problems == ()


def test_reader_problems_are_carried_over(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = DocumentContent("locked.docx", "docx", problems=(Problem("encrypted", "password protected"),))
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.problems == (Problem("encrypted", "password protected"),)
    assert facts.children == () and facts.lead_professional is None


def test_blank_template_prompts_are_not_values(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = doc(
        para("Child's details", 1, heading=2),
        table(
            "table 1",
            [["Name", "Click here to enter text."], ["Date of birth", "Click here to enter a date."]],
        ),
        para("Lead professional", 2, heading=2),
        table("table 2", [["Name", "Click or tap here to enter text."], ["Email", "N/A"]]),
        para("What support is being requested?", 3, heading=2),
        para("Click here to enter text.", 4),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == ()
    assert facts.lead_professional is None
    assert facts.work_requested is None


def test_conflicting_dates_of_birth_for_one_child_give_none(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        table(
            "table 1", [["Child's name", "Rory Reed"], ["Date of birth", "01/05/2015"], ["DOB", "02/05/2015"]]
        )
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Rory Reed", None),)


def test_work_requested_section_text_and_fallback_label(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        para("Reason for step down: CIN plan complete.", 1),
        para("What work is being requested?", 2, heading=2),
        para("Support with   routines\nand school attendance.", 3),
        para("Parenting course.", 4),
        para("Consent", 5, heading=2),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.work_requested == "Support with routines and school attendance. Parenting course."
    assert facts.provenance["work_requested"] == "paragraph 3"
    only_fallback = extract_facts(
        doc(para("What needs to change:   regular bedtimes.", 1)), vocabulary, scheme
    )
    assert only_fallback.work_requested == "regular bedtimes."
    only_reason = extract_facts(doc(para("Reason for step down: CIN plan complete.", 1)), vocabulary, scheme)
    assert only_reason.work_requested is None  # why a case steps down is no request of Early Help


def test_meeting_date_is_the_meeting_the_document_is_about(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    minutes = doc(
        para("Team Around the Family meeting minutes", 1, heading=1),
        table("table 1", [["Date of meeting", "01/04/2025"], ["Date of next meeting", "13/05/2025"]]),
    )
    facts = extract_facts(minutes, vocabulary, scheme)
    assert facts.kind == "taf_minutes"
    assert facts.meeting_date == date(2025, 4, 1)
    assert facts.provenance["meeting_date"] == "table 1 row 1 cell 2"
    next_only = doc(para("TAF minutes", 1, heading=1), para("Date of next meeting: 13/05/2025", 2))
    assert extract_facts(next_only, vocabulary, scheme).meeting_date is None
    request = doc(
        para("Request for multi-agency meeting representation", 1), para("Meeting date: 20.06.25", 2)
    )
    assert extract_facts(request, vocabulary, scheme).meeting_date == date(2025, 6, 20)
    sentence = doc(para("A multi-agency meeting has been called for 06/05/2024 at 10:00; please attend.", 1))
    assert extract_facts(sentence, vocabulary, scheme).meeting_date == date(2024, 5, 6)


def test_action_plan_columns_are_not_work_requested(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = doc(
        para("Family Plan", 1, heading=1),
        table(
            "table 1",
            [
                ["What needs to change", "What will happen", "Who", "By when"],
                ["School attendance", "Daily check-in", "Owen Gorton (Advocate)", "15th March 2024"],
                ["Routines", "Parenting course", "Kerry Ashworth", "16th February 2024"],
            ],
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.kind == "plan"
    assert facts.work_requested is None
    assert facts.children == () and facts.lead_professional is None


def test_signed_consent_statement(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = doc(
        para("Consent to share information", 1, heading=1),
        para("I agree to the information in this assessment being shared with the agencies named.", 2),
        table(
            "table 1",
            [["Name of parent/carer", "Sarah Smith"], ["Signature", "S Smith"], ["Date", "04/03/2025"]],
        ),
        file="consent.pdf",
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.kind == "consent"
    assert facts.consent == Consent(given=True, date=date(2025, 3, 4), signed_by="Sarah Smith")
    assert facts.children == ()


def test_household_table_keeps_children_by_relationship(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = doc(
        para("Family composition", 1, heading=2),
        table(
            "table 1",
            [
                ["First name", "Last name", "DOB", "Relationship"],
                ["Tom", "Hill", "01/01/1984", "Father"],
                ["Uma", "Hill", "02/02/2016", "Daughter"],
            ],
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (Child("Uma Hill", date(2016, 2, 2)),)


def test_kind_from_titles_and_file_name(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    def kind(*blocks: Block, file: str = "scan.pdf") -> str:
        return extract_facts(doc(*blocks, file=file), vocabulary, scheme).kind

    assert kind(para("Lancashire County Council", 1), para("Family Plan", 2, heading=1)) == "plan"
    assert kind(para("CAF Form", 1, heading=1)) == "assessment"
    assert kind(para("Child's Plan", 1, heading=1)) == "plan"
    assert kind(para("Team Around the Family review", 1, heading=1)) == "taf_minutes"
    assert kind(para("Consent to share information", 1, heading=1)) == "consent"
    assert kind(para("Hello", 1), file="Smith EHA v2.docx") == "assessment"
    assert kind(para("Hello", 1), file="letter.docx") == "other"


def test_unsectioned_name_alone_is_not_a_child(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    assert extract_facts(doc(para("Name: Vic Vale", 1)), vocabulary, scheme).children == ()
    found = extract_facts(
        doc(para("Name: Vic Vale", 1), para("Date of birth: 05/05/2015", 2)), vocabulary, scheme
    )
    assert found.children == (Child("Vic Vale", date(2015, 5, 5)),)


def test_name_then_labelled_birth_date_lines(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    content = doc(
        para("Consent to Share Information", 1, heading=1),
        para("Children this consent covers:", 2),
        para("Maisie Quayle   Date of birth: 17/6/14", 3),
        para("Callum Quayle\tDate of birth: 24/11/20", 4),
        para("Consent obtained from Gemma Quayle on 13/04/2024: Yes", 5),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.children == (
        Child("Maisie Quayle", date(2014, 6, 17)),
        Child("Callum Quayle", date(2020, 11, 24)),
    )
    assert facts.consent == Consent(given=True, date=date(2024, 4, 13), signed_by="Gemma Quayle")
