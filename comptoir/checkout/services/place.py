"""place_order: one checkout becomes at most one order, with everything frozen, or nothing happens."""

from __future__ import annotations

import secrets
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.checkout import locks
from comptoir.checkout.errors import (
    CartNotFoundError,
    CheckoutCompletedError,
    CheckoutIncompleteError,
    PriceChangedError,
)
from comptoir.checkout.models import Checkout, DeliveryKind
from comptoir.checkout.queries import CheckoutSummary, summarize
from comptoir.checkout.services.hold import _ranking
from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.inventory.services import allocate_order
from comptoir.orders.models import Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus


def _existing_order(token: uuid.UUID) -> Order | None:
    return Order.objects.filter(checkout_token=token).first()


def _missing_steps(summary: CheckoutSummary) -> list[dict[str, str]]:
    checkout, missing = summary.checkout, []
    if not summary.lines:
        missing.append({"field": "lines", "message": _("Your cart is empty.")})
    if not checkout.email:
        missing.append({"field": "email", "message": _("Enter your e-mail address.")})
    if summary.requires_shipping:
        if summary.delivery_option is None:
            message = str(summary.delivery_error.detail) if summary.delivery_error else _("Choose a delivery option.")
            missing.append({"field": "delivery", "message": message})
        elif checkout.delivery_kind != DeliveryKind.COLLECT and not checkout.shipping_address:
            missing.append({"field": "shipping_address", "message": _("Enter a delivery address.")})
    if not checkout.billing_address and not checkout.shipping_address:
        missing.append({"field": "billing_address", "message": _("Enter a billing address.")})
    if summary.totals.amount_due.amount > 0 and not checkout.payment_method:
        missing.append({"field": "payment_method", "message": _("Choose how to pay.")})
    elif summary.totals.amount_due.amount > 0 and (refusal := _offline_refusal(summary)):
        missing.append({"field": "payment_method", "message": refusal})
    for line in summary.lines:
        if line.unit_price is None:
            missing.append(
                {"field": f"line:{line.id}", "message": _("%(p)s is no longer for sale.") % {"p": line.label}}
            )
    return missing


def _offline_refusal(summary: CheckoutSummary) -> str:
    """An offline method still fits what the buyer chose since (delivery, total)? No query for other methods."""
    from comptoir.payments.offline_queries import channel_settings, method_refusal
    from comptoir.payments.providers.offline import METHODS

    checkout = summary.checkout
    if checkout.payment_method not in METHODS:
        return ""
    return method_refusal(
        checkout.payment_method,
        settings=channel_settings(channel_id=checkout.channel_id),
        delivery_kind=checkout.delivery_kind,
        total=summary.totals.amount_due,
    )


