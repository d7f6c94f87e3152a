"""Background payment work: capture when an order ships, release holds when it is cancelled, the TEST
provider's late webhook."""

from __future__ import annotations

from django.tasks import task


@task()
def capture_held_payments_task(*, order_ref: str) -> int:
    from comptoir.payments.services import capture_held_payments

    return capture_held_payments(order_ref=order_ref)


@task()
def void_held_payments_task(*, order_ref: str) -> int:
    from comptoir.payments.services import void_held_payments

    return void_held_payments(order_ref=order_ref)


@task()
def deliver_test_webhook(*, provider_reference: str) -> int:
    """The TEST provider's late webhook: the payment goes through at the provider, which tells our webhook
    endpoint, signed, as a real provider does (in-process: the same code as POST /payments/webhooks/test/)."""
    from comptoir.payments.providers.test import TestGateway
    from comptoir.payments.webhooks import handle_webhook

    gateway = TestGateway()
    charge = gateway.settle_late(provider_reference=provider_reference, force=True)
    if charge is None:
        return 0
    body, headers = gateway.signed_event(charge)
    return handle_webhook(provider="test", body=body, headers=headers)
