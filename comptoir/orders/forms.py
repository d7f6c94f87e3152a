"""Staff forms of the order pages in the back office: ship, cancel, note, edit, refund, and the return steps.

Forms check what a staff member can get wrong on the page (a negative number, an unknown SKU, nothing
chosen); the order services check the rest (the order's status, what remains to ship, what was paid) and
their refusals are shown by the admin views as error messages. No form saves anything itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from comptoir.catalog.models import Variant
from comptoir.core.money import minor_unit_exponent
from comptoir.inventory.models import Location
from comptoir.orders.models import Order, OrderLine, ReturnLine

MAX_NOTE = 5000
MAX_REASON = 500


def _quantity(
    label: str, *, initial: int, max_value: int | None = None, help_text: str = "", required: bool = True
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=max_value,
        initial=initial,
        help_text=help_text,
        widget=UnfoldAdminIntegerFieldWidget,
    )


def _text(label, *, max_length: int, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=UnfoldAdminTextInputWidget, **kwargs
    )


def _line_label(line: OrderLine) -> str:
    return f"{line.sku} · {line.label}" if line.sku else line.label


class LineQuantitiesMixin:
    """One whole-number field per order line, named `line_<id>`: the form's `line_fields` lists them in order."""

    line_prefix = "line_"

    def line_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(self.line_prefix)]  # type: ignore[index]

    def line_quantities(self) -> dict[int, int]:
        """Order line id -> the number typed, for every line field (left empty: 0)."""
        data = self.cleaned_data  # type: ignore[attr-defined]
        return {
            int(name.removeprefix(self.line_prefix)): data.get(name) or 0
            for name in self.fields  # type: ignore[attr-defined]
            if name.startswith(self.line_prefix)
        }


# --- ship ------------------------------------------------------------------------------------------------


