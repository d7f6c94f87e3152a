"""The benchmarks' figures from the database (bench/checkout.py and bench/flash_sale.py share them): charges
and double charges per order, and a variant's units sold by the stock rows and by the order lines."""

import pytest

from bench.checkout import charge_counts, variant_units
from bench.flash_sale import database_figures
from comptoir.checkout import services as checkout_services
from comptoir.orders.services import pay_order
from comptoir.payments.services import confirm_payment, create_payment
from tests.checkout.factories import ready_checkout

CARD = {"card_number": "4242 4242 4242 4242"}

pytestmark = pytest.mark.django_db


def test_a_second_capture_of_one_order_counts_as_a_double_charge_and_units_are_counted_two_ways(channel):
    checkout, variant = ready_checkout(channel, stock=10, quantity=2)
    order = checkout_services.place_order(checkout_id=checkout.pk)
    pay_order(order_id=order.pk, method_code="test:card", data=CARD)
    assert charge_counts([order.number]) == (1, 0)
    assert variant_units(variant.pk) == (2, 0, 2)  # allocated, shipped, on orders

    stray = create_payment(order_ref=order.ref, method_code="test:card", amount=order.amount_due)
    confirm_payment(reference=stray.reference, data=CARD)

    assert charge_counts([order.number]) == (2, 1)
    figures = database_figures(client_tokens=[str(order.token)], featured_variant=variant.pk, featured_stock=1)
    assert (figures["orders"], figures["charges"], figures["double_charged"], figures["lost"]) == (1, 2, 1, 0)
    assert (figures["featured_sold"], figures["featured_ordered"], figures["oversold"]) == (2, 2, 1)
