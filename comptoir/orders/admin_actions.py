"""What every back-office action on an order or a return does around its service call: a refusal becomes an
error message (the service wrote nothing), a success a message and a redirect to the page, and a form is shown
on the shared action page with the order's total beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse

from comptoir.backoffice.inventory_views import admin_context
from comptoir.core.errors import DomainError
from comptoir.orders.admin_page import money_text
from comptoir.orders.models import Order

NOT_RUN = object()
"""What `_run` returns when the service refused."""


class ServiceActions:
    """Mixed into a ModelAdmin whose pages act on an order (the order itself, or one of its returns)."""

    def _page_url(self, obj: Any) -> str:
        raise NotImplementedError

    def _order_of(self, obj: Any) -> Order:
        raise NotImplementedError

    def _run(self, request: HttpRequest, call: Callable[[], Any]) -> Any:
        """Call a service; its refusal becomes an error message (nothing was written) and NOT_RUN is returned."""
        try:
            return call()
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return NOT_RUN

    def _done(self, request: HttpRequest, obj: Any, message: str) -> HttpResponseRedirect:
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self._page_url(obj))

    def _form_page(
        self, request: HttpRequest, obj: Any, form, *, title: str, button: str, explanation: str = "", **extra: Any
    ) -> TemplateResponse:
        order = self._order_of(obj)
        context = admin_context(
            self,
            request,
            title,
            order=order,
            original=obj,
            form=form,
            button=button,
            explanation=explanation,
            back_url=self._page_url(obj),
            total=money_text(order.total, order.currency),
            **extra,
        )
        return TemplateResponse(request, "admin/orders/action_form.html", context)
