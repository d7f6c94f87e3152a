"""Partner fulfilment: order lines that a supplier (dropship) or a 3PL ships on our behalf; and delivery
options: shipping zones, their methods, rate tiers and pickup points."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to the partner")
    SHIPPED = "shipped", _("Shipped by the partner")
    # In French "Cancelled" agrees with the noun: a request is "annulée", a stock transfer "annulé".
    CANCELLED = "cancelled", pgettext_lazy("fulfilment request status", "Cancelled")


class FulfilmentRequest(models.Model):
    """A purchase order to a dropship supplier, or a shipping request to a 3PL, for part of one order.

    `token` identifies the request in the partner's callback (it is the only secret in that URL), so it is
    long, random and unique.
    """

    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="fulfilment_requests")
    order_ref = models.CharField(max_length=64, db_index=True)
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    ship_to = models.JSONField(default=dict, help_text=_("Name, address lines, postcode, city, country, phone."))
    carrier = models.CharField(max_length=80, blank=True, default="")
    tracking_number = models.CharField(max_length=120, blank=True, default="")
    tracking_url = models.URLField(blank=True, default="")
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("partner fulfilment request")
        verbose_name_plural = _("partner fulfilment requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["order_ref", "location"], name="fulfillment_request_one_per_location"),
            models.CheckConstraint(
                condition=~Q(status="shipped") | ~Q(tracking_number=""), name="fulfillment_request_shipped_tracked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} via {self.location_id} ({self.status})"


class FulfilmentRequestLine(models.Model):
    request = models.ForeignKey(FulfilmentRequest, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfillment_requestline_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


# --- Delivery options: where the shop delivers, how, at what price ------------------------------------------
# Written through comptoir.fulfillment.shipping_services (and the back office, with the same checks); read
# through comptoir.fulfillment.shipping.


class ShippingZone(models.Model):
    """Where a set of delivery methods applies: countries, optionally narrowed to regions and postcodes.

    `regions` are country areas written "US/NY" (country, slash, the post's code for the area): they narrow
    only the countries they name, the zone's other countries count whole. `postcode_rules` ("75*",
    "75000-75999", "20000..20999", "75011") narrow every country of the zone: list postcodes in zones of one
    country. An address matches the zone when all the rules that are set match.
    """

    name = models.CharField(_("name"), max_length=100)
    channel = models.ForeignKey(
        "core.Channel",
        verbose_name=_("sales channel"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shipping_zones",
        help_text=_("Empty: every channel (its methods then serve the channels selling in their currency)."),
    )
    # JSON lists rather than a join table or a database array: the same on SQLite, PostgreSQL and MariaDB, and a
    # shop has a handful of zones, matched in Python after one query.
    countries = models.JSONField(_("countries"), default=list, help_text=_("ISO country codes, e.g. FR, BE."))
    regions = models.JSONField(_("regions"), default=list, blank=True)
    postcode_rules = models.JSONField(_("postcodes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class MethodKind(models.TextChoices):
    SHIPPING = "shipping", _("Carrier delivery")
    LOCAL_DELIVERY = "local_delivery", _("Local delivery")
    PICKUP_POINT = "pickup_point", _("Pickup point")


class RateType(models.TextChoices):
    FLAT = "flat", _("Flat price")
    BY_WEIGHT = "by_weight", _("By weight")
    BY_VALUE = "by_value", _("By order value")


class ShippingMethod(models.Model):
    """One way to deliver in a zone, with its price rule and delivery time.

    Delivery time is in business days after dispatch; an order placed after `cutoff_hour` (shop time) or on a
    weekend is dispatched the next business day. A local delivery is limited to `local_postcodes` and/or to
    `radius_km` around `origin`; the radius is used only when the buyer's coordinates are known (an API
    client may send them), so a local delivery meant for addresses typed at checkout should list postcodes.
    """

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=MethodKind.choices, default=MethodKind.SHIPPING)
    carrier = models.CharField(_("carrier"), max_length=80, blank=True, default="")
    tracking_url_template = models.CharField(
        _("tracking URL"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("The carrier's tracking page, with {tracking_number} where the number goes."),
    )
    rate_type = models.CharField(_("price rule"), max_length=10, choices=RateType.choices, default=RateType.FLAT)
    currency = models.CharField(_("currency"), max_length=3, help_text=_("The zone channel's currency."))
    price = models.DecimalField(_("flat price"), max_digits=14, decimal_places=4, default=0)
    free_above = models.DecimalField(
        _("free from"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Free when the order (after discounts) reaches this amount."),
    )
    min_days = models.PositiveSmallIntegerField(_("fastest delivery (business days)"), default=1)
    max_days = models.PositiveSmallIntegerField(_("slowest delivery (business days)"), default=3)
    cutoff_hour = models.PositiveSmallIntegerField(
        _("cut-off hour"),
        null=True,
        blank=True,
        help_text=_("Orders placed from this hour (0-23, shop time) are dispatched the next business day."),
    )
    local_postcodes = models.JSONField(_("local postcodes"), default=list, blank=True)
    origin = models.ForeignKey(
        "inventory.Location",
        verbose_name=_("delivers from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="local_delivery_methods",
    )
    radius_km = models.DecimalField(_("radius (km)"), max_digits=7, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="fulfillment_shippingmethod_price_gte_0"),
            models.CheckConstraint(
                condition=Q(free_above__isnull=True) | Q(free_above__gte=0),
                name="fulfillment_shippingmethod_free_above_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(min_days__lte=F("max_days")), name="fulfillment_shippingmethod_min_days_lte_max_days"
            ),
            models.CheckConstraint(
                condition=Q(cutoff_hour__isnull=True) | Q(cutoff_hour__lte=23),
                name="fulfillment_shippingmethod_cutoff_hour_valid",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="fulfillment_shippingmethod_currency_iso4217"
            ),
            models.CheckConstraint(
                condition=Q(radius_km__isnull=True) | Q(radius_km__gt=0, origin__isnull=False),
                name="fulfillment_shippingmethod_radius_has_origin",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShippingRate(models.Model):
    """One price tier of a method priced by weight (grams) or by order value.

    A tier covers from its minimum up to and including its maximum (empty: no upper limit); where two tiers
    meet, the boundary belongs to the lower one ("up to 1 kg", then "up to 2 kg").
    """

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rates")
    min_weight_grams = models.PositiveIntegerField(_("from (g)"), default=0)
    max_weight_grams = models.PositiveIntegerField(_("up to (g)"), null=True, blank=True)
    min_order_value = models.DecimalField(_("from (order value)"), max_digits=14, decimal_places=4, default=0)
    max_order_value = models.DecimalField(
        _("up to (order value)"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=4)

    class Meta:
        verbose_name = _("rate tier")
        verbose_name_plural = _("rate tiers")
        ordering = ["min_weight_grams", "min_order_value", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="fulfillment_shippingrate_price_gte_0"),
            models.CheckConstraint(
                condition=Q(max_weight_grams__isnull=True) | Q(min_weight_grams__lte=F("max_weight_grams")),
                name="fulfillment_shippingrate_weight_min_lte_max",
            ),
            models.CheckConstraint(
                condition=Q(min_order_value__gte=0), name="fulfillment_shippingrate_min_order_value_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(max_order_value__isnull=True) | Q(min_order_value__lte=F("max_order_value")),
                name="fulfillment_shippingrate_value_min_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method_id}: {self.price}"


class PickupPoint(models.Model):
    """A relay point or locker of a pickup-point method, where the carrier leaves the parcel."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="pickup_points")
    code = models.CharField(_("carrier's code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    street_address_1 = models.CharField(_("address"), max_length=255)
    street_address_2 = models.CharField(_("address (continued)"), max_length=255, blank=True, default="")
    postcode = models.CharField(_("postcode"), max_length=20, blank=True, default="")
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["method", "country", "is_active"], name="fulfil_pickup_find_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["method", "code"], name="fulfillment_pickuppoint_unique_code"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="fulfillment_pickuppoint_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="fulfillment_pickuppoint_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
