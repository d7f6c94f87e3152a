"""VIES, the EU's register of VAT numbers: an optional online check of a business buyer's number.

Off by default (`settings.COMPTOIR["VIES_CHECK"]`): it needs the network, and the format and checksum check
of `comptoir.taxes.vat_numbers` needs none. When on, `check_vat_number` asks the VIES REST API
(`POST {VIES_URL}/check-vat-number` with `{"countryCode": "DE", "vatNumber": "123456789"}`; the answer
carries `valid`, or an `errorWrappers` list / a `userError` code when a member state's register cannot be
reached). The answer is one of three: the register knows the number, it does not, or nobody could say —
VIES is often down for one member state at a time, and a sale should not fail for that.

The check is pluggable: `VIES_CHECKERS` maps a name to a callable, and `settings.COMPTOIR["VIES_CHECKER"]`
picks one (default "rest"), so a shop can plug in a paid mirror or a cache.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from comptoir.taxes.vat_numbers import COUNTRY_VAT_PREFIX, VatNumber

logger = logging.getLogger(__name__)

# Error codes VIES gives when it cannot answer now (rather than "this number is unknown").
UNAVAILABLE_CODES = frozenset(
    {
        "MS_UNAVAILABLE",
        "SERVICE_UNAVAILABLE",
        "TIMEOUT",
        "MS_MAX_CONCURRENT_REQ",
        "GLOBAL_MAX_CONCURRENT_REQ",
        "SERVER_BUSY",
        "IP_BLOCKED",
    }
)
MAX_ANSWER_BYTES = 64 * 1024


class ViesAnswer(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class ViesResult:
    answer: ViesAnswer
    name: str = ""
    """The trader's name, where the member state discloses it."""
    request_id: str = ""
    """VIES's consultation number, where given: proof of the check for the tax office."""
    reason: str = ""
    """Why no answer (the VIES error code, or the network error), for the log and the staff."""


def vies_enabled() -> bool:
    return bool(settings.COMPTOIR.get("VIES_CHECK", False))


def check_with_rest_api(number: VatNumber) -> ViesResult:
    """Ask the VIES REST API about `number`. Never raises: a network or service failure is UNAVAILABLE."""
    base = str(settings.COMPTOIR.get("VIES_URL", "")).rstrip("/")
    prefix = COUNTRY_VAT_PREFIX.get(number.country, number.country)
    body = json.dumps({"countryCode": prefix, "vatNumber": number.number[len(prefix) :]}).encode()
    request = urllib.request.Request(
        f"{base}/check-vat-number",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    timeout = float(settings.COMPTOIR.get("VIES_TIMEOUT", 8.0))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        # VIES answers its own errors (a member state down, too many requests) with a 4xx/5xx and a JSON body.
        raw = error.read(MAX_ANSWER_BYTES + 1) if error.fp else b""
        return _unavailable(_error_code(raw) or f"HTTP {error.code}", number)
    except (OSError, ValueError) as error:  # URLError, timeouts, refused connections, a bad URL
        return _unavailable(type(error).__name__, number)
    if len(raw) > MAX_ANSWER_BYTES:
        return _unavailable("answer too large", number)
    try:
        data = json.loads(raw)
    except ValueError:
        return _unavailable("answer is not JSON", number)
    if not isinstance(data, dict):
        return _unavailable("answer is not a JSON object", number)
    if code := _error_code_of(data):
        return _unavailable(code, number)
    valid = data.get("valid", data.get("isValid"))
    if not isinstance(valid, bool):
        return _unavailable("answer has no validity", number)
    name = str(data.get("name") or data.get("traderName") or "").strip()
    return ViesResult(
        answer=ViesAnswer.VALID if valid else ViesAnswer.INVALID,
        name="" if name == "---" else name[:255],
        request_id=str(data.get("requestIdentifier") or "")[:64],
    )


def _error_code(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    return _error_code_of(data) if isinstance(data, dict) else ""


def _error_code_of(data: dict) -> str:
    wrappers = data.get("errorWrappers")
    if isinstance(wrappers, list):
        for wrapper in wrappers:
            if isinstance(wrapper, dict) and wrapper.get("error"):
                return str(wrapper["error"])[:60]
    user_error = str(data.get("userError") or "")
    if user_error in UNAVAILABLE_CODES:
        return user_error
    if data.get("actionSucceed") is False:
        return "actionSucceed false"
    return ""


def _unavailable(reason: str, number: VatNumber) -> ViesResult:
    logger.warning("VIES could not check %s: %s", number.number, reason)
    return ViesResult(answer=ViesAnswer.UNAVAILABLE, reason=reason)


VIES_CHECKERS: dict[str, Callable[[VatNumber], ViesResult]] = {"rest": check_with_rest_api}


def check_vat_number(number: VatNumber) -> ViesResult:
    """The configured VIES check of an already format-checked number (see the module's docstring)."""
    checker = VIES_CHECKERS[str(settings.COMPTOIR.get("VIES_CHECKER", "rest"))]
    return checker(number)
