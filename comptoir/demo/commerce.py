"""What the demo shop needs to sell: delivery zones and rates, the company that invoices, vouchers, a
promotion and a gift card to try. Written through the domains' services, like a merchant's setup."""

from __future__ import annotations

from decimal import Decimal

from comptoir.core.models import Channel
from comptoir.fulfillment.models import MethodKind, RateType
from comptoir.fulfillment.shipping_services import (
    RateTier,
    save_pickup_point,
    save_shipping_method,
    save_shipping_zone,
    set_shipping_rates,
)
from comptoir.orders.models import LegalEntity

LAPOSTE_TRACKING = "https://www.laposte.fr/outils/suivre-vos-envois?code={tracking_number}"
UPS_TRACKING = "https://www.ups.com/track?tracknum={tracking_number}"
EU_COUNTRIES = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
    "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]  # fmt: skip
RELAY_POINTS = [
    ("PR001", "Tabac de la Bourse", "12 rue Vivienne", "75002", "48.868600", "2.339700"),
    ("PR002", "Presse du Marais", "40 rue de Bretagne", "75003", "48.863500", "2.362600"),
    ("PR003", "Librairie Oberkampf", "101 rue Oberkampf", "75011", "48.866000", "2.377000"),
    ("PR004", "Épicerie de Grenelle", "75 rue du Commerce", "75015", "48.844900", "2.296000"),
    ("PR005", "Café des Brotteaux", "8 place Jules Ferry", "69006", "45.766700", "4.858300"),
]


def create_shipping(*, eur: Channel, usd: Channel, paris_store_id: int | None) -> int:
    """France (Colissimo by weight, relay points, Paris by bike), the EU, and the US for the USD channel."""
    france = save_shipping_zone(name="France", channel_id=eur.pk, countries=["FR", "MC"])
    home = save_shipping_method(
        zone_id=france.pk, name="Colissimo", carrier="Colissimo", tracking_url_template=LAPOSTE_TRACKING,
        rate_type=RateType.BY_WEIGHT, free_above=Decimal("60"), min_days=2, max_days=3, cutoff_hour=14,
    )  # fmt: skip
    set_shipping_rates(
        method_id=home.pk,
        tiers=[
            RateTier(0, 250, Decimal("4.95")),
            RateTier(250, 1000, Decimal("7.35")),
            RateTier(1000, 5000, Decimal("10.95")),
            RateTier(5000, 30000, Decimal("19.95")),
        ],
    )
    relay = save_shipping_method(
        zone_id=france.pk, name="Point relais", kind=MethodKind.PICKUP_POINT, carrier="Relais Colis",
        tracking_url_template=LAPOSTE_TRACKING, price=Decimal("3.90"), free_above=Decimal("40"), min_days=3,
        max_days=5, cutoff_hour=14, position=1,
    )  # fmt: skip
    for code, name, street, postcode, lat, lon in RELAY_POINTS:
        save_pickup_point(
            method_id=relay.pk, code=code, name=name, street_address_1=street, postcode=postcode,
            city="Lyon" if postcode.startswith("69") else "Paris", country="FR", latitude=Decimal(lat),
            longitude=Decimal(lon), opening_hours="Mon-Sat 8:00-20:00",
        )  # fmt: skip
    paris = save_shipping_zone(name="Paris", channel_id=eur.pk, countries=["FR"], postcode_rules=["75*"], position=1)
    save_shipping_method(
        zone_id=paris.pk, name="Paris by bike", kind=MethodKind.LOCAL_DELIVERY, carrier="Coursier",
        price=Decimal("6.90"), min_days=0, max_days=1, cutoff_hour=12, local_postcodes=["75*"],
        origin_id=paris_store_id,
    )  # fmt: skip
    europe = save_shipping_zone(name="European Union", channel_id=eur.pk, countries=EU_COUNTRIES, position=2)
    eu_method = save_shipping_method(
        zone_id=europe.pk, name="Colissimo Europe", carrier="Colissimo", tracking_url_template=LAPOSTE_TRACKING,
        rate_type=RateType.BY_WEIGHT, free_above=Decimal("120"), min_days=3, max_days=6, cutoff_hour=14,
    )  # fmt: skip
    set_shipping_rates(
        method_id=eu_method.pk,
        tiers=[
            RateTier(0, 500, Decimal("12.90")),
            RateTier(500, 2000, Decimal("17.90")),
            RateTier(2000, 30000, Decimal("29.90")),
        ],
    )
    us = save_shipping_zone(name="United States", channel_id=usd.pk, countries=["US"], position=3)
    ground = save_shipping_method(
        zone_id=us.pk, name="UPS Ground", carrier="UPS", tracking_url_template=UPS_TRACKING,
        rate_type=RateType.BY_VALUE, min_days=5, max_days=8, cutoff_hour=14,
    )  # fmt: skip
    set_shipping_rates(
        method_id=ground.pk,
        tiers=[RateTier(Decimal(0), Decimal("99.99"), Decimal("9.90")), RateTier(Decimal(100), None, Decimal(0))],
    )
    return 5


