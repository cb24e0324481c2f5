"""How full the URN number space is (pure): a warning long before the width runs out.

A URN's number has a fixed width (``LAN-004217-K``: six digits), so a council can issue at most
``10**width - 1`` of them. Running out must be an operator's planned change of width, announced by
``mailbot status`` from 90 % on, never a message that fails on the day the sequence overflows.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.domain.urn import UrnScheme

#: ``status`` warns (and exits 1) from this share of the capacity on.
WARN_AT = 0.9


def urn_capacity(scheme: UrnScheme) -> int:
    """The largest sequence number the scheme's width can hold (URNs number from 1)."""
    return int(10**scheme.width - 1)


@dataclass(frozen=True)
class UrnCapacity:
    """URNs issued so far against what the width holds."""

    issued: int
    capacity: int

    @property
    def used(self) -> float:
        return self.issued / self.capacity if self.capacity else 1.0

    @property
    def exhausted(self) -> bool:
        return self.issued >= self.capacity

    def warning(self, warn_at: float = WARN_AT) -> str | None:
        """What an operator must read, from ``warn_at`` of the capacity on; None before."""
        if self.used < warn_at:
            return None
        left = max(0, self.capacity - self.issued)
        return (
            f"URN numbers {100 * self.used:.0f}% used ({self.issued:,} of {self.capacity:,}; {left:,} left): "
            "widen [urn] width in the config before they run out"
        )


def capacity_of(issued: int, scheme: UrnScheme) -> UrnCapacity:
    return UrnCapacity(issued=issued, capacity=urn_capacity(scheme))
