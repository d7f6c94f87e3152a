"""The demo's French shop charges French VAT, prices including tax; its US store charges no sales tax."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from comptoir.catalog.models import Product
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.demo.builder import REDUCED_RATE_CATEGORIES
from comptoir.pricing.totals import PricedLine, compute_totals

pytestmark = pytest.mark.django_db


def test_the_demo_charges_french_vat_with_books_and_food_at_the_reduced_rate():
    call_command("load_demo", products=40, no_images=True, stdout=io.StringIO())
    french, american = Channel.objects.get(slug="fr-eur"), Channel.objects.get(slug="us-usd")
    reduced = set(
        Product.objects.filter(category__slug__in=REDUCED_RATE_CATEGORIES).values_list("tax_class", flat=True)
    )
    others = set(
        Product.objects.exclude(category__slug__in=REDUCED_RATE_CATEGORIES).values_list("tax_class", flat=True)
    )

    def tax(channel, tax_class: str) -> Money:
        line = PricedLine(
            line_id="1", variant_id=1, quantity=1, unit_price=Money(Decimal("21.10"), channel.currency),
            tax_class=tax_class,
        )  # fmt: skip
        return compute_totals(channel=channel, lines=[line], address={"country_code": channel.default_country}).tax

    assert (reduced, others) == ({"reduced"}, {"standard"})
    assert french.prices_include_tax and french.tax_settings.origin_country == "FR"
    # 21.10 * 0.055 / 1.055 = 1.10; 21.10 * 0.20 / 1.20 = 3.5167 -> 3.52
    assert (tax(french, "reduced").amount, tax(french, "standard").amount) == (Decimal("1.10"), Decimal("3.52"))
    assert tax(american, "standard").amount == 0
