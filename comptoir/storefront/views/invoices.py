"""Invoice and credit note downloads: the signed-in buyer's own, or a guest's through the order's tracking
link. Someone else's document is "not found" (404), never "forbidden", so its existence is not revealed."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from comptoir.orders.invoices import InvoiceNotFoundError, get_invoice_by_token, get_invoice_for_customer
from comptoir.orders.models import Invoice
from comptoir.orders.pdf import pdf_filename, render_invoice_pdf


@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponse:
    user_id = request.user.pk if request.user.is_authenticated else None
    try:
        invoice = get_invoice_for_customer(user_id=user_id, invoice_id=pk)
    except InvoiceNotFoundError as exc:
        raise Http404(exc.detail) from exc
    return _pdf_response(invoice)


@require_safe
def guest_download(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    try:
        invoice = get_invoice_by_token(token=token, invoice_id=pk)
    except InvoiceNotFoundError as exc:
        raise Http404(exc.detail) from exc
    return _pdf_response(invoice)


def _pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=pdf_filename(invoice))
    # Personal data: never kept by a shared cache or the browser's disk cache.
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response
