"""Orders in the back office: the list staff work from, the order page, and every staff action on an order.

Orders are written by the order services only. The order page is read-only; each action (ship, mark a parcel
delivered, ready for pickup, cancel, note, edit, refund, complete, and the cash actions of admin_offline.py) is
a view of its own under the order's URL, reached by POST with the CSRF token, allowed to staff holding
`orders.change_order` (and, for some, a permission of their own), and calls one
service with the staff member as the actor. A service's refusal (a `DomainError`: the order is not paid,
more units than remain, a refund above what was paid) is shown as an error message and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import DropdownFilter, RelatedDropdownFilter
from unfold.decorators import display

from comptoir.backoffice.inventory_views import admin_context
from comptoir.checkout.models import DeliveryKind
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.inventory.admin import DayRangeFilter
from comptoir.inventory.models import Allocation, Location
from comptoir.orders import services
from comptoir.orders.admin_actions import NOT_RUN, ServiceActions
from comptoir.orders.admin_page import (
    STATUS_LABELS,
    address_lines,
    delivery_kind_label,
    load_order_page,
    money_text,
)
from comptoir.orders.forms import CancelForm, EditOrderForm, NoteForm, RefundForm, ShipForm
from comptoir.orders.models import Order, Shipment
from comptoir.payments.gateways import available_methods
from comptoir.payments.instalments.queries import get_plan_view

CHANGE_ORDER = "orders.change_order"


class DeliveryKindFilter(DropdownFilter):
    title = gettext_lazy("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return DeliveryKind.choices

    def queryset(self, request, queryset):
        return queryset.filter(delivery_kind=self.value()) if self.value() else queryset


class PaymentMethodFilter(DropdownFilter):
    """The methods orders were placed with (one query), named as at checkout where the method is still offered."""

    title = gettext_lazy("payment method")
    parameter_name = "payment_method"

    def lookups(self, request, model_admin):
        used = Order.objects.exclude(payment_method="").order_by("payment_method")
        return [
            (code, _payment_method_label(code)) for code in used.values_list("payment_method", flat=True).distinct()
        ]

    def queryset(self, request, queryset):
        return queryset.filter(payment_method=self.value()) if self.value() else queryset


def order_url(order: Order | int) -> str:
    return reverse("admin:orders_order_change", args=[order if isinstance(order, int) else order.pk])


@admin.register(Order)
class OrderAdmin(ServiceActions, ModelAdmin):
    list_display = ["number", "created_at", "email", "status_label", "total_text", "channel", "delivery"]
    list_display_links = ["number"]
    list_select_related = ["channel"]
    list_filter = [
        "status",
        ("channel", RelatedDropdownFilter),
        ("created_at", DayRangeFilter),
        DeliveryKindFilter,
        PaymentMethodFilter,
    ]
    list_filter_submit = True
    list_per_page = 50
    search_fields = ["number", "email", "shipping_address__full_name", "billing_address__full_name", "lines__sku"]
    search_help_text = gettext_lazy("Order number, e-mail, name on an address or SKU")
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders are placed at checkout (or by the API), never typed in here

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # an order is kept, whatever happens to it: cancel it instead

    @display(description=gettext_lazy("Status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj: Order) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=gettext_lazy("Total"), ordering="total")
    def total_text(self, obj: Order) -> str:
        return money_text(obj.total, obj.currency)

    @display(description=gettext_lazy("Delivery"), ordering="delivery_kind")
    def delivery(self, obj: Order) -> str:
        return delivery_kind_label(obj.delivery_kind)

    # --- URLs ------------------------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        actions = [
            ("ship/", self.ship_view, "ship"),
            ("edit-lines/", self.edit_view, "edit"),
            ("cancel/", self.cancel_view, "cancel"),
            ("note/", self.note_view, "note"),
            ("refund/", self.refund_view, "refund"),
            ("ready-for-pickup/", self.ready_for_pickup_view, "ready_for_pickup"),
            ("complete/", self.complete_view, "complete"),
            ("paid-in-store/", self.paid_in_store_view, "paid_in_store"),
            ("returned-to-sender/", self.returned_to_sender_view, "returned_to_sender"),
        ]
        return [
            *[
                path(f"<int:order_id>/{route}", wrap(view), name=f"orders_order_{name}")
                for route, view, name in actions
            ],
            path(
                "<int:order_id>/shipments/<int:shipment_id>/delivered/",
                wrap(self.delivered_view),
                name="orders_order_delivered",
            ),
            path("by-number/<str:number>/", wrap(self.by_number_view), name="orders_order_by_number"),
            *super().get_urls(),
        ]

    # --- the order page ----------------------------------------------------------------------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        """The order page: read-only, with the forms and buttons of the actions its status allows."""
        if not str(object_id).isdigit():
            raise Http404
        page = load_order_page(order_id=int(object_id))
        if page is None:
            raise Http404(_("No such order."))
        if not self.has_view_or_change_permission(request, page.order):
            raise PermissionDenied
        may_act = self.has_change_permission(request, page.order)
        order = page.order
        context = admin_context(
            self,
            request,
            _("Order %(number)s") % {"number": order.number},
            page=page,
            order=order,
            original=order,
            may_act=may_act,
            allowed=page.allowed if may_act else set(),
            status_type=STATUS_LABELS.get(order.status, ""),
            delivery_label=delivery_kind_label(order.delivery_kind),
            payment_method_label=_payment_method_label(order.payment_method),
            shipping_lines=address_lines(order.shipping_address),
            billing_lines=address_lines(order.billing_address),
            pickup_point_lines=address_lines(order.pickup_point),
            note_form=NoteForm(),
            refund_form=RefundForm(currency=order.currency) if may_act and "refund" in page.allowed else None,
            refundable=money_text(page.refundable) if page.refundable is not None else "",
            plan=get_plan_view(order_ref=order.number),
            urls={name: reverse(f"admin:orders_order_{name}", args=[order.pk]) for name in _ACTION_NAMES},
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/orders/order_detail.html", context)

    def by_number_view(self, request: HttpRequest, number: str) -> HttpResponse:
        """Where other screens link an order they know by its number (payments, stock movements)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        order_id = Order.objects.filter(number=number).values_list("pk", flat=True).first()
        if order_id is None:
            raise Http404(_("No such order."))
        return HttpResponseRedirect(order_url(order_id))

    # --- helpers shared by the actions ---------------------------------------------------------------------

    def _order(self, request: HttpRequest, order_id: int) -> Order:
        if not request.user.has_perm(CHANGE_ORDER):
            raise PermissionDenied
        order = Order.objects.select_related("channel", "pickup_store").filter(pk=order_id).first()
        if order is None:
            raise Http404(_("No such order."))
        return order

    def _page_url(self, order: Order) -> str:
        return order_url(order)

    def _order_of(self, order: Order) -> Order:
        return order

    # --- ship, deliver, pickup ---------------------------------------------------------------------------

    def ship_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """Put lines (all or some units) in a parcel: `fulfil_order` takes them off the shelf."""
        order = self._order(request, order_id)
        lines = list(order.lines.all())
        form = ShipForm(
            request.POST if request.method == "POST" else None,
            lines=lines,
            locations=_allocated_locations(order),
            initial={"carrier": order.carrier, "shipments": order.shipments.count()},
        )
        if request.method == "POST" and form.is_valid():
            data, quantities = form.cleaned_data, form.quantities()
            shipment = self._run(
                request,
                lambda: services.fulfil_order(
                    order_id=order.pk,
                    quantities=quantities,
                    location_id=data["location"].pk if data["location"] else None,
                    carrier=data["carrier"],
                    tracking_number=data["tracking_number"],
                    actor_id=request.user.pk,
                    expected_shipments=data["shipments"],
                ),
            )
            if shipment is not NOT_RUN:
                units = sum(quantities.values())
                message = ngettext(
                    "Order %(number)s: %(units)d unit shipped.", "Order %(number)s: %(units)d units shipped.", units
                ) % {"number": order.number, "units": units}
                if shipment.tracking_number:
                    message += " " + _("Tracking number %(tracking)s.") % {"tracking": shipment.tracking_number}
                return self._done(request, order, message)
        return self._form_page(
            request,
            order,
            form,
            title=_("Ship order %(number)s") % {"number": order.number},
            button=_("Ship"),
            explanation=_(
                "Choose how many units of each line go in this parcel. The buyer is told it is on its way, with "
                "the tracking link when the carrier has one."
            ),
            icon="local_shipping",
        )

    def delivered_view(self, request: HttpRequest, order_id: int, shipment_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self._order(request, order_id)
        shipment = Shipment.objects.filter(pk=shipment_id, order_id=order.pk).first()
        if shipment is None:
            raise Http404(_("No such parcel on this order."))
        result = self._run(
            request, lambda: services.mark_shipment_delivered(shipment_id=shipment.pk, actor_id=request.user.pk)
        )
        if result is NOT_RUN:
            return HttpResponseRedirect(order_url(order))
        name = shipment.tracking_number or f"#{shipment.pk}"
        return self._done(
            request,
            order,
            _("Order %(number)s: parcel %(parcel)s delivered.") % {"number": order.number, "parcel": name},
        )

    def ready_for_pickup_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self._order(request, order_id)
        result = self._run(request, lambda: services.mark_ready_for_pickup(order_id=order.pk, actor_id=request.user.pk))
        if result is NOT_RUN:
            return HttpResponseRedirect(order_url(order))
        store = order.pickup_store.name if order.pickup_store else ""
        return self._done(
            request,
            order,
            _("Order %(number)s is ready for pickup at %(store)s; the buyer is told.")
            % {"number": order.number, "store": store},
        )

    def paid_in_store_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """Click & collect paid at the counter (comptoir/orders/admin_offline.py)."""
        from comptoir.orders.admin_offline import paid_in_store_view

        return paid_in_store_view(self, request, order_id)

    def returned_to_sender_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """A cash-on-delivery parcel refused or not collected (comptoir/orders/admin_offline.py)."""
        from comptoir.orders.admin_offline import returned_to_sender_view

        return returned_to_sender_view(self, request, order_id)

    # --- cancel, note, complete ----------------------------------------------------------------------------

    def cancel_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order(request, order_id)
        form = CancelForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            result = self._run(
                request, lambda: services.cancel_order(order_id=order.pk, actor_id=request.user.pk, reason=reason)
            )
            if result is not NOT_RUN:
                return self._done(request, order, _("Order %(number)s cancelled.") % {"number": order.number})
        return self._form_page(
            request,
            order,
            form,
            title=_("Cancel order %(number)s") % {"number": order.number},
            button=_("Cancel the order"),
            explanation=_(
                "Only an order nothing of which has shipped can be cancelled: its stock goes back on sale, a "
                "voucher can be used again, gift cards are credited and payments are refunded in full."
            ),
            danger=True,
        )

    def note_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order(request, order_id)
        form = NoteForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            result = self._run(
                request,
                lambda: services.add_order_note(
                    order_id=order.pk, text=data["text"], public=data["public"], actor_id=request.user.pk
                ),
            )
            if result is not NOT_RUN:
                message = (
                    _("Note added to order %(number)s and shown to the buyer.")
                    if data["public"]
                    else _("Internal note added to order %(number)s.")
                )
                return self._done(request, order, message % {"number": order.number})
        return self._form_page(
            request, order, form, title=_("Add a note to order %(number)s") % {"number": order.number}, button=_("Add")
        )

    def complete_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self._order(request, order_id)
        result = self._run(request, lambda: services.complete_order(order_id=order.pk, actor_id=request.user.pk))
        if result is NOT_RUN:
            return HttpResponseRedirect(order_url(order))
        return self._done(request, order, _("Order %(number)s completed.") % {"number": order.number})

    # --- edit ------------------------------------------------------------------------------------------------

    def edit_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """Quantities, an added variant and the shipping price, before anything ships: `edit_order`."""
        order = self._order(request, order_id)
        lines = list(order.lines.all())
        form = EditOrderForm(request.POST if request.method == "POST" else None, order=order, lines=lines)
        if request.method == "POST" and form.is_valid():
            changes = form.changes()
            if not changes:
                form.add_error(None, _("Nothing was changed."))
            else:
                edited = self._run(
                    request, lambda: services.edit_order(order_id=order.pk, actor_id=request.user.pk, **changes)
                )
                if edited is not NOT_RUN:
                    return self._done(
                        request,
                        order,
                        _("Order %(number)s edited: the total is now %(total)s.")
                        % {"number": order.number, "total": money_text(edited.total, edited.currency)},
                    )
        return self._form_page(
            request,
            order,
            form,
            title=_("Edit order %(number)s") % {"number": order.number},
            button=_("Save the changes"),
            explanation=_(
                "0 removes a line. An added variant is charged at today's price in the order's channel. On a paid "
                "order the new total cannot exceed what was paid; a lower total is refunded to the buyer."
            ),
        )

    # --- refund ------------------------------------------------------------------------------------------------

    def refund_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """An amount back to the buyer, with a credit note: `refund_order` (comptoir/orders/services/refunds.py)."""
        order = self._order(request, order_id)
        form = RefundForm(request.POST if request.method == "POST" else None, currency=order.currency)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            amount = Money(data["amount"], order.currency)
            result = self._run(request, lambda: _refund_order(order, amount, data, actor_id=request.user.pk))
            if result is not NOT_RUN:
                message = (
                    _("This refund was already made: %(amount)s on order %(number)s.")
                    if result.replayed
                    else _("%(amount)s refunded on order %(number)s.")
                )
                return self._done(
                    request, order, message % {"amount": money_text(result.amount), "number": order.number}
                )
        return self._form_page(
            request,
            order,
            form,
            title=_("Refund order %(number)s") % {"number": order.number},
            button=_("Refund"),
            explanation=_("The amount goes back to the buyer's payments, newest first, and a credit note is issued."),
            danger=True,
        )


_ACTION_NAMES = [
    "ship",
    "edit",
    "cancel",
    "note",
    "refund",
    "ready_for_pickup",
    "complete",
    "paid_in_store",
    "returned_to_sender",
]


def _refund_order(order: Order, amount: Money, data: dict[str, Any], *, actor_id: int) -> Any:
    # Imported here: refunds are written by another module of the orders domain, and this admin must load
    # (and the rest of the order page work) whatever the state of that module.
    try:
        from comptoir.orders.services.refunds import refund_order
    except ImportError as exc:
        raise DomainError(_("Refunds are not available in this version of the shop.")) from exc
    return refund_order(
        order_id=order.pk,
        amount=amount,
        include_shipping=data["include_shipping"],
        reason=data["reason"],
        actor_id=actor_id,
        key=f"admin-refund:{order.pk}:{data['key']}",
    )


def _payment_method_label(code: str) -> str:
    """The method as the buyer saw it at checkout, or its code where the method is no longer offered."""
    return next((str(method.label) for method in available_methods() if method.code == code), code)


def _allocated_locations(order: Order) -> list[Location]:
    """Where this order's units wait to ship (one query): the places a parcel can leave from."""
    held = Allocation.objects.filter(order_ref=order.ref).values("stock_level__location_id")
    return list(Location.objects.filter(pk__in=held).order_by("priority", "pk"))


# The other order screens register with this module: invoices and credit notes, returns.
from comptoir.orders import admin_invoices, admin_returns  # noqa: E402,F401
