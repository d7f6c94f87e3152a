"""The cash actions of the order page.

- "Paid in store": store staff record what the buyer paid at pickup, in cash or by card on the store's
  terminal. Needs the order change permission and `payments.record_in_store_payment`.
- "Returned to sender": the carrier brought a cash-on-delivery parcel back (refused, or nobody home). The order
  is cancelled and its parcel awaited as a return, to book back on sale or write off when it arrives. Needs
  the order change permission, as cancelling an order and marking a parcel delivered (which collects the
  cash) do: it moves no money, and booking the parcel back needs the returns' own permission.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldBooleanSwitchWidget,
)

from comptoir.core.money import Money, minor_unit_exponent
from comptoir.orders.admin_actions import NOT_RUN
from comptoir.orders.models import Order
from comptoir.orders.services.offline import MAX_NOTE, ParcelReturned
from comptoir.payments import queries as payment_queries

RECORD_IN_STORE = "payments.record_in_store_payment"


class PaidInStoreForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount received"),
        min_value=Decimal("0.01"),
        max_digits=14,
        widget=UnfoldAdminDecimalFieldWidget,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Paid by"),
        choices=[("cash", gettext_lazy("Cash")), ("card", gettext_lazy("Card (store terminal)"))],
        widget=UnfoldAdminSelectWidget,
    )

    # Makes a double-submitted form record the money once (record_in_store_payment's `key`).
    key = forms.CharField(widget=forms.HiddenInput, max_length=40, initial=lambda: uuid.uuid4().hex)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].decimal_places = -minor_unit_exponent(currency).as_tuple().exponent
        self.fields["amount"].label = _("Amount received (%(currency)s)") % {"currency": currency}


def left_to_pay(order: Order) -> Money:
    return order.amount_due - payment_queries.captured_total(order_ref=order.ref, currency=order.currency)


def paid_in_store_view(model_admin, request: HttpRequest, order_id: int) -> HttpResponse:
    from comptoir.orders.services.offline import record_in_store_payment

    order = model_admin._order(request, order_id)
    if not request.user.has_perm(RECORD_IN_STORE):
        raise PermissionDenied
    left = left_to_pay(order)
    form = PaidInStoreForm(
        request.POST if request.method == "POST" else None,
        currency=order.currency,
        initial={"amount": left.amount, "kind": "cash"},
    )
    if request.method == "POST" and form.is_valid():
        amount = Money(form.cleaned_data["amount"], order.currency)
        result = model_admin._run(
            request,
            lambda: record_in_store_payment(
                order_id=order.pk,
                amount=amount,
                kind=form.cleaned_data["kind"],
                key=form.cleaned_data["key"],
                actor_id=request.user.pk,
            ),
        )
        if result is not NOT_RUN:
            return model_admin._done(
                request,
                order,
                _("Order %(number)s: %(amount)s received in store.") % {"number": order.number, "amount": amount},
            )
    return model_admin._form_page(
        request,
        order,
        form,
        title=_("Paid in store: order %(number)s") % {"number": order.number},
        button=_("Record the payment"),
        explanation=_(
            "%(left)s is left to pay. Record what the buyer paid at the counter; less leaves the rest to pay."
        )
        % {"left": left},
        icon="point_of_sale",
    )


class ReturnedToSenderForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("What happened"),
        choices=ParcelReturned.choices,
        initial=ParcelReturned.REFUSED,
        widget=UnfoldAdminSelectWidget,
        help_text=gettext_lazy("The buyer reads it on their order's page and in the cancellation e-mail."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=MAX_NOTE,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=gettext_lazy("For staff only: the carrier's words, a tracking event, a phone call."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, the parcel is coming back: cancel this order"),
        widget=UnfoldBooleanSwitchWidget,
        help_text=gettext_lazy("The cash is no longer awaited and the buyer is told. This cannot be undone."),
    )


def returned_to_sender_view(model_admin, request: HttpRequest, order_id: int) -> HttpResponse:
    from comptoir.orders.services.offline import mark_cash_on_delivery_returned

    order = model_admin._order(request, order_id)
    form = ReturnedToSenderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ret = model_admin._run(
            request,
            lambda: mark_cash_on_delivery_returned(
                order_id=order.pk, outcome=data["outcome"], note=data["note"], actor_id=request.user.pk
            ),
        )
        if ret is not NOT_RUN:
            return model_admin._done(
                request,
                order,
                _(
                    "Order %(number)s cancelled: its parcel is returned to sender. When it arrives, receive return "
                    "%(return)s to put the units back on sale or write them off."
                )
                % {"number": order.number, "return": ret.number},
            )
    return model_admin._form_page(
        request,
        order,
        form,
        title=_("Parcel returned to sender: order %(number)s") % {"number": order.number},
        button=_("Cancel the order"),
        explanation=_(
            "The buyer refused the cash-on-delivery parcel, or was never there to pay, and the carrier is bringing "
            "it back. The order is cancelled and the cash no longer awaited. The shipped units are not back on sale "
            "yet: they wait as a return, which you receive when the parcel arrives (back on sale, or written off "
            "if damaged). Units not shipped go back on sale now."
        ),
        danger=True,
        icon="assignment_return",
    )
