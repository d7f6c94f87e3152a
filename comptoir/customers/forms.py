"""The forms a buyer fills in about their account and their orders. They check shapes only; the rules
(unique address, password strength) are the services' (comptoir.customers.services), whose errors the views
put back on the field they are about."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from comptoir.core.errors import DomainError


def _email_field(*, autocomplete: str = "email") -> forms.EmailField:
    return forms.EmailField(
        label=_("Email address"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": autocomplete, "inputmode": "email", "spellcheck": "false"}),
    )


def _name_field(label, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": autocomplete})
    )


class SignUpForm(forms.Form):
    email = _email_field()
    first_name = _name_field(_("First name"), "given-name")
    last_name = _name_field(_("Last name"), "family-name")
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )


class SignInForm(forms.Form):
    email = _email_field(autocomplete="username")
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.Form):
    first_name = _name_field(_("First name"), "given-name")
    last_name = _name_field(_("Last name"), "family-name")
    email = _email_field()


class FindOrderForm(forms.Form):
    number = forms.CharField(
        label=_("Order number"),
        max_length=20,
        help_text=_("As shown in your order confirmation, e.g. 10042."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = _email_field()


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal on the field it names (`data["field"]`, or each of `errors`), else on the form."""
    if exc.errors:
        for error in exc.errors:
            form.add_error(error.get("field") if error.get("field") in form.fields else None, error["message"])
        return
    field = exc.data.get("field")
    form.add_error(field if field in form.fields else None, str(exc.detail))
