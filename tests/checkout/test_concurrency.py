import pytest

from comptoir.checkout import services
from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.models import StockLevel
from comptoir.orders.models import Order
from tests.checkout.factories import ready_checkout, shipping_method


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_checkout_makes_one_order(channel, run_in_threads):
    checkout, _ = ready_checkout(channel)

    results = run_in_threads(lambda i: services.place_order(checkout_id=checkout.pk), n=6)

    orders = {r.pk for r in results if isinstance(r, Order)}
    assert len(orders) == 1, results
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_eight_buyers_for_three_units_leave_five_told_it_sold_out(channel, run_in_threads):
    method = shipping_method(channel)
    first, variant = ready_checkout(channel, stock=3, method=method)
    checkouts = [first]
    for _ in range(7):
        cart = services.open_cart(channel=channel)
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=1)
        services.set_email(checkout_id=cart.pk, email="buyer@example.fr")
        services.set_addresses(checkout_id=cart.pk, shipping=first.shipping_address)
        services.set_delivery(checkout_id=cart.pk, option_id=f"method:{method.pk}")
        services.set_payment_method(checkout_id=cart.pk, method="test:card")
        checkouts.append(cart)

    results = run_in_threads(lambda i: services.place_order(checkout_id=checkouts[i].pk), n=8)

    assert sum(isinstance(r, Order) for r in results) == 3
    assert sorted(type(r).__name__ for r in results if not isinstance(r, Order)) == ["InsufficientStockError"] * 5
    level = StockLevel.objects.get(variant=variant)
    assert level.allocated == 3 == level.on_hand
    assert isinstance(next(r for r in results if not isinstance(r, Order)), InsufficientStockError)


def _buyers(channel, *, count: int, stock: int, **extra):
    """`count` ready checkouts for one variant, each one unit."""
    method = shipping_method(channel)
    first, variant = ready_checkout(channel, stock=stock, method=method)
    checkouts = [first]
    for _ in range(count - 1):
        cart = services.open_cart(channel=channel)
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=1)
        services.set_email(checkout_id=cart.pk, email=f"buyer{cart.pk}@example.fr")
        services.set_addresses(checkout_id=cart.pk, shipping=first.shipping_address)
        services.set_delivery(checkout_id=cart.pk, option_id=f"method:{method.pk}")
        services.set_payment_method(checkout_id=cart.pk, method="test:card")
        checkouts.append(cart)
    return checkouts, variant


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_with_one_single_use_voucher_make_one_discounted_order_and_nineteen_are_told(
    channel, run_in_threads
):
    from comptoir.pricing.errors import VoucherUsedUpError
    from comptoir.pricing.models import Voucher
    from tests.pricing.factories import VoucherFactory

    VoucherFactory(code="ONCE", usage_limit=1)
    checkouts, _ = _buyers(channel, count=20, stock=50)
    for checkout in checkouts:
        services.apply_voucher(checkout_id=checkout.pk, code="ONCE")

    results = run_in_threads(lambda i: services.place_order(checkout_id=checkouts[i].pk), n=20)

    orders = [r for r in results if isinstance(r, Order)]
    assert len(orders) == 1 and orders[0].discount_total > 0
    assert [type(r) for r in results if not isinstance(r, Order)] == [VoucherUsedUpError] * 19
    assert Voucher.objects.get(code="ONCE").used_count == 1
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_payments_at_once_get_invoices_numbered_one_to_twenty(channel, run_in_threads):
    from comptoir.orders.models import Invoice
    from comptoir.orders.services import pay_order
    from tests.orders.invoice_factories import legal_entity

    legal_entity()
    checkouts, _ = _buyers(channel, count=20, stock=50)
    orders = [services.place_order(checkout_id=c.pk) for c in checkouts]

    results = run_in_threads(
        lambda i: pay_order(order_id=orders[i].pk, method_code="test:card", data={"card_number": "4242424242424242"}),
        n=20,
    )

    assert [getattr(r, "status", r) for r in results] == ["captured"] * 20
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 21))
