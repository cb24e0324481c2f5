"""Authentication-Results (RFC 8601) as written by a council gateway and by Exchange Online, and the
verdict on the From address: DMARC fail, no results, forged headers, Exchange internal mail."""

from __future__ import annotations

import pytest

from mailbot.mail.authresults import (
    AuthResult,
    exchange_internal,
    parse_authentication_results,
    trusted_results,
)
from mailbot.mail.message import Address, ParsedMessage
from mailbot.rules.authentication import SenderAuthentication, aligned, authenticate_sender

GATEWAY = "mx.lancashire.gov.uk"
EXCHANGE_PASS = (
    "spf=pass (sender IP is 203.0.113.7) smtp.mailfrom=lancashire.gov.uk; dkim=pass (signature was "
    "verified) header.d=lancashire.gov.uk;dmarc=pass action=none header.from=lancashire.gov.uk;"
    "compauth=pass reason=100"
)
EXCHANGE_FAIL = (
    "spf=fail (sender IP is 198.51.100.9) smtp.mailfrom=lancashire.gov.uk; dkim=none (message not "
    "signed) header.d=none;dmarc=fail action=quarantine header.from=lancashire.gov.uk;compauth=fail "
    "reason=000"
)


def message(*headers: tuple[str, str]) -> ParsedMessage:
    return ParsedMessage(
        message_id="<a@b>",
        subject="URN request",
        sender=Address("sw@lancashire.gov.uk"),
        headers=tuple((name.lower(), value) for name, value in headers),
    )


def verdict(
    msg: ParsedMessage, *, ids: tuple[str, ...] = (GATEWAY,), exchange: bool = False
) -> SenderAuthentication:
    headers = trusted_results(msg, ids, exchange_online=exchange)
    return authenticate_sender(
        "lancashire.gov.uk", headers, inside_tenant=exchange and exchange_internal(msg)
    )


