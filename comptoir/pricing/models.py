"""Prices per variant per channel; vouchers and their redemptions; automatic promotions; gift cards and their
ledger. Price lists come with a later issue.

Every counter has a CHECK constraint behind it (a voucher's uses, a gift card's balance); the services in
`pricing.vouchers` and `pricing.giftcards` are the only writers of those counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.core.money import Money


class VariantPrice(models.Model):
    """The price of a variant in a channel, in the channel's currency (checked by the service that writes it).

    Whether the amount includes tax is the channel's `prices_include_tax` setting.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="prices")
    # No index of its own: the unique (variant, channel) index serves every lookup, and a channel-only index
    # leads SQLite's planner to scan all the channel's prices when it looks for one product's cheapest.
    channel = models.ForeignKey("core.Channel", on_delete=models.CASCADE, related_name="variant_prices", db_index=False)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("price"), max_digits=14, decimal_places=4)
    compare_at_amount = models.DecimalField(
        _("compare-at price"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("The former or list price, shown struck through."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["variant", "channel"], name="pricing_variantprice_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pricing_variantprice_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(compare_at_amount__isnull=True) | Q(compare_at_amount__gt=F("amount")),
                name="pricing_variantprice_compare_at_gt_amount",
            ),
        ]

    def __str__(self) -> str:
        return str(self.price)

    @property
    def price(self) -> Money:
        return Money(self.amount, self.currency).quantize()

    @property
    def compare_at(self) -> Money | None:
        if self.compare_at_amount is None:
            return None
        return Money(self.compare_at_amount, self.currency).quantize()


# --- Vouchers ---------------------------------------------------------------------------------------------

CURRENCY_OR_BLANK = r"^([A-Z]{3})?$"


class VoucherKind(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage off")
    FIXED_AMOUNT = "fixed_amount", _("Fixed amount off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


class Voucher(models.Model):
    """A code the buyer types at checkout for a discount.

    `code` is stored upper-cased (codes are case-insensitive: every lookup upper-cases what was typed).
    `value` is a percentage (0 < v <= 100) or an amount in `currency`; `currency` is also the currency of
    `minimum_spend`, and a voucher with an amount applies only in channels of that currency. Empty
    products, categories and collections mean the whole order; otherwise only the items in any of them
    count (a category includes its sub-categories).
    """

    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("What the buyer types; not case-sensitive.")
    )
    channel = models.ForeignKey(
        "core.Channel",
        verbose_name=_("sales channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="vouchers",
        help_text=_("Empty means every channel."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VoucherKind.choices, default=VoucherKind.PERCENTAGE)
    value = models.DecimalField(
        _("value"),
        max_digits=14,
        decimal_places=4,
        default=0,
        help_text=_("Percentage (e.g. 10 for 10%) or amount off; ignored for free shipping."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        default="",
        help_text=_("Of the amount off and the minimum spend (ISO 4217, e.g. EUR)."),
    )
    minimum_spend = models.DecimalField(
        _("minimum spend"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("On the eligible items, after automatic promotions."),
    )
    starts_at = models.DateTimeField(_("valid from"), default=timezone.now)
    ends_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="vouchers"
    )
    categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("categories"), blank=True, related_name="vouchers"
    )
    collections = models.ManyToManyField(
        "catalog.Collection", verbose_name=_("collections"), blank=True, related_name="vouchers"
    )
    usage_limit = models.PositiveIntegerField(
        _("usage limit"), null=True, blank=True, help_text=_("Uses in all; empty means unlimited.")
    )
    used_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    limit_per_customer = models.PositiveIntegerField(
        _("uses per customer"),
        null=True,
        blank=True,
        help_text=_("Per e-mail address or account; empty means no limit."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_scoped = models.BooleanField(
        _("limited to chosen items"),
        default=False,
        editable=False,
        help_text=_(
            "Set when products, categories or collections were chosen. If they are all deleted later, the "
            "discount applies to nothing rather than silently to everything."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code=Upper("code")) & ~Q(code=""),
                name="pricing_voucher_code_upper",
                violation_error_message=_("The code must be upper-case and not empty."),
            ),
            models.CheckConstraint(condition=Q(used_count__gte=0), name="pricing_voucher_used_count_gte_0"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used_count__lte=F("usage_limit")),
                name="pricing_voucher_used_count_lte_limit",
                violation_error_message=_("The usage limit cannot be below the times already used."),
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_limit__gte=1),
                name="pricing_voucher_usage_limit_gte_1",
                violation_error_message=_("A usage limit is at least 1 (leave it empty for no limit)."),
            ),
            models.CheckConstraint(
                condition=Q(limit_per_customer__isnull=True) | Q(limit_per_customer__gte=1),
                name="pricing_voucher_limit_per_customer_gte_1",
                violation_error_message=_("Uses per customer are at least 1 (leave it empty for no limit)."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=VoucherKind.PERCENTAGE) | Q(value__gt=0, value__lte=100),
                name="pricing_voucher_percentage_range",
                violation_error_message=_("A percentage is above 0 and at most 100."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=VoucherKind.FIXED_AMOUNT) | (Q(value__gt=0) & ~Q(currency="")),
                name="pricing_voucher_fixed_amount_has_currency",
                violation_error_message=_("An amount off is above 0 and needs a currency."),
            ),
            models.CheckConstraint(
                condition=Q(minimum_spend__isnull=True) | (Q(minimum_spend__gte=0) & ~Q(currency="")),
                name="pricing_voucher_minimum_spend_has_currency",
                violation_error_message=_("A minimum spend is 0 or more and needs a currency."),
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=CURRENCY_OR_BLANK),
                name="pricing_voucher_currency_iso4217",
                violation_error_message=_("The currency is a three-letter ISO 4217 code such as EUR."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="pricing_voucher_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def money_value(self) -> Money | None:
        return Money(self.value, self.currency).quantize() if self.kind == VoucherKind.FIXED_AMOUNT else None

    @property
    def minimum(self) -> Money | None:
        return Money(self.minimum_spend, self.currency).quantize() if self.minimum_spend is not None else None


class VoucherRedemption(models.Model):
    """One use of a voucher by one order. Released (not deleted) when the order is cancelled: the use is
    given back, and the row stays as history."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    order_ref = models.CharField(_("order"), max_length=64)
    email = models.EmailField(_("e-mail"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(_("discount"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("used at"), auto_now_add=True)
    released_at = models.DateTimeField(_("given back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher use")
        verbose_name_plural = _("voucher uses")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["voucher", "email"], name="pricing_redemption_email_idx"),
            models.Index(fields=["order_ref"], name="pricing_redemption_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "order_ref"], name="pricing_voucherredemption_unique_order"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pricing_voucherredemption_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="pricing_voucherredemption_currency_iso4217"
            ),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="pricing_voucherredemption_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id} for {self.order_ref}"

    @property
    def discount(self) -> Money:
        return Money(self.amount, self.currency).quantize()


# --- Automatic promotions ---------------------------------------------------------------------------------


class PromotionKind(models.TextChoices):
    BUY_X_GET_Y = "buy_x_get_y", _("Buy X, get Y free (e.g. 3 for 2)")
    # xgettext:no-python-format (the percent sign is literal: this text is never %-formatted)
    NTH_ITEM_PERCENTAGE = "nth_item_percentage", _("Percentage off every n-th item (e.g. -20% on the second)")


class Promotion(models.Model):
    """A discount applied without a code to the items in its scope (empty scope: every item).

    How the items are counted: the units of every eligible line are pooled (two mugs of one design and one
    of another are three mugs), and the discounted units are the cheapest of the pool.
    - buy X get Y: for every `buy_quantity` units, the `free_quantity` cheapest are free. "3 for 2" is
      buy_quantity=3, free_quantity=1: seven eligible units make two groups, and the two cheapest units
      of the seven are free.
    - n-th item percentage: for every `nth` units, the cheapest one gets `percentage` off. "-20% on the
      second item" is nth=2, percentage=20: five units give two discounted units, the two cheapest.
    Promotions do not add up on one item: they are tried by `priority` (lower first); one that gives a
    discount takes every line it pooled, and later promotions only see the lines still free.
    """

    name = models.CharField(_("name"), max_length=120, help_text=_("Shown to the buyer in the cart."))
    channel = models.ForeignKey(
        "core.Channel",
        verbose_name=_("sales channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="promotions",
        help_text=_("Empty means every channel."),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=PromotionKind.choices)
    buy_quantity = models.PositiveIntegerField(
        _("group size"), null=True, blank=True, help_text=_("Buy X get Y: units per group, e.g. 3 for “3 for 2”.")
    )
    free_quantity = models.PositiveIntegerField(
        _("free units per group"), null=True, blank=True, help_text=_("Buy X get Y: e.g. 1 for “3 for 2”.")
    )
    nth = models.PositiveIntegerField(
        _("every n-th item"), null=True, blank=True, help_text=_("N-th item: e.g. 2 for “the second item”.")
    )
    percentage = models.DecimalField(
        _("percentage off"), max_digits=7, decimal_places=4, null=True, blank=True, help_text=_("N-th item: e.g. 20.")
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="promotions"
    )
    categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("categories"), blank=True, related_name="promotions"
    )
    collections = models.ManyToManyField(
        "catalog.Collection", verbose_name=_("collections"), blank=True, related_name="promotions"
    )
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_scoped = models.BooleanField(
        _("limited to chosen items"),
        default=False,
        editable=False,
        help_text=_(
            "Set when products, categories or collections were chosen. If they are all deleted later, the "
            "discount applies to nothing rather than silently to everything."
        ),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower is tried first."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["priority", "pk"]
        indexes = [models.Index(fields=["is_active", "starts_at"], name="pricing_promotion_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=PromotionKind.BUY_X_GET_Y)
                | Q(buy_quantity__gte=2, free_quantity__gte=1, free_quantity__lt=F("buy_quantity")),
                name="pricing_promotion_buy_x_get_y_quantities",
                violation_error_message=_("Buy X get Y needs a group of at least 2 units and fewer free units."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=PromotionKind.NTH_ITEM_PERCENTAGE)
                | Q(nth__gte=2, percentage__gt=0, percentage__lte=100),
                name="pricing_promotion_nth_item_settings",
                violation_error_message=_("The n-th item is at least the 2nd, with a percentage above 0, at most 100."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="pricing_promotion_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Gift cards -------------------------------------------------------------------------------------------


class GiftCard(models.Model):
    """A prepaid balance spent at checkout with its code.

    The code is 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L), stored without the
    dashes it is printed with; lists show only its last four. `balance` always equals the sum of the
    card's ledger (`GiftCardTransaction`); only `pricing.giftcards` changes either.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    initial_balance = models.DecimalField(_("initial balance"), max_digits=14, decimal_places=4)
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=4)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="pricing_giftcard_balance_gte_0"),
            models.CheckConstraint(condition=Q(initial_balance__gt=0), name="pricing_giftcard_initial_balance_gt_0"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="pricing_giftcard_currency_iso4217"
            ),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9]{8,32}$"), name="pricing_giftcard_code_format"),
        ]

    def __str__(self) -> str:
        return self.masked_code

    @property
    def masked_code(self) -> str:
        """'•••• 7KQX': enough for the buyer and staff to tell cards apart, useless to anyone else."""
        return f"•••• {self.code[-4:]}"

    @property
    def current_balance(self) -> Money:
        return Money(self.balance, self.currency).quantize()


