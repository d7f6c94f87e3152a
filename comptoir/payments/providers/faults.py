"""Opt-in faults for the TEST provider, for load and fault tests (bench/flash_sale.py --fault slow-payments).

    COMPTOIR_TEST_PROVIDER_FAULTS="delay=2.0,fail=0.1"

makes every call to the TEST provider take `delay` seconds and fail with probability `fail`, as a real
provider does on a bad day: the call raises PaymentProviderUnavailableError (a DomainError, 503 in the API;
the storefront shows it and the buyer may try again), and nothing is charged. Unset or empty, the hook
does nothing. A real provider never consults it. The value is read once per process.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from functools import cache

from comptoir.core.errors import DomainError

ENVIRONMENT = "COMPTOIR_TEST_PROVIDER_FAULTS"


class PaymentProviderUnavailableError(DomainError):
    code = "payment-provider-unavailable"
    title = "The payment provider did not answer"
    status = 503


@dataclass(frozen=True, slots=True)
class Faults:
    delay: float = 0.0
    fail: float = 0.0


def parse(value: str) -> Faults:
    """`delay=2.0,fail=0.1` -> Faults(2.0, 0.1). Raises ValueError for anything else (a typo must not
    silently run a fault test without its fault)."""
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, number = part.partition("=")
        if not sep or name.strip() not in ("delay", "fail"):
            raise ValueError(f"{ENVIRONMENT}: expected delay=SECONDS,fail=SHARE, got {part!r}")
        values[name.strip()] = float(number)
    faults = Faults(**values)
    if not (0 <= faults.delay <= 60 and 0 <= faults.fail <= 1):
        raise ValueError(f"{ENVIRONMENT}: delay 0..60 seconds, fail 0..1")
    return faults


@cache
def configured() -> Faults:
    return parse(os.environ.get(ENVIRONMENT, ""))


def inject(operation: str) -> None:
    """Called by the TEST provider at the start of each call: wait, then maybe fail (when configured)."""
    faults = configured()
    if faults.delay:
        time.sleep(faults.delay)
    if faults.fail and random.random() < faults.fail:
        raise PaymentProviderUnavailableError(
            detail="The payment provider did not answer in time. Nothing was charged: please try again.",
            data={"operation": operation},
        )
