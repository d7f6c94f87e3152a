"""Stock on the product page of the back office: a "Stock" tab listing each variant at each location, and
buttons to the product's stock history and to receive goods for it.

The tab is an unfold dataset whose contents we render ourselves (unfold's own datasets list one model's
rows; this one groups stock rows under their variant and also shows variants never stocked). It is read
in two queries whatever the number of variants and locations (`inventory_reports.product_stock`).
"""

from __future__ import annotations

from django.contrib.admin import ModelAdmin as DjangoModelAdmin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from unfold.datasets import BaseDataset
from unfold.decorators import action

from comptoir.backoffice.inventory_reports import product_stock
from comptoir.backoffice.inventory_views import (
    CHANGE_STOCK,
    VIEW_HISTORY,
    StockPermissions,
    adjust_url,
    history_url,
    may_see_stock,
)
from comptoir.inventory.models import StockLevel


def _pk(object_id: str) -> int:
    if not str(object_id).isdigit():
        raise Http404
    return int(object_id)


class ProductStockDataset(BaseDataset):
    """The "Stock" tab: per variant, its selling policy and its on hand, allocated, reserved, available and
    backorder allowance at each location, with links to adjust and to the history."""

    model = StockLevel
    model_admin = DjangoModelAdmin
    title = _("Stock")
    tab = True

    @property
    def contents(self) -> str:
        raw = str((self.extra_context or {}).get("object") or "")
        variants = product_stock(product_id=int(raw)) if raw.isdigit() else []
        user = self.request.user
        may_adjust, may_see_history = user.has_perm(CHANGE_STOCK), user.has_perm(VIEW_HISTORY)
        rows = [
            {
                "variant": variant,
                "adjust_url": adjust_url(variant_id=variant.variant_id) if may_adjust else None,
                "levels": [
                    {
                        "level": level,
                        "adjust_url": adjust_url(variant_id=variant.variant_id, location_id=level.location_id)
                        if may_adjust
                        else None,
                        "history_url": history_url(level=level.level_id) if may_see_history else None,
                    }
                    for level in variant.levels
                ],
            }
            for variant in variants
        ]
        context = {
            "dataset": self,
            "rows": rows,
            "receive_url": f"{reverse('admin:inventory_stocklevel_receive_goods')}?{urlencode({'product': raw})}"
            if may_adjust
            else None,
            "history_url": history_url(product=raw) if may_see_history else None,
        }
        return render_to_string("backoffice/inventory/product_stock.html", context, request=self.request)


class ProductStockMixin(StockPermissions):
    """What the stock screens add to the product admin: the Stock tab and two buttons on a product's page."""

    actions_detail = ["product_stock_history", "product_receive_goods"]

    def get_changeform_datasets(self, request: HttpRequest) -> list[type[BaseDataset]]:
        datasets = list(super().get_changeform_datasets(request))
        match = request.resolver_match
        # An unsaved product has no stock yet: the tab is for existing products only.
        if match is not None and match.kwargs.get("object_id") and may_see_stock(request.user):
            datasets.append(ProductStockDataset)
        return datasets

    @action(description=_("Stock history"), url_path="stock-history", icon="history", permissions=["view_history"])
    def product_stock_history(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return HttpResponseRedirect(history_url(product=_pk(object_id)))

    @action(description=_("Receive goods"), url_path="receive-goods", icon="inventory", permissions=["change_stock"])
    def product_receive_goods(self, request: HttpRequest, object_id: str) -> HttpResponse:
        query = urlencode({"product": _pk(object_id)})
        return HttpResponseRedirect(f"{reverse('admin:inventory_stocklevel_receive_goods')}?{query}")
