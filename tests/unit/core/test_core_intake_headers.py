"""quick_headers: Message-ID and From read cheaply and forgivingly from raw bytes, never raising."""

from __future__ import annotations

import random

import pytest
from support.counting import growth, python_lines

from mailbot.sources.intake import quick_headers as read_headers


def quick_headers(raw: bytes) -> tuple[str | None, str | None]:
    """(Message-ID, usable sender) as intake records them."""
    headers = read_headers(raw)
    return headers.message_id, None if headers.sender_problem else headers.sender


def test_ordinary_headers() -> None:
    raw = (
        b'Received: from x\r\nFrom: "Doe, Jane" <Jane.Doe@Lancashire.gov.uk>\r\n'
        b"Message-ID: <abc.123@mail.lancashire.gov.uk>\r\nSubject: URN request\r\n\r\nbody\r\n"
    )
    assert quick_headers(raw) == ("<abc.123@mail.lancashire.gov.uk>", "jane.doe@lancashire.gov.uk")


def test_bare_address_lower_case_names_and_lf_line_ends() -> None:
    raw = b"message-id:<x@y>\nfrom: jane@nhs.net\n\nhello\n"
    assert quick_headers(raw) == ("<x@y>", "jane@nhs.net")


def test_headers_in_the_body_are_not_read() -> None:
    raw = b"Subject: fwd\r\n\r\nFrom: someone@else.org\r\nMessage-ID: <quoted@else.org>\r\n"
    assert quick_headers(raw) == (None, None)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n\r\n",
        b"\x00\x01\x02\xff\xfe",
        b"not an email at all",
        b"From: \r\nMessage-ID: no-angle-brackets@x\r\n\r\n",
        b"Message-ID: <" + b"a" * 2000 + b"@x>\r\n\r\n",
        b"From: <@>\r\n\r\n",
        b"From jane@x.gov.uk Mon Mar 10 09:00:00 2025\r\n\r\n",  # mbox separator, not a header
    ],
)
def test_garbage_gives_nothing_and_never_raises(raw: bytes) -> None:
    assert quick_headers(raw) == (None, None)


def test_undecodable_bytes_in_the_id_are_replaced() -> None:
    message_id, sender = quick_headers(b"Message-ID: <caf\xe9@x>\r\nFrom: a@b.gov.uk\r\n\r\n")
    assert message_id == "<caf\ufffd@x>"
    assert sender == "a@b.gov.uk"


def test_random_bytes_never_raise() -> None:
    generator = random.Random(20250312)
    for _ in range(300):
        raw = bytes(generator.randrange(256) for _ in range(generator.randrange(400)))
        message_id, sender = quick_headers(b"From: " + raw + b"\r\nMessage-ID: <" + raw + b">\r\n\r\n" + raw)
        assert message_id is None or message_id.startswith("<")
        assert sender is None or "@" in sender


def test_a_header_block_without_an_end_is_read_up_to_64_kib() -> None:
    raw = b"X-Filler: " + b"x" * 70000 + b"\r\nMessage-ID: <late@x>\r\n"
    assert quick_headers(raw) == (None, None)
    assert quick_headers(b"Message-ID: <early@x>\r\nX-Filler: " + b"x" * 70000) == ("<early@x>", None)


def test_a_folded_from_header_is_read() -> None:
    # RFC 5322 folding: Outlook/Exchange (and Python's email package) wrap a long display name onto
    # the next line. The sender read here becomes Request.sender, where chase-ups are sent.
    raw = (
        b'From: "Doe, Jane (Children and Family Wellbeing Service, Preston)"\r\n'
        b" <jane.doe@lancashire.gov.uk>\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n"
    )
    assert quick_headers(raw) == ("<a@b>", "jane.doe@lancashire.gov.uk")


def test_a_folded_message_id_is_read() -> None:
    raw = b"From: jane@nhs.net\r\nMessage-ID:\r\n <CAKx7aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@mail.gmail.com>\r\n\r\n"
    assert quick_headers(raw) == (
        "<CAKx7aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@mail.gmail.com>",
        "jane@nhs.net",
    )


def _long_from_line(length: int) -> bytes:
    return b"From: " + b"a" * length + b"\r\n\r\n"


def test_a_long_from_line_without_an_address_costs_work_in_proportion_to_its_length() -> None:
    work = [python_lines(lambda n=n: quick_headers(_long_from_line(n))) for n in (4000, 8000, 16000)]
    assert growth(work) < 2.2  # 2 is linear, 4 quadratic (support/counting.py)


# A regular expression's backtracking runs in C, where no line is counted: the old _FROM's lazy
# "[^\r\n]*?" before a "+" run took ~2 s for 16 KB and grows with the square of the length, so a
# 1 MiB line would take hours and a linear reader ~0.3 s. The timeout only catches that hang.
@pytest.mark.timeout(120)
def test_a_megabyte_from_line_without_an_address_is_read() -> None:
    assert quick_headers(_long_from_line(1 << 20)) == (None, None)


@pytest.mark.parametrize(
    ("from_header", "problem"),
    [
        ("josé@lancashire.gov.uk".encode(), "SMTPUTF8"),
        ("Jo <jdöe@mächine.example>".encode(), "SMTPUTF8"),
        (b"Big Bug bb@bug.com", "SPACE"),
        (b"sw\x01one@lancashire.gov.uk", "control characters"),
        (b'"quoted local"@lancashire.gov.uk', "Quoting"),
    ],
)
def test_an_address_mail_cannot_be_sent_to_is_recorded_with_its_problem(
    from_header: bytes, problem: str
) -> None:
    headers = read_headers(b"From: " + from_header + b"\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n")
    assert headers.message_id == "<a@b>"
    assert headers.sender is not None and headers.sender_problem is not None
    assert problem in headers.sender_problem


def test_an_international_domain_is_recorded_in_its_ascii_form() -> None:
    headers = read_headers("From: Jo <Jo@Mächine.example>\r\n\r\n".encode())
    assert (headers.sender, headers.sender_problem) == ("jo@xn--mchine-bua.example", None)
