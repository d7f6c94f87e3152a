"""The demo shop can sell: delivery to a Paris address, vouchers, a gift card and an invoicing company."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from comptoir.checkout import services
from comptoir.checkout.delivery import delivery_choices
from comptoir.checkout.queries import summarize
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.orders.models import LegalEntity
from comptoir.pricing.giftcards import get_gift_card_balance
from comptoir.pricing.models import Promotion, Voucher

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, products=40, no_images=True, stdout=out)
    return out.getvalue()


def test_the_demo_prints_codes_to_try_and_sets_up_invoicing():
    output = load()

    assert "BIENVENUE10" in output and "DEMOGIFT2026CARD" in output
    assert LegalEntity.objects.get(is_default=True).legal_mentions
    assert get_gift_card_balance(code="DEMOGIFT2026CARD").balance == Money(Decimal(50), "EUR")


def test_a_paris_address_is_offered_carrier_relay_bike_and_click_and_collect():
    load()
    eur = Channel.objects.get(slug="fr-eur")
    cart = services.open_cart(channel=eur)
    services.set_addresses(
        checkout_id=cart.pk,
        shipping={
            "full_name": "Camille Martin",
            "street_address_1": "12 rue de la Paix",
            "city": "Paris",
            "postal_code": "75002",
            "country_code": "FR",
        },
    )
    cart.refresh_from_db()

    kinds = {
        o.kind for o in delivery_choices(cart, weight_grams=800, subtotal=Money(Decimal(30), "EUR"), quantities={})
    }

    assert kinds == {"shipping", "pickup_point", "local_delivery", "collect"}


def test_a_reset_keeps_vouchers_and_gift_cards_and_sets_delivery_up_again():
    load()

    load("--reset")

    assert Voucher.objects.filter(code="BIENVENUE10").count() == 1
    assert Promotion.objects.count() == 1 and Promotion.objects.get().collections.exists()
    assert summarize(services.open_cart(channel=Channel.objects.get(slug="fr-eur"))).totals.total.amount == 0


def test_the_demo_offers_pay_in_three_in_euros_once():
    from comptoir.payments.instalment_models import InstalmentOffer

    load()
    load()

    eur = Channel.objects.get(currency="EUR")
    assert sorted(InstalmentOffer.objects.filter(channel=eur).values_list("count", flat=True)) == [3, 10]
    assert InstalmentOffer.objects.count() == 3
