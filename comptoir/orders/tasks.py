"""Background work of the orders domain: the e-mails to the buyer.

`send_order_email` is safe to run again (a retry, a re-dispatched event): before sending it looks for the
`email_sent` line it writes on the order's timeline, and it sends while holding the order's row lock, so two
runs for the same order, kind and parcel cannot both send. The lock is held for one SMTP exchange (the
mailer's timeout bounds it; on SQLite, where a transaction holds the whole database, that is every writer's
wait), and the mail is rendered before the lock is taken. A crash after the mail left but before the commit
can send it twice: once too many beats never.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from comptoir.core.money import Money
from comptoir.orders import locks
from comptoir.orders.errors import OrderNotFoundError
from comptoir.orders.models import Order, OrderEvent, OrderEventKind
from comptoir.orders.queries_account import OrderDetail, find_order_id, get_order_detail
from comptoir.orders.services._timeline import log
from comptoir.payments.instalments.queries import get_plan_view

logger = logging.getLogger(__name__)

SUBJECTS = {
    "confirmation": _("Order %(number)s confirmed"),
    "payment_instructions": _("Order %(number)s: how to pay"),
    "shipped": _("Your order %(number)s is on its way"),
    "delivered": _("Your order %(number)s has been delivered"),
    "ready_for_pickup": _("Your order %(number)s is ready for pickup"),
    "cancelled": _("Your order %(number)s has been cancelled"),
    "tracking_link": _("Follow your order %(number)s"),
    "return_approved": _("Your return for order %(number)s is accepted"),
    "return_rejected": _("Your return for order %(number)s"),
    "return_refunded": _("Your refund for order %(number)s"),
}
RETURN_KINDS = frozenset({"return_approved", "return_rejected", "return_refunded"})
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
# Sent at most once per order (and parcel, for "shipped"); the tracking link is sent each time it is asked for.
ONCE = frozenset(SUBJECTS) - {"tracking_link"}


def _language(code: str) -> str:
    try:
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _already_sent(order_id: int, kind: str, shipment_id: int | None, return_id: int | None = None) -> bool:
    sent = OrderEvent.objects.filter(order_id=order_id, kind=OrderEventKind.EMAIL_SENT).values_list("data", flat=True)
    return any(
        isinstance(data, dict)
        and data.get("email") == kind
        and data.get("shipment_id") == shipment_id
        and data.get("return_id") == return_id
        for data in sent
    )


def _return_context(detail: OrderDetail, return_id: int | None) -> dict:
    """The return an e-mail is about, its page, and where to send the goods (the invoicing company's address)."""
    from comptoir.orders.models import LegalEntity, ReturnRequest

    ret = ReturnRequest.objects.filter(pk=return_id, order_id=detail.id).first() if return_id else None
    if ret is None:
        return {}
    page = reverse("returns:guest_detail", kwargs={"token": detail.token, "return_number": ret.number})
    entity = LegalEntity.objects.filter(is_default=True).only("name", "address").first()
    return {
        "ret": ret,
        "return_url": _absolute(page),
        "return_address": f"{entity.name}\n{entity.address}" if entity else "",
        "refunded": Money(ret.refund_amount, ret.order.currency) if ret.refund_amount else None,
    }


def render_order_email(
    detail: OrderDetail, *, kind: str, shipment_id: int | None = None, return_id: int | None = None
) -> EmailMultiAlternatives:
    """The `kind` mail of an order, in the active language: subject, plain text and HTML, with absolute links
    (settings.SITE_URL). `detail` must have been read in that language too."""
    context = {
        "order": detail,
        "kind": kind,
        "shipment": detail.shipment(shipment_id),
        "tracking_url": _absolute(reverse("orders:track", kwargs={"token": detail.token})),
        "shop_url": _absolute(reverse("storefront:home")),
        "shop_name": getattr(settings, "SHOP_NAME", "Comptoir"),
        **_return_context(detail, return_id),
        # An order paid in instalments: its confirmation shows the schedule.
        "plan": get_plan_view(order_ref=detail.number) if kind == "confirmation" else None,
    }
    subject = str(SUBJECTS[kind] % {"number": detail.number})
    context["subject"] = subject
    # Template tags leave blank lines behind in plain text: at most one in a row.
    text = _BLANK_LINES.sub("\n\n", render_to_string(f"orders/emails/{kind}.txt", context)).strip() + "\n"
    html = render_to_string(f"orders/emails/{kind}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[detail.email])
    message.attach_alternative(html, "text/html")
    return message


def _skip_reason(detail: OrderDetail, kind: str, shipment_id: int | None, return_id: int | None = None) -> str:
    if not detail.email:
        return "no address"
    if kind in RETURN_KINDS and not return_id:
        return "no return named"
    if kind == "shipped" and detail.shipment(shipment_id) is None:
        return "no such parcel on this order"
    if kind == "shipped" and detail.pickup_store is not None:
        return "collected in store: the ready-for-pickup mail tells the buyer"
    if kind == "ready_for_pickup" and detail.pickup_store is None:
        return "not a click & collect order"
    if kind == "payment_instructions" and detail.status != "awaiting_payment":
        return "no longer awaiting payment"
    if kind == "confirmation" and detail.shipments and _paid_on_handover(detail.id):
        return "paid on handover: the goods already left, the delivered or pickup mail told the buyer"
    return ""


def _paid_on_handover(order_id: int) -> bool:
    from comptoir.payments.providers.offline import PAID_ON_HANDOVER

    return Order.objects.filter(pk=order_id, payment_method__in=PAID_ON_HANDOVER).exists()


def deliver_order_email(
    *, order_id: int, kind: str, shipment_id: int | None = None, return_id: int | None = None
) -> bool:
    """Render and send the `kind` mail of an order, then note it on the timeline (`email_sent`, not shown to
    the buyer). Returns False, sending nothing, when it was already sent or does not apply to this order.
    Raises OrderNotFoundError for an unknown order, and the mailer's error when sending fails (nothing noted:
    a retry sends it)."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown order e-mail {kind!r}")
    once = kind in ONCE
    if once and _already_sent(order_id, kind, shipment_id, return_id):
        return False
    with translation.override(_language(_order_language(order_id))):
        detail = get_order_detail(order_id=order_id)
        if reason := _skip_reason(detail, kind, shipment_id, return_id):
            logger.info("order %s: no %s e-mail (%s)", detail.number, kind, reason)
            return False
        message = render_order_email(detail, kind=kind, shipment_id=shipment_id, return_id=return_id)
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        if once and _already_sent(order_id, kind, shipment_id, return_id):  # another run sent it meanwhile
            return False
        message.send()
        extra = {"return_id": return_id} if return_id else {}
        log(
            order,
            OrderEventKind.EMAIL_SENT,
            message.subject,
            email=kind,
            shipment_id=shipment_id,
            to=detail.email,
            **extra,
        )
    return True


def _order_language(order_id: int) -> str:
    language = Order.objects.filter(pk=order_id).values_list("language", flat=True).first()
    if language is None:
        raise OrderNotFoundError(data={"order": order_id})
    return language


@task()
def send_order_email(*, order_id: int, kind: str, shipment_id: int | None = None, return_id: int | None = None) -> bool:
    """Scheduled by comptoir.orders.notifications on order events; see `deliver_order_email`."""
    return deliver_order_email(order_id=order_id, kind=kind, shipment_id=shipment_id, return_id=return_id)


@task()
def send_tracking_link(*, number: str, email: str) -> bool:
    """The "find my order" form: mail the order's tracking link to its buyer, if `number` and `email` name
    one of our orders; otherwise nothing (the form says the same either way). Looked up here, in the
    background, so the page takes as long whether the order exists or not."""
    order_id = find_order_id(number=number, email=email)
    if order_id is None:
        return False
    return deliver_order_email(order_id=order_id, kind="tracking_link")
