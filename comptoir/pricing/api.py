"""Gift card and voucher endpoints (mounted under /api/v1/ by comptoir.api.api)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import Throttled

from comptoir.api.schemas import MoneyOut, money_out
from comptoir.pricing import ratelimit
from comptoir.pricing.giftcards import get_gift_card_balance

router = Router(tags=["gift cards"])


class GiftCardBalanceIn(Schema):
    code: str = Field(min_length=1, max_length=40, description="The card's code, with or without dashes.")


class GiftCardBalanceOut(Schema):
    code: str = Field(description="The code masked to its last four characters.", examples=["•••• 7KQX"])
    balance: MoneyOut
    expires_at: datetime | None = Field(description="When the card stops being accepted; null: never.")
    usable: bool = Field(description="Whether it can pay now: active, not expired, money left.")


@router.post(
    "/gift-cards/balance",
    response={200: GiftCardBalanceOut},
    summary="A gift card's balance",
    openapi_extra={"responses": {429: {"description": "Too many tries from this client; see Retry-After."}}},
)
def gift_card_balance(request: HttpRequest, payload: GiftCardBalanceIn):
    """The balance of the card with `code`. POST keeps the code out of URLs and logs.

    Rate-limited per client together with the balance page (10 tries per 10 minutes): past it, a 429
    problem with a Retry-After header. An unknown code is a 404 problem.
    """
    retry_after = ratelimit.hit(ratelimit.GIFT_CARD_BALANCE, key=ratelimit.client_key(request))
    if retry_after is not None:
        raise Throttled(wait=retry_after)
    balance = get_gift_card_balance(code=payload.code)
    return GiftCardBalanceOut(
        code=balance.masked_code,
        balance=money_out(balance.balance),
        expires_at=balance.expires_at,
        usable=balance.usable,
    )
