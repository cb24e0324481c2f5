"""Mail that puts the register into the states the console tests start from (sent over real SMTP)."""

from __future__ import annotations

from typing import Any

from support.apps import CAF, DOCX, WPEHS, assessment_docx, email, plan_pdf

SW = "sw.one@lancashire.gov.uk"
PDF = "application/pdf"


def urn_request(world: Any, child: tuple[str, str, str], sender: str = SW) -> None:
    raw = email(
        f"Sam Worker <{sender}>",
        CAF,
        "URN request",
        "Please can I request a URN. Consent has been given.",
        [("Assessment.docx", DOCX, assessment_docx([child]))],
    )
    world.send(raw, sender, CAF)


def step_down(world: Any, urn: str, child: tuple[str, str, str]) -> None:
    raw = email(
        f"Sam Worker <{SW}>",
        WPEHS,
        f"Step down {urn}",
        f"Please step down URN {urn}.\n\nThe work requested is weekly family support.",
        [
            ("Assessment.docx", DOCX, assessment_docx([child], urn=urn)),
            ("Family Plan.pdf", PDF, plan_pdf(child[0], urn)),
        ],
    )
    world.send(raw, SW, WPEHS)