def place_order(*, checkout_id: int, user_id: int | None = None) -> Order:
    """Turn the checkout into an order: prices, discounts, taxes, addresses and names frozen; the held
    stock allocated; the voucher redeemed and gift cards debited — all in one transaction, or nothing.

    Idempotent: a checkout gives at most one order (unique `Order.checkout_token`); calling again, even
    concurrently, returns that order. Prices and totals are always today's, computed here: anything a
    client sent is ignored. Raises CheckoutIncompleteError (naming each missing step), PriceChangedError
    when a price changed since the buyer last saw it (the new prices are then shown, and the next call
    places the order at them), InsufficientStockError (the hold lapsed and the units were sold), or a
    voucher / gift card error. Emits `orders.order_placed`.
    """
    # Placed already (a second press, a retry): its order, without taking the checkout's lock. One query.
    placed = Order.objects.filter(checkout_token__in=Checkout.objects.filter(pk=checkout_id).values("token")).first()
    if placed is not None:
        return placed
    checkout = None
    try:
        with transaction.atomic():
            checkout = locks.checkout(checkout_id=checkout_id)
            if checkout is not None and checkout.completed_at is not None:
                order = _existing_order(checkout.token)
                if order is not None:
                    return order
            if checkout is None:
                raise CartNotFoundError()
            if checkout.completed_at is not None:  # completed, yet its order is gone: never placed twice
                raise CheckoutCompletedError()
            summary = summarize(checkout)
            if summary.voucher_error is not None:
                # The code stopped applying (used up by another buyer, expired): its own error says why.
                raise summary.voucher_error
            if missing := _missing_steps(summary):
                raise CheckoutIncompleteError(detail=" ".join(m["message"] for m in missing), errors=missing)
            if summary.price_changes:
                _announce_new_prices(checkout, summary)
            order, line_ids = _create_order(checkout, summary, user_id)
            # Everything that needs no stock row is written first: the stock rows are locked as late as
            # possible (every buyer of the same item waits on them), and only the voucher and gift cards,
            # after them in the global lock order, and the answer follow while they are held. Nothing slow
            # (e-mails, documents, provider calls) runs in here: those are on-commit handlers.
            checkout.completed_at = timezone.now()
            checkout.save(update_fields=["completed_at", "updated_at"])
            OrderEvent.objects.create(order=order, kind=OrderEventKind.PLACED, public=True)
            if summary.customer_tax_id and checkout.vat_check == "unconfirmed":
                # Sold without VAT on a number VIES could not confirm: staff check it before shipping.
                OrderEvent.objects.create(
                    order=order,
                    kind=OrderEventKind.NOTE,
                    public=False,
                    message=_(
                        "VIES was unavailable: the buyer's VAT number %(number)s was accepted on its format only. "
                        "Check it in VIES before shipping without VAT."
                    )
                    % {"number": summary.customer_tax_id},
                    data={"vat_number": summary.customer_tax_id, "vat_check": "unconfirmed"},
                )
            record_event("orders.order_placed", order_id=order.pk, number=order.number)
            _take_stock(order, checkout, summary, line_ids)
            _redeem(order, checkout, summary)
            if order.amount_due.amount == 0:
                from comptoir.orders.services import settle_order_payments

                settle_order_payments(order_id=order.pk)
    except PriceChangedError as exc:
        if "changes" in exc.data:
            from comptoir.checkout.services.details import acknowledge_prices

            acknowledge_prices(checkout_id=checkout_id)
        raise
    except IntegrityError:
        # A concurrent call placed this checkout's order first (unique checkout_token): that order stands.
        if checkout is not None and (order := _existing_order(checkout.token)):
            return order
        raise
    return order


def _announce_new_prices(checkout: Checkout, summary: CheckoutSummary) -> None:
    changes = [
        {"line": c.line_id, "label": c.label, "old": str(c.old.amount), "new": str(c.new.amount)}
        for c in summary.price_changes
    ]
    # place_order records the new prices as seen once this transaction has rolled back.
    raise PriceChangedError(
        detail=_("Some prices changed since you added the items. Check the new total, then confirm again."),
        data={"changes": changes, "total": str(summary.totals.total.amount), "currency": checkout.currency},
    )


