"""Forms of the back office's stock screens: adjusting one variant at one location, receiving a delivery,
sending a transfer, importing counts and shipment confirmations.

Forms check what a merchant can get wrong (an unknown SKU, the same place twice, a negative number);
the inventory services check the rest (promised units, free units) and their errors are shown on the
form by the views.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminFileFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from comptoir.catalog.models import Variant
from comptoir.inventory.models import Location, LocationKind, MovementReason, OversellMode
from comptoir.inventory.queries import LOW_STOCK_THRESHOLD

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_LINES = 2000


def _integer(label, *, min_value: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=min_value, widget=UnfoldAdminIntegerFieldWidget, **kwargs)


def _text(label, *, max_length: int, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=UnfoldAdminTextInputWidget, **kwargs
    )


def _reference() -> forms.CharField:
    return _text(_("Reference"), max_length=64, help_text=_("Delivery note, purchase order or any reference."))


def _note() -> forms.CharField:
    return _text(_("Note"), max_length=255)


# --- one variant at one location ----------------------------------------------------------------------


class ReceiveForm(forms.Form):
    """Goods received: on hand goes up."""

    quantity = _integer(_("Units received"), min_value=1)
    reference = _reference()
    note = _note()


class CountForm(forms.Form):
    """A stock count: on hand becomes what was counted."""

    counted = _integer(_("Units counted on the shelf"), min_value=0)
    note = _note()


class WriteOffForm(forms.Form):
    """Units taken out of on hand: damaged, lost, or another correction."""

    REASONS = {
        "damaged": (MovementReason.WRITE_OFF, "damaged"),
        "lost": (MovementReason.WRITE_OFF, "lost"),
        "adjustment": (MovementReason.ADJUSTMENT, ""),
    }

    quantity = _integer(_("Units to remove"), min_value=1)
    reason = forms.ChoiceField(
        label=_("Why"),
        choices=[("damaged", _("Damaged")), ("lost", _("Lost or stolen")), ("adjustment", _("Other adjustment"))],
        widget=UnfoldAdminSelectWidget,
    )
    note = _note()

    def movement(self) -> tuple[str, str]:
        """The ledger reason and note: damaged and lost are both write-offs, told apart in the note."""
        reason, label = self.REASONS[self.cleaned_data["reason"]]
        note = self.cleaned_data.get("note", "")
        return reason, ": ".join(part for part in (label, note) if part)


class BackorderForm(forms.Form):
    """How many units may be sold beyond what is on hand here."""

    limit = _integer(
        _("Backorder allowance"),
        min_value=0,
        help_text=_("Units that may be sold here beyond what is on hand; 0 switches backorders off."),
    )


class PolicyForm(forms.Form):
    """How the variant sells once sold out everywhere, and when it counts as low."""

    oversell = forms.ChoiceField(label=_("When sold out"), choices=OversellMode.choices, widget=UnfoldAdminSelectWidget)
    expected_on = forms.DateField(
        label=_("Expected on"),
        required=False,
        widget=UnfoldAdminSingleDateWidget,
        help_text=_("Shown to buyers for backorders and pre-orders."),
    )
    low_stock_threshold = _integer(
        _("Low-stock threshold"),
        min_value=0,
        initial=LOW_STOCK_THRESHOLD,
        help_text=_("At or below this many free units the variant is low on stock."),
    )


ADJUST_FORMS: dict[str, type[forms.Form]] = {
    "receive": ReceiveForm,
    "count": CountForm,
    "write_off": WriteOffForm,
    "backorder": BackorderForm,
    "policy": PolicyForm,
}


# --- lines of SKUs and quantities ---------------------------------------------------------------------

_SEPARATOR = re.compile(r"[\t,;]")


@dataclass(frozen=True, slots=True)
class ParsedLine:
    number: int
    code: str
    quantity: int


def parse_lines(text: str) -> tuple[list[ParsedLine], list[str]]:
    """Lines of `SKU quantity` (or `barcode quantity`): tab, comma, semicolon or space between the two.

    A line with a code alone counts 1, so a scanner can add a unit per scan; a quantity of 0 is skipped,
    so a sheet of every SKU can be filled in partly. Returns the lines and the problems, by line number.
    """
    parsed, problems = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if _SEPARATOR.search(line):
            parts = [part.strip() for part in _SEPARATOR.split(line)]
            while len(parts) > 1 and not parts[-1]:  # a trailing separator, as spreadsheets write
                parts.pop()
        else:
            parts = line.rsplit(None, 1)
            if len(parts) == 2 and not re.fullmatch(r"-?\d+", parts[1]):
                parts = [line]  # a code with spaces in it, and no quantity
        if len(parts) > 2:
            problems.append(_("Line %(line)d: write a SKU and a quantity, nothing else.") % {"line": number})
            continue
        code, quantity = parts[0], parts[1] if len(parts) == 2 else "1"
        if not re.fullmatch(r"\d+", quantity):
            problems.append(
                _("Line %(line)d: %(quantity)r is not a whole number of units.")
                % {"line": number, "quantity": quantity}
            )
            continue
        if int(quantity):
            parsed.append(ParsedLine(number, code, int(quantity)))
    return parsed, problems


class SkuLinesField(forms.CharField):
    widget = UnfoldAdminTextareaWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Lines"))
        kwargs.setdefault(
            "help_text",
            _(
                "One line per product: SKU (or barcode) then quantity, e.g. “TSHIRT-M 12”. Paste two "
                "columns from a spreadsheet or scan items one by one (a line without a quantity counts 1; "
                "the same SKU on several lines adds up; 0 is skipped)."
            ),
        )
        super().__init__(**kwargs)


class LinesFormMixin:
    """Turns the `lines` field into variant id -> units, refusing unknown codes line by line (one query)."""

    def clean_lines(self) -> dict[int, int]:
        lines, problems = parse_lines(self.cleaned_data.get("lines", ""))
        if len(lines) > MAX_LINES:
            raise forms.ValidationError(_("At most %(max)d lines at once.") % {"max": MAX_LINES})
        codes = sorted({line.code for line in lines})
        variants = list(Variant.objects.filter(Q(sku__in=codes) | Q(gtin__in=codes)).values_list("pk", "sku", "gtin"))
        by_code = {gtin: (pk, sku) for pk, sku, gtin in variants if gtin}
        by_code.update({sku: (pk, sku) for pk, sku, _gtin in variants})  # a SKU wins over a barcode
        quantities: dict[int, int] = {}
        self.skus: dict[int, str] = {}
        for line in lines:
            if line.code not in by_code:
                problems.append(
                    _("Line %(line)d: no product has the SKU or barcode %(code)r.")
                    % {
                        "line": line.number,
                        "code": line.code,
                    }
                )
                continue
            variant_id, sku = by_code[line.code]
            quantities[variant_id] = quantities.get(variant_id, 0) + line.quantity
            self.skus[variant_id] = sku
        if problems:
            raise forms.ValidationError(problems)
        if not quantities:
            raise forms.ValidationError(_("Write at least one SKU with a quantity above zero."))
        return quantities


def location_field(label, *, queryset=None, **kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=queryset if queryset is not None else Location.objects.filter(is_active=True).order_by("priority"),
        widget=UnfoldAdminSelectWidget,
        **kwargs,
    )


class ReceiptForm(LinesFormMixin, forms.Form):
    """A delivery of several SKUs at one location."""

    location = location_field(_("Received at"))
    reference = _reference()
    note = _note()
    lines = SkuLinesField()


class TransferForm(LinesFormMixin, forms.Form):
    """Goods sent from one location to another."""

    origin = location_field(_("From"))
    destination = location_field(_("To"))
    reference = _reference()
    note = _note()
    lines = SkuLinesField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("origin") and cleaned.get("origin") == cleaned.get("destination"):
            self.add_error("destination", _("A transfer goes to another location."))
        return cleaned


# --- files ----------------------------------------------------------------------------------------------


class UploadField(forms.FileField):
    widget = UnfoldAdminFileFieldWidget

    def __init__(self, *, extensions: tuple[str, ...], **kwargs: Any) -> None:
        self.extensions = extensions
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB: split it into several imports."))
        if not upload.name.lower().endswith(self.extensions):
            raise forms.ValidationError(
                _("Upload a %(formats)s file.")
                % {"formats": " / ".join(e.lstrip(".").upper() for e in self.extensions)}
            )
        return upload


class StockCountImportForm(forms.Form):
    file = UploadField(
        label=_("Stock-count file"),
        extensions=(".csv", ".xlsx"),
        help_text=_("A .csv or .xlsx file with the columns sku, location and counted."),
    )


class ShipmentConfirmationsForm(forms.Form):
    location = location_field(
        _("Partner"),
        queryset=Location.objects.filter(kind__in=[LocationKind.THIRD_PARTY, LocationKind.SUPPLIER]).order_by("name"),
        help_text=_("The 3PL or supplier whose file this is."),
    )
    file = UploadField(
        label=_("Confirmation file"),
        extensions=(".csv",),
        help_text=_("CSV with the columns order_ref, tracking_number, carrier and optionally tracking_url."),
    )


# --- choosers of the stock pages (GET forms, choices from locations already read) -------------------------


def _location_choices(locations: list[Location]) -> list[tuple[str, str]]:
    return [
        (str(place.pk), place.name if place.is_active else f"{place.name} ({_('inactive')})") for place in locations
    ]


class LocationSwitchForm(forms.Form):
    location = forms.ChoiceField(label=_("Location"), widget=UnfoldAdminSelectWidget)

    def __init__(self, *args: Any, locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = _location_choices(locations)


class LowStockFilterForm(forms.Form):
    view = forms.ChoiceField(
        label=_("Show"),
        choices=[("locations", _("Each location")), ("variants", _("Each variant, all locations together"))],
        widget=UnfoldAdminSelectWidget,
    )
    location = forms.ChoiceField(label=_("Location"), required=False, widget=UnfoldAdminSelectWidget)

    def __init__(self, *args: Any, locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", _("All locations")), *_location_choices(locations)]
