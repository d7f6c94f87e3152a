"""Output shapes every domain's API shares: money, problems, stock, images — and the small functions that
fill them from domain objects, so that every endpoint writes an amount or an image the same way."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language, to_locale
from ninja import Field, Schema

from comptoir.catalog.images import ImageInfo
from comptoir.core.money import Money
from comptoir.inventory.queries import StockStatus


class MoneyOut(Schema):
    amount: str = Field(
        description="Decimal amount as a string (never a float), rounded to the currency's minor unit.",
        examples=["19.90"],
    )
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])
    formatted: str = Field(
        description="For display, in the language asked for with Accept-Language.", examples=["19,90 €"]
    )


class StockOut(Schema):
    code: str = Field(description="in_stock, low_stock, backorder, preorder or out_of_stock.", examples=["in_stock"])
    quantity: int | None = Field(description="Units on the shelf; null when the product's stock is not counted.")
    expected_on: date | None = Field(default=None, description="When a backorder or pre-order is expected to ship.")
    label: str = Field(description="What to tell a buyer, in the language asked for.", examples=["In stock"])


class ImageOut(Schema):
    url: str
    srcset: str = Field(description="Responsive WebP renditions for an <img srcset>; empty when there are none.")
    width: int
    height: int
    alt: str


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(description="Where the bad value is, e.g. ['query', 'limit'].")
    message: str
    type: str


class ProblemOut(Schema):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = Field(examples=["https://comptoir.dev/problems/validation-error"])
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut | dict[str, Any]] = Field(default_factory=list)
    instance: str | None = None


def money_out(money: Money | None) -> MoneyOut | None:
    if money is None:
        return None
    money = money.quantize()
    return MoneyOut(
        amount=str(money.amount),
        currency=money.currency,
        formatted=money.format(to_locale(get_language() or "en")),
    )


def stock_out(stock: StockStatus) -> StockOut:
    return StockOut(code=stock.code, quantity=stock.quantity, expected_on=stock.expected_on, label=stock.label)


def image_out(request: HttpRequest, image: ImageInfo) -> ImageOut:
    """An image with absolute URLs: API clients are not on our pages, so a path alone is no use to them."""
    srcset = ", ".join(
        f"{request.build_absolute_uri(url)} {width}"
        for url, _, width in (entry.strip().rpartition(" ") for entry in image.srcset.split(",") if entry.strip())
    )
    return ImageOut(
        url=request.build_absolute_uri(image.url) if image.url else "",
        srcset=srcset,
        width=image.width,
        height=image.height,
        alt=image.alt,
    )