def _create_order(checkout: Checkout, summary: CheckoutSummary, user_id: int | None) -> tuple[Order, dict[int, int]]:
    """The order and its lines; returns the order and its line ids by variant."""
    totals, option = summary.totals, summary.delivery_option
    order = Order.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        token=secrets.token_urlsafe(32),
        checkout_token=checkout.token,
        channel=checkout.channel,
        user_id=checkout.user_id or user_id,
        email=checkout.email,
        language=checkout.language or checkout.channel.default_language,
        currency=checkout.currency,
        status=OrderStatus.AWAITING_PAYMENT,
        shipping_address=checkout.shipping_address if checkout.delivery_kind != DeliveryKind.COLLECT else {},
        billing_address=_billing_address(checkout, summary),
        delivery_kind=checkout.delivery_kind,
        delivery_option_id=checkout.delivery_option_id,
        delivery_name=str(option.name) if option else "",
        carrier=getattr(option, "carrier", "") or "",
        tracking_url_template=getattr(option, "tracking_url_template", "") or "",
        pickup_store_id=checkout.pickup_store_id if checkout.delivery_kind == DeliveryKind.COLLECT else None,
        pickup_point=_pickup_point(option),
        voucher_code=checkout.voucher_code,
        payment_method=checkout.payment_method,
        prices_include_tax=totals.prices_include_tax,
        subtotal=totals.subtotal.amount,
        discount_total=totals.discount.amount,
        shipping_price=totals.shipping.amount,
        tax_total=totals.tax.amount,
        total=totals.total.amount,
        gift_card_total=totals.gift_cards.amount,
        discounts=[
            {"source": d.source, "name": d.name, "amount": str(d.amount.amount), "free_shipping": d.free_shipping}
            for d in totals.discounts
        ],
        tax_breakdown=[t.as_json() for t in totals.tax_breakdown],
        tax_exemption=summary.tax_exemption,
        customer_note=checkout.customer_note,
    )
    # Order numbers follow the primary key: readable, unique, and no shared counter to lock.
    order.number = str(10000 + order.pk)
    order.save(update_fields=["number"])
    by_line = {lt.line_id: lt for lt in totals.lines}
    created = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant_id=line.variant_id,
                product_name=line.product_name,
                variant_name=line.variant_name,
                sku=line.sku,
                product_kind=line.kind,
                tax_class=line.tax_class,
                quantity=line.quantity,
                unit_price=by_line[str(line.id)].unit_price.amount,
                discount=by_line[str(line.id)].discount.amount,
                tax_rate=by_line[str(line.id)].tax_rate,
                tax_amount=by_line[str(line.id)].tax.amount,
                total=by_line[str(line.id)].total.amount,
            )
            for line in summary.lines
        ]
    )
    line_ids = {line.variant_id: line.pk for line in created}
    if None in line_ids.values():  # a database that does not return the new rows' keys
        line_ids = dict(OrderLine.objects.filter(order=order).values_list("variant_id", "pk"))
    return order, line_ids


def _billing_address(checkout: Checkout, summary: CheckoutSummary) -> dict:
    """The billing address as the invoice prints it: with the company's name, and the VAT number (and how far
    it was checked, for the staff) when the taxes were computed with it."""
    address = dict(checkout.billing_address or checkout.shipping_address)
    if checkout.company_name:
        address["company"] = checkout.company_name
    if summary.customer_tax_id:
        address["vat_number"] = summary.customer_tax_id
        address["vat_check"] = checkout.vat_check
    return address


def _pickup_point(option) -> dict:
    point = getattr(option, "pickup_point", None)
    if point is None:
        return {}
    from dataclasses import asdict, is_dataclass

    data = asdict(point) if is_dataclass(point) else dict(point)
    return {k: str(v) if v is not None else "" for k, v in data.items()}


def _take_stock(order: Order, checkout: Checkout, summary: CheckoutSummary, line_ids: dict[int, int]) -> None:
    """Allocate the stocked lines, from the buyer's hold first. The routing's ranking is computed before
    `allocate_order` locks the stock rows."""
    quantities = {line.variant_id: line.quantity for line in summary.lines if line.tracks_stock}
    if not quantities:
        return
    allocate_order(
        order_ref=order.ref,
        quantities=quantities,
        holder=checkout.holder,
        line_refs={v: f"{order.pk}:{line_ids[v]}" for v in quantities},
        **_ranking(checkout, quantities),
    )


def _redeem(order: Order, checkout: Checkout, summary: CheckoutSummary) -> None:
    from comptoir.pricing.giftcards import debit_gift_card
    from comptoir.pricing.vouchers import redeem_voucher

    totals = summary.totals
    if checkout.voucher_code:
        voucher_amount = sum((d.amount for d in totals.discounts if d.source == "voucher"), Money.zero(order.currency))
        redeem_voucher(
            code=checkout.voucher_code,
            channel=checkout.channel,
            order_ref=order.ref,
            email=checkout.email,
            user_id=order.user_id,
            amount=voucher_amount,
        )
    remaining = totals.gift_cards
    for code in checkout.gift_card_codes:
        if remaining.amount <= 0:
            break
        taken = debit_gift_card(code=code, amount=remaining, order_ref=order.ref)
        remaining -= taken
    if remaining.amount > 0:
        # A card was spent elsewhere since the totals were computed: the buyer must see the new amount due.
        raise PriceChangedError(
            detail=_("A gift card's balance changed. Check the amount left to pay, then confirm again.")
        )
