"""Moving stock between locations: sent (leaves the origin), then received (counts at the destination)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from comptoir.core.errors import ConflictError, InvalidInputError
from comptoir.core.events import record_event
from comptoir.inventory import locks
from comptoir.inventory.errors import InsufficientStockError, Shortage, StockLevelNotFoundError
from comptoir.inventory.models import (
    Location,
    MovementReason,
    StockLevel,
    StockTransfer,
    StockTransferLine,
    TransferStatus,
)
from comptoir.inventory.services._ledger import _check_quantities, _Ledger


class TransferClosedError(ConflictError):
    code = "transfer-closed"
    title = "This transfer was already received or cancelled"


def _reference(transfer: StockTransfer) -> str:
    return f"transfer-{transfer.pk}"


def send_transfer(
    *,
    origin_id: int,
    destination_id: int,
    quantities: Mapping[int, int],
    reference: str = "",
    actor: str = "",
    note: str = "",
) -> StockTransfer:
    """Send units (variant id -> quantity) from one location to another. They leave the origin now and
    are in transit until received. Refuses units that are not free at the origin (held or allocated)."""
    quantities = _check_quantities(quantities)
    if origin_id == destination_id:
        raise InvalidInputError(detail="A transfer goes from one location to another.")
    if Location.objects.filter(pk__in=[origin_id, destination_id]).count() != 2:
        raise InvalidInputError(detail="Unknown location.", data={"locations": [origin_id, destination_id]})
    with transaction.atomic():
        level_ids = list(
            StockLevel.objects.filter(location_id=origin_id, variant_id__in=list(quantities)).values_list(
                "pk", flat=True
            )
        )
        levels = {level.variant_id: level for level in locks.stock_levels(level_ids=level_ids).values()}
        shortages = [
            Shortage(variant_id=v, requested=q, available=max(levels[v].available - levels[v].backorder_limit, 0))
            if v in levels
            else Shortage(variant_id=v, requested=q, available=0)
            for v, q in sorted(quantities.items())
            if v not in levels or q > levels[v].available - levels[v].backorder_limit
        ]
        if shortages:
            raise InsufficientStockError(shortages=shortages)
        transfer = StockTransfer.objects.create(
            origin_id=origin_id, destination_id=destination_id, reference=reference, note=note, created_by=actor
        )
        StockTransferLine.objects.bulk_create(
            [StockTransferLine(transfer=transfer, variant_id=v, quantity=q) for v, q in sorted(quantities.items())]
        )
        ledger = _Ledger(reference=_reference(transfer), actor=actor, note=note)
        for variant_id, quantity in sorted(quantities.items()):
            ledger.add(levels[variant_id], MovementReason.TRANSFER_OUT, on_hand=-quantity)
        ledger.write()
        record_event("inventory.transfer_sent", transfer_id=transfer.pk)
    return transfer


def _close(transfer_id: int, status: str) -> StockTransfer:
    # The conditional update makes closing happen once, even if two people click "received" together.
    closed = StockTransfer.objects.filter(pk=transfer_id, status=TransferStatus.IN_TRANSIT).update(
        status=status, closed_at=timezone.now()
    )
    if not closed:
        if not StockTransfer.objects.filter(pk=transfer_id).exists():
            raise StockLevelNotFoundError(detail="No such transfer.", data={"transfer_id": transfer_id})
        raise TransferClosedError(data={"transfer_id": transfer_id})
    return StockTransfer.objects.get(pk=transfer_id)


def _put_back(transfer: StockTransfer, *, location_id: int, reason: str, actor: str) -> None:
    lines = list(transfer.lines.order_by("variant_id"))
    for line in lines:  # get_or_create outside the locks: a unique constraint guards the row's creation
        StockLevel.objects.get_or_create(location_id=location_id, variant_id=line.variant_id)
    level_ids = list(
        StockLevel.objects.filter(
            location_id=location_id, variant_id__in=[line.variant_id for line in lines]
        ).values_list("pk", flat=True)
    )
    levels = {level.variant_id: level for level in locks.stock_levels(level_ids=level_ids).values()}
    ledger = _Ledger(reference=_reference(transfer), actor=actor)
    for line in lines:
        ledger.add(levels[line.variant_id], reason, on_hand=line.quantity)
    ledger.write()


def receive_transfer(*, transfer_id: int, actor: str = "") -> StockTransfer:
    """The destination received the goods: they count there from now on. Happens once."""
    with transaction.atomic():
        transfer = _close(transfer_id, TransferStatus.RECEIVED)
        _put_back(transfer, location_id=transfer.destination_id, reason=MovementReason.TRANSFER_IN, actor=actor)
        record_event("inventory.transfer_received", transfer_id=transfer.pk)
    return transfer


def cancel_transfer(*, transfer_id: int, actor: str = "") -> StockTransfer:
    """The goods never left (or came back): they count at the origin again. Happens once."""
    with transaction.atomic():
        transfer = _close(transfer_id, TransferStatus.CANCELLED)
        _put_back(transfer, location_id=transfer.origin_id, reason=MovementReason.TRANSFER_IN, actor=actor)
        record_event("inventory.transfer_cancelled", transfer_id=transfer.pk)
    return transfer
