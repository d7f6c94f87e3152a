"""Consistency checks an operator can run at any time (`manage.py check_invariants`).

Each domain registers a check with `@invariant("name")`; a check returns how many rows it examined and
the violations it found. They read only, so they are safe on a live shop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Violation:
    check: str
    subject: str
    message: str


@dataclass(slots=True)
class CheckResult:
    examined: int = 0
    violations: list[Violation] = field(default_factory=list)


Check = Callable[[], CheckResult]
_checks: dict[str, Check] = {}


def invariant(name: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        _checks[name] = check
        return check

    return register


def registered_checks() -> dict[str, Check]:
    # Import the modules that register checks; explicit, so a reader sees every check there is.
    from comptoir.inventory import invariants as _inventory  # noqa: F401
    from comptoir.orders import invariants as _orders  # noqa: F401
    from comptoir.orders import order_invariants as _order_checks  # noqa: F401
    from comptoir.payments import invariants as _payments  # noqa: F401
    from comptoir.payments.instalments import invariants as _instalments  # noqa: F401
    from comptoir.pricing import invariants as _pricing  # noqa: F401

    return dict(_checks)
