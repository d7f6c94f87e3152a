"""The tax screens of the back office: they open, and what is saved there is charged at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from comptoir.core.money import Money
from comptoir.pricing.totals import PricedLine, compute_totals
from comptoir.taxes.models import TaxSettings, TaxZone
from tests.backoffice.inventory_support import staff
from tests.taxes.factories import standard_zones

pytestmark = pytest.mark.django_db


def test_the_tax_zone_list_shows_each_zones_standard_rate_today(client):
    standard_zones()
    staff(client, "taxes.view_taxzone")

    response = client.get(reverse("admin:taxes_taxzone_changelist"))

    assert response.status_code == 200
    assert "8.875 %" in response.content.decode() and "19 %" in response.content.decode()


def test_tax_settings_saved_in_the_back_office_are_charged_on_the_next_basket(
    client, channel, django_capture_on_commit_callbacks
):
    standard_zones()
    staff(client, "taxes.add_taxsettings", "taxes.view_taxsettings")

    def tax() -> Money:
        return compute_totals(
            channel=channel,
            lines=[PricedLine(line_id="1", variant_id=1, quantity=1, unit_price=Money(Decimal("12.00"), "EUR"))],
            address={"country_code": "FR"},
        ).tax

    assert tax().amount == 0  # and now cached as "no settings"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:taxes_taxsettings_add"),
            {"channel": channel.pk, "origin_country": "FR", "shipping_tax": "main_rate", "rounding": "line"},
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert TaxSettings.objects.get().origin_country == "FR"
    assert tax().amount == Decimal("2.00")


def test_a_zone_with_a_backwards_postcode_range_is_refused(client):
    staff(client, "taxes.add_taxzone", "taxes.view_taxzone")

    response = client.post(
        reverse("admin:taxes_taxzone_add"),
        {
            "name": "Backwards", "country": "ES", "region": "", "postcode_from": "38", "postcode_to": "35",
            "rates-TOTAL_FORMS": "0", "rates-INITIAL_FORMS": "0",
        },
    )  # fmt: skip

    assert response.status_code == 200
    assert not TaxZone.objects.exists()