def test_parse_a_gateway_header_with_comments_and_version() -> None:
    header = parse_authentication_results(
        "mx.lancashire.gov.uk 1; spf=pass (domain of sw@lancashire.gov.uk designates 203.0.113.7) "
        'smtp.mailfrom=sw@lancashire.gov.uk; dkim=pass header.d=lancashire.gov.uk header.s="s1 (x)";'
        " dmarc=pass (p=REJECT) header.from=lancashire.gov.uk"
    )
    assert header is not None and header.authserv_id == GATEWAY
    assert [(r.method, r.result) for r in header.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert header.results[0].prop("smtp.mailfrom") == "sw@lancashire.gov.uk"
    assert header.results[1].prop("header.s") == "s1 (x)"


def test_parse_exchange_online_header_without_authserv_id() -> None:
    header = parse_authentication_results(EXCHANGE_PASS)
    assert header is not None and header.authserv_id is None
    assert [r.method for r in header.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert header.results[2] == AuthResult(
        "dmarc", "pass", (("action", "none"), ("header.from", "lancashire.gov.uk"))
    )


def test_parse_none_and_garbage() -> None:
    none = parse_authentication_results("mx.lancashire.gov.uk; none")
    assert none is not None and none.results == ()
    assert parse_authentication_results("") is None
    assert parse_authentication_results(";;;") is None


def test_dmarc_pass_from_the_trusted_gateway() -> None:
    msg = message(("Authentication-Results", f"{GATEWAY}; dmarc=pass header.from=lancashire.gov.uk"))
    assert verdict(msg) == SenderAuthentication("pass", "DMARC passed")


def test_dmarc_fail() -> None:
    msg = message(
        (
            "Authentication-Results",
            f"{GATEWAY}; spf=pass smtp.mailfrom=evil.example; dmarc=fail header.from=lancashire.gov.uk",
        ),
    )
    assert verdict(msg) == SenderAuthentication("fail", "DMARC failed")


def test_spf_and_dkim_both_fail_without_dmarc() -> None:
    msg = message(
        (
            "Authentication-Results",
            f"{GATEWAY}; spf=fail smtp.mailfrom=lancashire.gov.uk; dkim=fail header.d=lancashire.gov.uk",
        ),
    )
    assert verdict(msg) == SenderAuthentication("fail", "neither SPF nor DKIM passed for the From domain")


def test_spf_pass_for_the_attackers_own_domain_is_not_a_pass() -> None:
    msg = message(("Authentication-Results", f"{GATEWAY}; spf=pass smtp.mailfrom=bulk@evil.example"))
    assert verdict(msg).verdict == "fail"


def test_aligned_dkim_pass_without_dmarc() -> None:
    msg = message(
        ("Authentication-Results", f"{GATEWAY}; spf=none; dkim=pass header.d=mail.lancashire.gov.uk")
    )
    assert verdict(msg) == SenderAuthentication("pass", "DKIM passed for the From domain")


def test_no_results() -> None:
    assert verdict(message()) == SenderAuthentication(
        "none", "no authentication results from a trusted server"
    )
    msg = message(("Authentication-Results", f"{GATEWAY}; none"))
    assert verdict(msg).verdict == "none"
    msg = message(("Authentication-Results", f"{GATEWAY}; spf=none; dkim=none"))
    assert verdict(msg) == SenderAuthentication("none", "no SPF, DKIM or DMARC verdict for the From domain")


def test_forged_header_from_an_untrusted_authserv_id_is_ignored() -> None:
    forged = (
        "Authentication-Results",
        "mx.evil.example; spf=pass smtp.mailfrom=lancashire.gov.uk; dmarc=pass",
    )
    assert verdict(message(forged)).verdict == "none"
    # The council's gateway said fail: the forged pass lower down changes nothing.
    real = ("Authentication-Results", f"{GATEWAY}; dmarc=fail header.from=lancashire.gov.uk")
    assert verdict(message(real, forged)).verdict == "fail"


def test_only_the_topmost_header_of_a_trusted_id_counts() -> None:
    # A sender who writes the gateway's own id into the message: the real header is added above it.
    real = ("Authentication-Results", f"{GATEWAY}; dmarc=fail header.from=lancashire.gov.uk")
    forged = ("Authentication-Results", f"{GATEWAY}; dmarc=pass header.from=lancashire.gov.uk")
    assert verdict(message(real, forged)).verdict == "fail"


def test_exchange_online_header_counts_only_when_configured() -> None:
    msg = message(("Authentication-Results", EXCHANGE_FAIL))
    assert verdict(msg, ids=()).verdict == "none"
    assert verdict(msg, ids=(), exchange=True) == SenderAuthentication("fail", "DMARC failed")
    assert (
        verdict(message(("Authentication-Results", EXCHANGE_PASS)), ids=(), exchange=True).verdict == "pass"
    )


def test_exchange_compauth_fail_alone() -> None:
    msg = message(
        (
            "Authentication-Results",
            "spf=none; dkim=none; dmarc=none header.from=lancashire.gov.uk; compauth=fail reason=001",
        )
    )
    assert verdict(msg, ids=(), exchange=True) == SenderAuthentication(
        "fail", "Exchange composite authentication failed"
    )


def test_exchange_internal_mail() -> None:
    msg = message(
        ("X-MS-Exchange-Organization-AuthAs", "Internal"),
        ("X-MS-Exchange-Organization-AuthSource", "AM0PR01MB1234.eurprd01.prod.outlook.com"),
    )
    assert verdict(msg, ids=(), exchange=True) == SenderAuthentication(
        "pass", "sent inside the Exchange Online tenant"
    )
    # Without exchange_online the stamp means nothing.
    assert verdict(msg).verdict == "none"
    anonymous = message(("X-MS-Exchange-Organization-AuthAs", "Anonymous"))
    assert verdict(anonymous, ids=(), exchange=True).verdict == "none"


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ("lancashire.gov.uk", True),
        ("sw@lancashire.gov.uk", True),
        ("bounce.lancashire.gov.uk", True),
        ("gov.uk", True),
        ("evil-lancashire.gov.uk", False),
        ("lancashire.gov.uk.evil.example", False),
        (None, False),
    ],
)
def test_relaxed_alignment(identity: str | None, expected: bool) -> None:
    assert aligned(identity, "lancashire.gov.uk") is expected
