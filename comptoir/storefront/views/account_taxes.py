"""The buyer's account, tax side: the company they buy for (name, VAT number) and their tax-exemption
certificates (upload, status, why one was rejected). Writes go through comptoir.taxes services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from comptoir.core.errors import DomainError
from comptoir.customers.forms import add_domain_error
from comptoir.storefront.views.account import _page, customer_page
from comptoir.taxes.exemption_models import CustomerTaxProfile
from comptoir.taxes.exemptions import list_certificates, max_file_bytes, submit_certificate
from comptoir.taxes.profiles import save_tax_profile


class CompanyForm(forms.Form):
    company_name = forms.CharField(label=gettext_lazy("Company name"), max_length=255, required=False)
    vat_number = forms.CharField(
        label=gettext_lazy("VAT number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("With its country prefix, e.g. FR40303265045. Offered at each checkout."),
    )


class CertificateForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Certificate number"), max_length=60)
    company_name = forms.CharField(label=gettext_lazy("Company name"), max_length=255, required=False)
    tax_id = forms.CharField(label=gettext_lazy("VAT or tax id"), max_length=40, required=False)
    regions = forms.CharField(
        label=gettext_lazy("Regions covered"),
        max_length=400,
        help_text=gettext_lazy('Countries ("FR") or states ("US-CA, US-NY"), separated by commas.'),
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty if it has no end date."),
    )
    document = forms.FileField(
        label=gettext_lazy("The certificate (PDF, PNG or JPEG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )


@customer_page
@require_http_methods(["GET", "POST"])
def tax_details(request: HttpRequest) -> HttpResponse:
    """Company details and exemption certificates. Each form posts here with its own `form` name."""
    user = request.user
    profile = CustomerTaxProfile.objects.filter(user_id=user.pk).first()
    initial = {"company_name": profile.company_name, "vat_number": profile.vat_number} if profile else {}
    which = request.POST.get("form") if request.method == "POST" else None
    company_form = CompanyForm(request.POST if which == "company" else None, initial=initial, prefix="company")
    certificate_form = CertificateForm(
        request.POST if which == "certificate" else None,
        request.FILES if which == "certificate" else None,
        prefix="certificate",
    )
    if which == "company" and company_form.is_valid():
        try:
            save_tax_profile(user_id=user.pk, **company_form.cleaned_data)
        except DomainError as error:
            add_domain_error(company_form, error)
        else:
            messages.success(request, _("Your company details are saved."))
            return HttpResponseRedirect(reverse("account:taxes"))
    if which == "certificate" and certificate_form.is_valid():
        try:
            submit_certificate(user_id=user.pk, **certificate_form.cleaned_data)
        except DomainError as error:
            add_domain_error(certificate_form, error)
        else:
            messages.success(request, _("Thank you: we review your certificate and let it apply once approved."))
            return HttpResponseRedirect(reverse("account:taxes"))
    refused = company_form.errors or certificate_form.errors
    context = {
        "company_form": company_form,
        "certificate_form": certificate_form,
        "certificates": list_certificates(user_id=user.pk),
        "max_mb": round(max_file_bytes() / (1024 * 1024), 1),
        "title": _("Company and tax exemption"),
    }
    return _page(request, "storefront/account/taxes.html", context, status=422 if refused else 200)