def create_legal_entity() -> LegalEntity:
    entity, _ = LegalEntity.objects.get_or_create(
        is_default=True,
        defaults={
            "name": "Comptoir Démo SAS",
            "address": "12 rue de la Paix\n75002 Paris\nFrance",
            "vat_number": "FR40303265045",
            "registration": "SAS au capital de 10 000 € — RCS Paris 303 265 045 — SIRET 303 265 045 00020",
            "legal_mentions": (
                "Facture acquittée : payée à la commande. Pas d'escompte pour paiement anticipé. "
                "En cas de retard de paiement : pénalités au taux de trois fois le taux d'intérêt légal "
                "(art. L441-10 du Code de commerce) et, pour les professionnels, indemnité forfaitaire pour "
                "frais de recouvrement de 40 € (art. D441-5). Droit de rétractation de 14 jours pour les "
                "consommateurs (art. L221-18 du Code de la consommation)."
            ),
            "invoice_prefix": "FA-",
            "credit_note_prefix": "AV-",
        },
    )
    return entity


DEMO_GIFT_CARD = "DEMOGIFT2026CARD"


def create_discounts(*, eur: Channel, usd: Channel) -> dict[str, str]:
    """Codes to try at checkout, a "3 for 2" on a collection, and a €50 gift card. Returns what to print."""
    from comptoir.core.money import Money
    from comptoir.pricing.giftcards import issue_gift_card
    from comptoir.pricing.models import Voucher, VoucherKind
    from comptoir.pricing.vouchers import save_voucher

    save_voucher(voucher=Voucher(code="BIENVENUE10", channel=eur, kind=VoucherKind.PERCENTAGE, value=Decimal(10)))
    save_voucher(voucher=Voucher(code="WELCOME10", channel=usd, kind=VoucherKind.PERCENTAGE, value=Decimal(10)))
    save_voucher(
        voucher=Voucher(
            code="LIVRAISON", channel=eur, kind=VoucherKind.FREE_SHIPPING, value=Decimal(0),
            minimum_spend=Decimal(30),
        )
    )  # fmt: skip
    save_voucher(
        voucher=Voucher(
            code="UNEFOIS5", channel=eur, kind=VoucherKind.FIXED_AMOUNT, value=Decimal(5), usage_limit=1,
        )
    )  # fmt: skip
    issue_gift_card(currency="EUR", amount=Money(Decimal(50), "EUR"), code=DEMO_GIFT_CARD, note="Demo gift card")
    return {
        "vouchers": "BIENVENUE10 (-10 %), LIVRAISON (free shipping from €30), UNEFOIS5 (€5, single use)",
        "gift card": f"{DEMO_GIFT_CARD} (€50)",
    }


def create_promotion(*, eur: Channel) -> None:
    """A "3 for 2" on the first collection."""
    from comptoir.catalog.models import Collection
    from comptoir.pricing.models import Promotion, PromotionKind
    from comptoir.pricing.vouchers import record_discount_scope

    collection = Collection.objects.order_by("pk").first()
    if collection is not None:
        promotion = Promotion.objects.create(
            name=f"3 pour 2 — {collection.name}", channel=eur, kind=PromotionKind.BUY_X_GET_Y, buy_quantity=3,
            free_quantity=1,
        )  # fmt: skip
        promotion.collections.add(collection)
        record_discount_scope(promotion)


def create_instalment_offers(*, eur: Channel, usd: Channel) -> None:
    """Pay in 3 (from €50) and 10 monthly payments (from €500) without fees; pay in 4 every two weeks in USD.
    Never gift cards nor downloads. Once: a reload keeps the merchant's own changes."""
    from comptoir.payments.instalment_models import InstalmentOffer

    if InstalmentOffer.objects.exists():
        return
    excluded = ["gift_card", "digital"]
    InstalmentOffer.objects.bulk_create(
        [
            InstalmentOffer(
                channel=eur, count=3, min_amount=Decimal(50), max_amount=Decimal(2000), excluded_kinds=excluded,
            ),
            InstalmentOffer(
                channel=eur, count=10, min_amount=Decimal(500), max_amount=Decimal(5000),
                excluded_kinds=excluded, position=1,
            ),
            InstalmentOffer(
                channel=usd, count=4, interval="14_days", min_amount=Decimal(40), max_amount=Decimal(1500),
                excluded_kinds=excluded,
            ),
        ]
    )  # fmt: skip
