"""Invoices and credit notes issued on order events."""

from __future__ import annotations

import logging

from comptoir.core.events import handles
from comptoir.orders.invoices import LegalEntityAmbiguousError, LegalEntityMissingError, issue_invoice

logger = logging.getLogger(__name__)


@handles("orders.order_paid")
def invoice_paid_order(event) -> None:
    """Issue the paid order's invoice (idempotent: a re-dispatched event returns the same invoice).

    A shop whose legal entity is not configured yet cannot number invoices: that is logged, not raised, so
    the other reactions to the payment (e-mails, shipping requests) still happen; the missing invoices are
    reported by `check_invariants` and issued later from the back office (Invoices > Issue missing invoices).
    Any other failure is raised, leaving the event pending to be dispatched again.
    """
    try:
        issue_invoice(order_id=event.payload["order_id"])
    except (LegalEntityMissingError, LegalEntityAmbiguousError) as exc:
        logger.error("order %s not invoiced: %s", event.payload.get("number"), exc.detail)
