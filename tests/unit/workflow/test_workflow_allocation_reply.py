"""Reading allocations out of a WPEHS manager's reply to the weekly digest."""

from __future__ import annotations

import pytest

from mailbot.domain.urn import UrnScheme
from mailbot.rules.allocation_reply import AllocationLine, AllocationProblem, parse_allocation_reply

SCHEME = UrnScheme()
# Valid URNs (check characters computed by mailbot.domain.urn): 4217 → K, 4230 → Q, 4233 → K, 4221 → S.
A, B, C, D = "LAN-004217-K", "LAN-004230-Q", "LAN-004233-K", "LAN-004221-S"


def parse(body: str) -> tuple[list[AllocationLine], list[AllocationProblem]]:
    return parse_allocation_reply(body, SCHEME)


def test_the_documented_line() -> None:
    allocations, problems = parse(f"{A}: Jo Bloggs <jo.bloggs@lancashire.gov.uk>, Preston North WPEHS")
    assert allocations == [
        AllocationLine(A, "Jo Bloggs", "jo.bloggs@lancashire.gov.uk", "Preston North WPEHS", 1)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "URN LAN-004217-K - Jo Bloggs, jo.bloggs@lancashire.gov.uk, Team: Preston North",
            ("Jo Bloggs", "jo.bloggs@lancashire.gov.uk", "Preston North"),
        ),
        ("  - lan 004217 k: Jo Bloggs", ("Jo Bloggs", None, None)),
        ("• LAN-004217-K – Jo Bloggs, Chorley WPEHS", ("Jo Bloggs", None, "Chorley WPEHS")),
        (
            "1. LAN-004217-K: Jo  Bloggs <Jo.Bloggs@Lancashire.gov.uk>",
            ("Jo Bloggs", "jo.bloggs@lancashire.gov.uk", None),
        ),
        # Outlook's plain-text rendering of a link: "address<mailto:address>".
        (
            "LAN-004217-K: Jo Bloggs jo.bloggs@lancashire.gov.uk"
            "<mailto:jo.bloggs@lancashire.gov.uk>, Preston",
            ("Jo Bloggs", "jo.bloggs@lancashire.gov.uk", "Preston"),
        ),
        # A digest table row pasted with the worker added at the end (tab-separated cells).
        (
            "LAN-004217-K\tA.O.\tSD-000101\t29 Sep 2025\t11\tparenting support\tJo Bloggs\t"
            "jo.bloggs@lancashire.gov.uk\tPreston North WPEHS",
            ("Jo Bloggs", "jo.bloggs@lancashire.gov.uk", "Preston North WPEHS"),
        ),
        (
            "LAN-004217-K: Jo Bloggs (jo.bloggs@lancashire.gov.uk) Preston North WPEHS",
            ("Jo Bloggs", "jo.bloggs@lancashire.gov.uk", "Preston North WPEHS"),
        ),
        ("| LAN-004217-K | Jo Bloggs | Preston North |", ("Jo Bloggs", None, "Preston North")),
        (
            "URN: LAN-004217-K, worker: Jo Bloggs, email: jo@lancashire.gov.uk",
            ("Jo Bloggs", "jo@lancashire.gov.uk", None),
        ),
    ],
)
def test_tolerant_variants(line: str, expected: tuple[str, str | None, str | None]) -> None:
    allocations, problems = parse(line)
    assert problems == []
    assert [(a.urn, a.worker_name, a.worker_email, a.team) for a in allocations] == [(A, *expected)]


def test_quoted_digest_and_outlook_header_block_are_ignored() -> None:
    body = "\n".join(
        [
            "Hi,",  # 1
            "",  # 2
            f"{A}: Jo Bloggs <jo.bloggs@lancashire.gov.uk>, Preston North WPEHS",  # 3
            f"{B}: Sam Lee, Chorley WPEHS",  # 4
            "",  # 5
            "Thanks, Pat",  # 6
            f"> {C}: Quoted Person",  # 7: a quoted line, ignored
            "",  # 8
            "________________________________",  # 9: Outlook's rule above the quoted message
            "From: WPEHS <preventionearlyhelp@lancashire.gov.uk>",
            "Sent: 13 October 2025 08:00",
            "Subject: Step downs waiting for allocation [WD-2025-10-13]",
            f"  {D}  J.W.  SD-000104  1 Oct 2025  9  -",
            f"{C}: Someone Else",
        ]
    )
    allocations, problems = parse(body)
    assert [(a.urn, a.worker_name, a.line_number) for a in allocations] == [
        (A, "Jo Bloggs", 3),
        (B, "Sam Lee", 4),
    ]
    assert problems == []


def test_from_sent_block_without_the_rule() -> None:
    body = f"{A}: Jo Bloggs\n\nFrom: WPEHS\nSent: Monday\nTo: Pat\n{B}: Wrong Person\n"
    allocations, _ = parse(body)
    assert [a.urn for a in allocations] == [A]


def test_on_wrote_and_original_message_markers() -> None:
    assert [
        a.urn for a in parse(f"{A}: Jo Bloggs\nOn Mon, 13 Oct 2025 at 08:00, WPEHS wrote:\n{B}: X Y")[0]
    ] == [A]
    assert [a.urn for a in parse(f"{A}: Jo Bloggs\n-----Original Message-----\n{B}: X Y")[0]] == [A]


def test_problems_never_become_allocations() -> None:
    body = "\n".join(
        [
            "LAN-004217-X: Jo Bloggs",  # 1 wrong check character
            "LAN-004217: Jo Bloggs",  # 2 no check character
            f"{B}",  # 3 no worker
            f"{C}: Jo Bloggs <jo@lancashire.gov.uk>, Sam Lee <sam@lancashire.gov.uk>",  # 4 two emails
            f"Please can {D} wait until next week",  # 5 words before the URN
            f"{A} and {B}: Jo Bloggs",  # 6 two URNs
            "Our phone is 01772 530000",  # 7 no URN at all: not a problem
        ]
    )
    allocations, problems = parse(body)
    assert allocations == []
    assert problems == [
        AllocationProblem(
            1, "LAN-004217-X", "the URN's check character does not match; please check it against the digest"
        ),
        AllocationProblem(2, "LAN-004217", "the URN has no check character (the letter or digit at the end)"),
        AllocationProblem(3, B, "no worker name after the URN"),
        AllocationProblem(4, C, "more than one email address on the line"),
        AllocationProblem(5, D, "the line does not start with the URN"),
        AllocationProblem(6, A, "more than one URN on the line"),
    ]


def test_same_urn_twice() -> None:
    same = parse(f"{A}: Jo Bloggs, Preston\n{A}: Jo Bloggs, Preston")
    assert [(a.urn, a.line_number) for a in same[0]] == [(A, 1)]
    assert same[1] == []

    allocations, problems = parse(f"{A}: Jo Bloggs\n{B}: Sam Lee\n{A}: Sam Lee")
    assert [a.urn for a in allocations] == [B]
    assert problems == [
        AllocationProblem(1, A, "this URN is allocated differently on another line"),
        AllocationProblem(3, A, "this URN is allocated differently on another line"),
    ]


def test_problems_carry_no_worker_or_child_names() -> None:
    _, problems = parse("LAN-004217-X: Jo Bloggs for Amelia O'Neill")
    assert len(problems) == 1
    text = repr(problems[0])
    assert "Jo" not in text and "Amelia" not in text