class GiftCardTransactionKind(models.TextChoices):
    ISSUE = "issue", _("Issued")
    DEBIT = "debit", _("Spent")
    CREDIT = "credit", _("Refunded")


class GiftCardTransaction(models.Model):
    """One line of a gift card's ledger: issued (+), spent on an order (-), refunded onto the card (+)."""

    gift_card = models.ForeignKey(GiftCard, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(_("kind"), max_length=10, choices=GiftCardTransactionKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=4, help_text=_("Signed: spent is negative.")
    )
    order_ref = models.CharField(_("order"), max_length=64, blank=True, default="")
    note = models.CharField(_("note"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gift card transaction")
        verbose_name_plural = _("gift card transactions")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order_ref"], name="pricing_gctx_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=GiftCardTransactionKind.DEBIT) & Q(amount__lt=0))
                | (Q(kind__in=[GiftCardTransactionKind.ISSUE, GiftCardTransactionKind.CREDIT]) & Q(amount__gt=0)),
                name="pricing_giftcardtransaction_amount_sign",
            ),
            models.CheckConstraint(
                condition=Q(kind=GiftCardTransactionKind.ISSUE) | ~Q(order_ref=""),
                name="pricing_giftcardtransaction_order_ref_set",
            ),
            # One debit per card and order makes a retried payment step harmless. MariaDB cannot enforce a
            # conditional unique index; there the row lock taken by `debit_gift_card` is what holds.
            models.UniqueConstraint(
                fields=["gift_card", "order_ref"],
                condition=Q(kind=GiftCardTransactionKind.DEBIT),
                name="pricing_giftcardtransaction_one_debit_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.order_ref or '-'})"