class ShipForm(LineQuantitiesMixin, forms.Form):
    """Lines and units to put in one parcel, where it leaves from, and how it travels."""

    location = forms.ModelChoiceField(
        label=_("Ships from"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("Wherever the units are allocated"),
        widget=UnfoldAdminSelectWidget,
        help_text=_("Only the units allocated to this order at that location can leave from there."),
    )
    carrier = _text(_("Carrier"), max_length=100)
    tracking_number = _text(_("Tracking number"), max_length=100)
    # How many parcels the order had when the form was shown: a second submit (double click, two tabs)
    # is refused instead of shipping the remaining units twice.
    shipments = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, lines: Sequence[OrderLine], locations: Sequence[Location], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.order_fields = dict(self.fields)
        self.fields = {}
        for line in lines:
            remaining = line.quantity - line.quantity_fulfilled
            if remaining > 0:
                self.fields[f"{self.line_prefix}{line.pk}"] = _quantity(
                    _line_label(line),
                    initial=remaining,
                    max_value=remaining,
                    required=False,
                    help_text=_("%(remaining)d of %(ordered)d left to ship")
                    % {"remaining": remaining, "ordered": line.quantity},
                )
        self.fields.update(self.order_fields)
        self.fields["location"].queryset = Location.objects.filter(pk__in=[location.pk for location in locations])
        # The choices come from the page's own list rather than a second query per render.
        self.fields["location"].choices = [("", self.fields["location"].empty_label)] + [
            (location.pk, location.name) for location in locations
        ]
        if len(locations) == 1:  # the usual case: the parcel leaves from where everything waits
            self.fields["location"].initial = locations[0].pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not any(self.line_quantities().values()):
            raise forms.ValidationError(_("Choose at least one unit to ship."))
        return cleaned

    def quantities(self) -> dict[int, int]:
        return {pk: q for pk, q in self.line_quantities().items() if q}


# --- cancel, note, complete ------------------------------------------------------------------------------


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Shown to the buyer on the order's page and in the cancellation e-mail."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, cancel this order"),
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Its stock goes back on sale and what was paid is refunded in full. This cannot be undone."),
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=MAX_NOTE, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))
    public = forms.BooleanField(
        label=_("Show it to the buyer"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Off: only staff see it."),
    )


# --- edit ------------------------------------------------------------------------------------------------


class EditOrderForm(LineQuantitiesMixin, forms.Form):
    """New quantities (0 removes a line), one variant to add by SKU, and the shipping price."""

    add_sku = _text(_("Add a variant (SKU)"), max_length=64)
    add_quantity = forms.IntegerField(
        label=_("Units of it"), min_value=1, required=False, widget=UnfoldAdminIntegerFieldWidget
    )
    shipping_price = forms.DecimalField(
        label=_("Shipping price"), min_value=Decimal(0), max_digits=14, widget=UnfoldAdminDecimalFieldWidget
    )

    def __init__(self, *args: Any, order: Order, lines: Sequence[OrderLine], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.order, self.lines = order, list(lines)
        self.variant: Variant | None = None
        own = dict(self.fields)
        self.fields = {
            f"{self.line_prefix}{line.pk}": _quantity(_line_label(line), initial=line.quantity) for line in lines
        }
        self.fields.update(own)
        places = -minor_unit_exponent(order.currency).as_tuple().exponent
        self.fields["shipping_price"].decimal_places = places
        self.fields["shipping_price"].initial = order.shipping_price.quantize(minor_unit_exponent(order.currency))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        sku = (cleaned.get("add_sku") or "").strip()
        quantity = cleaned.get("add_quantity")
        if sku and not quantity:
            self.add_error("add_quantity", _("How many units of %(sku)s?") % {"sku": sku})
        elif quantity and not sku:
            self.add_error("add_sku", _("Which SKU?"))
        elif sku:
            self.variant = Variant.objects.filter(sku=sku).only("pk", "sku").first()
            if self.variant is None:
                self.add_error("add_sku", _("No variant has the SKU %(sku)s.") % {"sku": sku})
        return cleaned

    def changes(self) -> dict[str, Any]:
        """The keyword arguments for `edit_order`: only what differs from the order as it is."""
        current = {line.pk: line.quantity for line in self.lines}
        quantities = {pk: q for pk, q in self.line_quantities().items() if q != current.get(pk)}
        changes: dict[str, Any] = {}
        if quantities:
            changes["quantities"] = quantities
        if self.variant is not None:
            changes["add"] = {self.variant.pk: self.cleaned_data["add_quantity"]}
        price = self.cleaned_data.get("shipping_price")
        if price is not None and price != self.order.shipping_price:
            changes["shipping_price"] = price
        return changes


# --- refund ----------------------------------------------------------------------------------------------


def _key() -> str:
    return uuid.uuid4().hex


class RefundForm(forms.Form):
    """An amount given back to the buyer. The hidden key makes a double-submitted form refund once."""

    amount = forms.DecimalField(
        label=_("Amount to refund"), min_value=Decimal("0.01"), max_digits=14, widget=UnfoldAdminDecimalFieldWidget
    )
    include_shipping = forms.BooleanField(
        label=_("Refund the shipping too"), required=False, widget=UnfoldBooleanSwitchWidget
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
        help_text=_("Printed on the credit note and shown to the buyer."),
    )
    # 32 characters; at most 40 so that the service's key ("admin-refund:<order id>:<key>") stays within 64.
    key = forms.CharField(widget=forms.HiddenInput, max_length=40, initial=_key)

    def __init__(self, *args: Any, currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.currency = currency
        places = -minor_unit_exponent(currency).as_tuple().exponent
        self.fields["amount"].decimal_places = places
        self.fields["amount"].min_value = minor_unit_exponent(currency)
        self.fields["amount"].label = _("Amount to refund (%(currency)s)") % {"currency": currency}


# --- returns ---------------------------------------------------------------------------------------------


class RejectReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the return is refused"),
        max_length=MAX_REASON,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Shown to the buyer."),
    )


class ReceiveReturnForm(forms.Form):
    """What came back, per returned line: units put back on sale and units written off."""

    location = forms.ModelChoiceField(
        label=_("Received at"),
        queryset=Location.objects.filter(is_active=True).order_by("priority", "pk"),
        widget=UnfoldAdminSelectWidget,
        help_text=_("Units put back on sale are added to this location's stock."),
    )

    def __init__(self, *args: Any, lines: Sequence[ReturnLine], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.return_lines = list(lines)
        for line in self.return_lines:
            label = _line_label(line.order_line)
            self.fields[f"restock_{line.pk}"] = _quantity(
                _("%(line)s: back on sale") % {"line": label},
                initial=line.quantity,
                max_value=line.quantity,
                required=False,
            )
            self.fields[f"write_off_{line.pk}"] = _quantity(
                _("%(line)s: written off") % {"line": label}, initial=0, max_value=line.quantity, required=False
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for line in self.return_lines:
            for name in (f"restock_{line.pk}", f"write_off_{line.pk}"):
                cleaned[name] = cleaned.get(name) or 0  # left empty: none
            if cleaned[f"restock_{line.pk}"] + cleaned[f"write_off_{line.pk}"] > line.quantity:
                self.add_error(
                    f"write_off_{line.pk}",
                    _("At most %(count)d units came back on this line.") % {"count": line.quantity},
                )
        return cleaned

    def decisions(self) -> dict[int, tuple[int, int]]:
        """Return line id -> (units back on sale, units written off), as `receive_return` takes them."""
        data = self.cleaned_data
        return {line.pk: (data[f"restock_{line.pk}"], data[f"write_off_{line.pk}"]) for line in self.return_lines}


class RefundReturnForm(forms.Form):
    """By default the units that came back, at what the buyer paid for them; or another amount (a fee kept)."""

    amount = forms.DecimalField(
        label=_("Another amount"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        widget=UnfoldAdminDecimalFieldWidget,
        help_text=_("Leave empty to refund what the buyer paid for the units received."),
    )
    include_shipping = forms.BooleanField(
        label=_("Refund the shipping too"), required=False, widget=UnfoldBooleanSwitchWidget
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].decimal_places = -minor_unit_exponent(currency).as_tuple().exponent
        self.fields["amount"].label = _("Another amount (%(currency)s)") % {"currency": currency}


__all__ = [
    "CancelForm",
    "EditOrderForm",
    "NoteForm",
    "ReceiveReturnForm",
    "RefundForm",
    "RefundReturnForm",
    "RejectReturnForm",
    "ShipForm",
]
