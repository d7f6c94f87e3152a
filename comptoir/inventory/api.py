"""Inventory API: availability for buyers and apps; stock receipts, counts, write-offs and transfers for
staff integrations (API key or staff session, Django permissions, Idempotency-Key on every write)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from comptoir.api.auth import require_perm, staff
from comptoir.api.channels import CHANNEL_PARAM_DESCRIPTION, api_channel
from comptoir.api.idempotency import idempotent
from comptoir.api.schemas import StockOut, stock_out
from comptoir.catalog.kinds import KIND_RULES
from comptoir.catalog.models import Variant
from comptoir.core.errors import InvalidInputError, NotFoundError
from comptoir.inventory import services
from comptoir.inventory.models import Location, MovementReason, StockLevel
from comptoir.inventory.queries import (
    location_ids_for_channel,
    location_ids_shipping_to,
    pickup_availability,
    stock_by_variant,
    stock_status,
)

router = Router(tags=["inventory"])

MAX_SKUS = 100


class StoreStockOut(Schema):
    location: str = Field(description="The store's slug.")
    name: str
    city: str
    quantity: int = Field(description="Units on the shelf now, to collect today.")


class AvailabilityOut(Schema):
    sku: str
    stock: StockOut
    pickup: list[StoreStockOut] = Field(description="Stores with click & collect that have it on the shelf.")


class AvailabilityQuery(Schema):
    sku: list[str] = Field(..., description=f"Variant SKUs (repeat the parameter, at most {MAX_SKUS}).")
    channel: str | None = Field(None, description=CHANNEL_PARAM_DESCRIPTION)
    pickup: bool = Field(False, description="Also list the stores where each SKU can be collected today.")
    country: str | None = Field(
        None, min_length=2, max_length=2, description="Count only stock that ships to this country (ISO code)."
    )


@router.get("/availability", response=list[AvailabilityOut], summary="What can be bought now, and where")
def availability(request: HttpRequest, query: Query[AvailabilityQuery]):
    """Stock status per SKU in the channel (two queries), plus one query per SKU for pickup stores."""
    if len(query.sku) > MAX_SKUS:
        raise InvalidInputError(detail=f"Ask for at most {MAX_SKUS} SKUs at once.")
    channel = api_channel(request, query.channel)
    variants = list(Variant.objects.select_related("product", "stock_policy").filter(sku__in=query.sku))
    locations = (
        location_ids_shipping_to(channel.pk, query.country) if query.country else location_ids_for_channel(channel.pk)
    )
    stock = stock_by_variant([v.pk for v in variants], location_ids=locations)
    answers = []
    for variant in sorted(variants, key=lambda v: query.sku.index(v.sku)):
        policy = getattr(variant, "stock_policy", None)
        level = stock.get(variant.pk)
        status = stock_status(
            level.free if level else 0,
            tracks_stock=KIND_RULES[variant.product.kind].tracks_stock,
            on_shelf=level.on_shelf if level else 0,
            oversell=policy.oversell if policy else "none",
            expected_on=policy.expected_on if policy else None,
        )
        stores = pickup_availability(variant.pk, channel_id=channel.pk) if query.pickup else []
        answers.append(
            AvailabilityOut(
                sku=variant.sku,
                stock=stock_out(status),
                pickup=[
                    StoreStockOut(location=s.slug, name=s.name, city=s.city, quantity=s.quantity)
                    for s in stores
                    if s.quantity > 0
                ],
            )
        )
    return answers


# --- Staff writes ------------------------------------------------------------------------------------


class LevelOut(Schema):
    sku: str
    location: str
    on_hand: int
    allocated: int
    reserved: int
    available: int


def _variant_id(sku: str) -> int:
    variant_id = Variant.objects.filter(sku=sku).values_list("pk", flat=True).first()
    if variant_id is None:
        raise NotFoundError(detail=f"Unknown SKU {sku!r}.", data={"sku": sku})
    return variant_id


def _location_id(slug: str) -> int:
    location_id = Location.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if location_id is None:
        raise NotFoundError(detail=f"Unknown location {slug!r}.", data={"location": slug})
    return location_id


def _level_out(location_id: int, variant_id: int) -> dict:
    level = StockLevel.objects.select_related("variant", "location").get(location_id=location_id, variant_id=variant_id)
    return LevelOut(
        sku=level.variant.sku,
        location=level.location.slug,
        on_hand=level.on_hand,
        allocated=level.allocated,
        reserved=level.reserved,
        available=level.available,
    ).model_dump()


class StockChangeIn(Schema):
    location: str = Field(description="The location's slug.")
    sku: str
    quantity: int = Field(gt=0, le=1_000_000, description="Units received, or units removed for a write-off.")
    reference: str = Field("", max_length=64, description="Delivery note, RMA number...")
    note: str = Field("", max_length=255)


class StockCountIn(Schema):
    location: str
    sku: str
    counted: int = Field(ge=0, le=10_000_000)
    note: str = Field("", max_length=255)


class WriteOffIn(StockChangeIn):
    reason: Literal["write_off", "adjustment"] = "write_off"


@router.get("/inventory/levels", response=list[LevelOut], auth=staff, summary="Stock levels of a SKU")
def list_levels(request: HttpRequest, sku: str):
    require_perm(request, "inventory.view_stocklevel")
    levels = (
        StockLevel.objects.select_related("location")
        .filter(variant_id=_variant_id(sku))
        .order_by("location__priority", "pk")
    )
    return [
        LevelOut(
            sku=sku,
            location=lv.location.slug,
            on_hand=lv.on_hand,
            allocated=lv.allocated,
            reserved=lv.reserved,
            available=lv.available,
        )
        for lv in levels
    ]


@router.post("/inventory/receipts", response={201: LevelOut}, auth=staff, summary="Goods received")
def receive(request: HttpRequest, payload: StockChangeIn):
    require_perm(request, "inventory.change_stocklevel")

    def action():
        location_id, variant_id = _location_id(payload.location), _variant_id(payload.sku)
        services.receive_stock(
            location_id=location_id,
            variant_id=variant_id,
            quantity=payload.quantity,
            reference=payload.reference,
            note=payload.note,
            actor=request.user.get_username(),
        )
        return 201, _level_out(location_id, variant_id)

    return idempotent(request, action)


@router.post("/inventory/counts", response={200: LevelOut}, auth=staff, summary="Stock counted on the shelf")
def count(request: HttpRequest, payload: StockCountIn):
    require_perm(request, "inventory.change_stocklevel")

    def action():
        location_id, variant_id = _location_id(payload.location), _variant_id(payload.sku)
        services.count_stock(
            location_id=location_id,
            variant_id=variant_id,
            counted=payload.counted,
            note=payload.note,
            actor=request.user.get_username(),
        )
        return 200, _level_out(location_id, variant_id)

    return idempotent(request, action)


@router.post("/inventory/write-offs", response={200: LevelOut}, auth=staff, summary="Damaged or lost units")
def write_off(request: HttpRequest, payload: WriteOffIn):
    require_perm(request, "inventory.change_stocklevel")

    def action():
        location_id, variant_id = _location_id(payload.location), _variant_id(payload.sku)
        reason = MovementReason.WRITE_OFF if payload.reason == "write_off" else MovementReason.ADJUSTMENT
        services.remove_stock(
            location_id=location_id,
            variant_id=variant_id,
            quantity=payload.quantity,
            reason=reason,
            reference=payload.reference,
            note=payload.note,
            actor=request.user.get_username(),
        )
        return 200, _level_out(location_id, variant_id)

    return idempotent(request, action)


class TransferLineIn(Schema):
    sku: str
    quantity: int = Field(gt=0, le=1_000_000)


class TransferIn(Schema):
    origin: str
    destination: str
    lines: list[TransferLineIn] = Field(min_length=1, max_length=500)
    reference: str = Field("", max_length=64)


class TransferOut(Schema):
    id: int
    origin: str
    destination: str
    status: str
    lines: list[TransferLineIn]


def _transfer_out(transfer) -> dict:
    return TransferOut(
        id=transfer.pk,
        origin=transfer.origin.slug,
        destination=transfer.destination.slug,
        status=transfer.status,
        lines=[
            TransferLineIn(sku=line.variant.sku, quantity=line.quantity)
            for line in transfer.lines.select_related("variant")
        ],
    ).model_dump()


@router.post("/inventory/transfers", response={201: TransferOut}, auth=staff, summary="Send stock to another location")
def create_transfer(request: HttpRequest, payload: TransferIn):
    require_perm(request, "inventory.change_stocklevel")

    def action():
        quantities: dict[int, int] = {}
        for line in payload.lines:
            variant_id = _variant_id(line.sku)
            if variant_id in quantities:
                raise InvalidInputError(detail=f"{line.sku} is listed twice.")
            quantities[variant_id] = line.quantity
        transfer = services.send_transfer(
            origin_id=_location_id(payload.origin),
            destination_id=_location_id(payload.destination),
            quantities=quantities,
            reference=payload.reference,
            actor=request.user.get_username(),
        )
        return 201, _transfer_out(transfer)

    return idempotent(request, action)


@router.post(
    "/inventory/transfers/{transfer_id}/receive",
    response={200: TransferOut},
    auth=staff,
    summary="The destination received a transfer",
)
def receive_transfer(request: HttpRequest, transfer_id: int):
    require_perm(request, "inventory.change_stocklevel")
    return idempotent(
        request,
        lambda: (
            200,
            _transfer_out(services.receive_transfer(transfer_id=transfer_id, actor=request.user.get_username())),
        ),
    )
