"""How a payment is split: one function, pure, so its arithmetic can be checked by hand and
by property tests.

Order (PRODUCT.md): oldest instalment first; within an instalment penalty → fees →
interest → principal. Instalments already due are settled first; what is left prepays the
next instalments in order; what is left after that is returned as ``unapplied`` (the caller
holds it as the borrower's credit), so nothing paid ever disappears."""

from dataclasses import dataclass, field
from decimal import Decimal

from .money import ZERO

PARTS = ("penalty", "fee", "interest", "principal")


@dataclass
class _Parts:
    """An amount in the allocation's four parts, in the order they are settled."""

    key: int  # the instalment's id (or number, in pure tests)
    penalty: Decimal = ZERO
    fee: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.penalty + self.fee + self.interest + self.principal


@dataclass
class Open(_Parts):
    """What is still owed on one instalment."""


@dataclass
class Allocation(_Parts):
    """What a payment settles on one instalment."""


@dataclass
class Split:
    allocations: list[Allocation] = field(default_factory=list)
    unapplied: Decimal = ZERO

    def part(self, name: str) -> Decimal:
        return sum((getattr(a, name) for a in self.allocations), start=ZERO)


def allocate(amount: Decimal, owed: list[Open]) -> Split:
    """``owed`` must already be in allocation order (oldest first). Amounts are Decimals with
    two places; the result's allocations plus ``unapplied`` always equal ``amount``."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    left = amount
    split = Split()
    for item in owed:
        if left <= 0:
            break
        a = Allocation(key=item.key)
        for name in PARTS:
            take = min(left, getattr(item, name))
            if take > 0:
                setattr(a, name, take)
                left -= take
        if a.total > 0:
            split.allocations.append(a)
    split.unapplied = left
    return split
