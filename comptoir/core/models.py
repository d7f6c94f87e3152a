from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Channel(models.Model):
    """A sales channel: where and how the shop sells (its own site per currency, later marketplaces, apps).

    Prices are set per channel, in the channel's currency. A request is served in one channel, chosen by
    its domain, else the buyer's choice (cookie), else the default channel.
    """

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. EUR"))
    default_language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES)
    default_country = CountryField(_("default country"))
    prices_include_tax = models.BooleanField(
        _("prices include tax"), default=True, help_text=_("Show and enter prices with tax (EU habit).")
    )
    domain = models.CharField(
        _("domain"), max_length=253, blank=True, default="", help_text=_("Host name that selects this channel.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default channel"), default=False)
    allow_split_shipments = models.BooleanField(
        _("split orders across locations"),
        default=True,
        help_text=_(
            "When no single location has a whole order, ship it in several parcels. Off: gather the goods at "
            "one location first."
        ),
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=30,
        help_text=_("Days after delivery during which a buyer may ask to return."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="core_channel_one_default"
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="core_channel_currency_iso4217"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Event(models.Model):
    """Outbox row: a business event recorded in the same transaction as the change it describes.

    Dispatched to its handlers after commit through the tasks API; a sweep re-dispatches any event
    whose task was lost, so a reaction happens at least once and handlers are written to be idempotent.
    """

    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["dispatched_at", "occurred_at"], name="core_event_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class IdempotencyRecord(models.Model):
    """The stored answer to a write sent with an `Idempotency-Key`, so a retry gets the same answer.

    Written in the same transaction as the write itself: either both exist or neither does.
    """

    scope = models.CharField(max_length=200, help_text="Who sent it and to which endpoint.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="core_idempotencyrecord_unique")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class ApiKey(models.Model):
    """A secret that lets a program act as a staff user through the API (an ERP, a warehouse scanner).

    Only a SHA-256 digest of the secret is stored; the secret is shown once, when the key is made.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to recognise the key.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
