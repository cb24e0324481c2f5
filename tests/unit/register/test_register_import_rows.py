"""Reading the council's register file (pure): columns by heading, row errors by line and column, one
case per URN, and the plan that makes a second run of the same file change nothing."""

from __future__ import annotations

from datetime import date

from mailbot.domain.facts import Child, LeadProfessional
from mailbot.domain.urn import LegacyUrnFormat, UrnScheme
from mailbot.register.import_rows import (
    ExistingCase,
    ImportedCase,
    RowError,
    parse_rows,
    plan_import,
    resolve_columns,
)

SCHEME = UrnScheme(legacy=(LegacyUrnFormat(r"\d{6}"),))
TODAY = date(2026, 11, 23)
COLUMNS = {"urn": "CAF URN", "child_name": "Child Name", "date_of_birth": "DOB", "status": "Case Status"}
HEADINGS = ["CAF URN", "Child Name", "DOB", "LCS ID", "postcode", "Lead_Professional", "Case Status"]


def parse(*rows: list[str]) -> tuple[list[ImportedCase], list[RowError]]:
    where, problems = resolve_columns(HEADINGS, COLUMNS)
    assert problems == []
    return parse_rows(enumerate(rows, start=2), HEADINGS, where, SCHEME, TODAY)


def test_headings_are_found_by_mapping_or_field_name_without_case() -> None:
    where, problems = resolve_columns(HEADINGS, COLUMNS)
    assert problems == []
    assert where == {
        "urn": 0,
        "child_name": 1,
        "date_of_birth": 2,
        "lcs_id": 3,
        "postcode": 4,
        "lead_professional": 5,
        "status": 6,
    }


def test_a_missing_required_column_is_named_with_the_headings_the_file_has() -> None:
    _, problems = resolve_columns(["URN", "Name"], {})
    assert problems == ["no column 'child_name' for child_name (the file has: URN, Name)"]


def test_rows_of_one_urn_are_one_family_case() -> None:
    cases, errors = parse(
        ["123456", "Tom Sample", "14/06/2017", "LCS1", "pr1 2ab", "", "Open"],
        ["123456", "Ava Sample", "2019-02-01", "", "PR1 2AB", "", "Open"],
        ["123456", "Tom Sample", "14/06/2017", "LCS1", "PR1 2AB", "", "Open"],  # the same child again
        ["LAN-004217-K", "Jo Other", "", "", "", "", "closed"],
    )
    assert errors == []
    assert cases == [
        ImportedCase(
            "123456",
            (
                Child("Tom Sample", date(2017, 6, 14), "LCS1", "PR1 2AB"),
                Child("Ava Sample", date(2019, 2, 1), None, "PR1 2AB"),
            ),
            None,
            "open",
            (2, 3, 4),
        ),
        ImportedCase("LAN-004217-K", (Child("Jo Other"),), None, "closed", (5,)),
    ]


def test_each_row_error_names_its_line_and_column() -> None:
    cases, errors = parse(
        ["12345", "Tom Sample", "14/06/2017", "", "", "", "Open"],
        ["654321", "", "31/02/2015", "", "XX1", "", "Pending"],
        ["LAN-004217-X", "Jo Other", "14/06/2099", "", "", "", ""],
    )
    assert cases == []
    assert [str(e) for e in errors] == [
        "line 2, column 'CAF URN': '12345' is not a URN in a configured format (urn.prefix, urn.legacy)",
        "line 3, column 'Case Status': 'Pending' is not a status mailbot knows (open or closed)",
        "line 3, column 'Child Name': empty; every row is one child and needs the child's name",
        "line 3, column 'DOB': '31/02/2015' is not a date (use DD/MM/YYYY)",
        "line 3, column 'postcode': 'XX1' is not a UK postcode",
        "line 4, column 'CAF URN': 'LAN-004217-X' is not a URN in a configured format (urn.prefix, urn.legacy)",
        "line 4, column 'DOB': '14/06/2099' is in the future",
    ]


def test_rows_of_one_urn_that_disagree_are_errors_not_guesses() -> None:
    cases, errors = parse(
        ["123456", "Tom Sample", "", "", "", "", "Open"],
        ["123456", "Ava Sample", "", "", "", "", "Closed"],
    )
    assert cases == []
    assert errors == [RowError(3, "Case Status", "differs from line 2 for URN 123456")]


def test_the_plan_creates_new_cases_and_merges_known_ones() -> None:
    lp = LeadProfessional(name="Hannah Head", agency="Preston Primary School")
    cases = [
        ImportedCase("111111", (Child("New Child", date(2018, 1, 1)),), lp, "open", (2,)),
        ImportedCase(
            "222222",
            (Child("Tom Sample", date(2017, 6, 14), "LCS1"), Child("Ava Sample", date(2019, 2, 1))),
            lp,
            "closed",
            (3, 4),
        ),
    ]
    existing = {"222222": ExistingCase(9, "open", ((90, Child("Tom Sample", None, "LCS1")),), None)}
    plan = plan_import(cases, existing)
    assert [c.urn for c in plan.create] == ["111111"]
    assert plan.add_children == {9: [Child("Ava Sample", date(2019, 2, 1))]}
    assert plan.fill_children == {90: Child("Tom Sample", date(2017, 6, 14), "LCS1")}
    assert plan.record_lead_professionals == {9: lp}
    assert plan.set_status == {9: "closed"}
    assert (plan.merged, plan.unchanged) == (1, 0)


def test_the_same_file_against_what_it_imported_plans_nothing() -> None:
    lp = LeadProfessional(name="Hannah Head", agency="Preston Primary School")
    case = ImportedCase("222222", (Child("Tom Sample", date(2017, 6, 14), "LCS1"),), lp, "open", (2,))
    existing = {
        "222222": ExistingCase(9, "open", ((90, Child("Tom Sample", date(2017, 6, 14), "LCS1")),), lp)
    }
    plan = plan_import([case], existing)
    assert (
        plan.create,
        plan.add_children,
        plan.fill_children,
        plan.record_lead_professionals,
        plan.set_status,
    ) == (
        [],
        {},
        {},
        {},
        {},
    )
    assert (plan.merged, plan.unchanged) == (0, 1)
