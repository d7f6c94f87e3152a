"""Money: a Decimal amount with its ISO 4217 currency.

Every amount in Comptoir is a `Money`. Adding or comparing two currencies is an error, not a silent bug;
rounding to a currency's minor unit happens here and nowhere else; a total is split across lines without
losing or inventing a cent.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

from comptoir.core.errors import DomainError

ROUNDING = ROUND_HALF_UP


class CurrencyMismatchError(DomainError):
    code = "currency-mismatch"
    title = "Amounts in different currencies cannot be combined"
    status = 422


class InvalidMoneyError(DomainError):
    code = "invalid-money"
    title = "Invalid amount or currency"
    status = 422


@functools.cache
def minor_unit_exponent(currency: str) -> Decimal:
    """Decimal('0.01') for EUR, Decimal('1') for JPY, Decimal('0.001') for KWD."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def validate_currency(currency: str) -> str:
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise InvalidMoneyError(detail=f"{currency!r} is not an ISO 4217 currency code.")
    return currency


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        validate_currency(self.currency)
        amount = self.amount
        if isinstance(amount, float):
            raise InvalidMoneyError(detail="Money amounts are never floats; pass a Decimal or a string.")
        if not isinstance(amount, Decimal):
            try:
                amount = Decimal(str(amount))
            except InvalidOperation as exc:
                raise InvalidMoneyError(detail=f"{self.amount!r} is not a number.") from exc
        if not amount.is_finite():
            raise InvalidMoneyError(detail=f"{self.amount!r} is not a finite amount.")
        object.__setattr__(self, "amount", amount)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                detail=f"{self.currency} and {other.currency} cannot be combined.",
                data={"currencies": [self.currency, other.currency]},
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __radd__(self, other: object) -> Money:
        if other == 0:  # lets sum() start from its default 0
            return self
        return self.__add__(other)  # type: ignore[arg-type]

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, Money | float):
            raise TypeError("Money can only be multiplied by an int or a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other).amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def quantize(self) -> Money:
        """Round to the currency's minor unit (half up), the one rounding rule of the shop."""
        return Money(self.amount.quantize(minor_unit_exponent(self.currency), rounding=ROUNDING), self.currency)

    @property
    def minor_units(self) -> int:
        """The amount in the currency's smallest unit (cents), as payment providers expect."""
        return int(self.quantize().amount.scaleb(get_currency_precision(self.currency)))

    def allocate(self, weights: Sequence[int | Decimal]) -> list[Money]:
        """Split into parts proportional to `weights`; the parts add up exactly to this amount.

        Largest-remainder method in minor units: each part is rounded down, then the cents left over
        go one by one to the parts that lost most to rounding (earliest first on ties).
        """
        if not weights:
            raise InvalidMoneyError(detail="Cannot split an amount across no parts.")
        if any(w < 0 for w in weights):
            raise InvalidMoneyError(detail="Split weights cannot be negative.")
        total_weight = sum(Decimal(w) for w in weights)
        precision = get_currency_precision(self.currency)
        total_minor = self.minor_units
        if total_weight == 0:
            weights, total_weight = [1] * len(weights), Decimal(len(weights))
        sign = -1 if total_minor < 0 else 1
        exact = [Decimal(abs(total_minor)) * Decimal(w) / total_weight for w in weights]
        floors = [int(share) for share in exact]
        leftover = abs(total_minor) - sum(floors)
        by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in by_remainder[:leftover]:
            floors[i] += 1
        return [Money(Decimal(sign * part).scaleb(-precision), self.currency) for part in floors]

    def format(self, locale: str = "en") -> str:
        """'€12.50' in English, '12,50 €' in French."""
        return format_currency(self.amount, self.currency, locale=locale)

    def __str__(self) -> str:
        return f"{self.quantize().amount} {self.currency}"


def sum_money(amounts: Sequence[Money], currency: str) -> Money:
    """Add amounts of one currency; an empty list is zero in `currency`."""
    total = Money.zero(currency)
    for amount in amounts:
        total += amount
    return total
