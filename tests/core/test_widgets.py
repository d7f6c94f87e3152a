"""ListSelect and ListTextInput write exactly what Django's select and input templates write, faster."""

import pytest
from django import forms
from django.utils.safestring import mark_safe

from comptoir.core.addresses import AddressForm
from comptoir.core.widgets import ListSelect, ListTextInput

CHOICES = [
    ("", "—"),
    ("FR", "France"),
    ("CI", "Côte d'Ivoire"),
    ("XX", 'A "quoted" <b>name</b> & more'),
    (3, 3),
]
GROUPED = [("Europe", [("FR", "France"), ("DE", "Germany")]), ("Africa", [("SN", "Sénégal")]), ("ZZ", "Elsewhere")]


def both(choices, name, value, attrs=None, **widget_attrs):
    fast = ListSelect(attrs=widget_attrs, choices=choices).render(name, value, attrs)
    django = forms.Select(attrs=widget_attrs, choices=choices).render(name, value, attrs)
    return fast, django


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, "FR", {"id": "id_country", "required": True}),
        (CHOICES, None, {"id": "id_country", "aria-invalid": "true", "aria-describedby": "id_country_error"}),
        (CHOICES, "XX", {"disabled": False, "data-x": 'a"b'}),
        (CHOICES, 3, None),
        (GROUPED, "SN", {"id": "id_region"}),
        (GROUPED, "ZZ", None),
        ([("", [("a", "A")]), (None, "None"), ("FR", "France"), ("FR", "France again")], "FR", None),
        (
            [(mark_safe("<b>S</b>"), mark_safe("<i>safe</i>")), ("x", None)],
            "<b>S</b>",
            {"data-safe": mark_safe("&amp;")},
        ),
        ([], "", {"id": "id_empty"}),
    ],
)
def test_the_html_is_django_s_byte_for_byte(choices, value, attrs):
    fast, django = both(choices, 'country"code', value, attrs, autocomplete="country")
    assert fast == django


def test_labels_already_safe_are_not_escaped_twice():
    fast, django = both([("a", mark_safe("<i>A</i>"))], "x", "a")
    assert fast == django
    assert "<i>A</i>" in fast


def test_an_address_form_renders_as_with_django_templates():
    form = AddressForm(prefix="billing", data={"billing-country_code": "ZZ"})
    form.is_valid()
    fast = str(form["country_code"])
    form.fields["country_code"].widget = forms.Select(
        attrs=form.fields["country_code"].widget.attrs, choices=form.fields["country_code"].choices
    )
    assert fast == str(form["country_code"])
    assert 'aria-invalid="true"' in fast
    assert '<option value="FR">France</option>' in fast


def test_a_subclass_with_its_own_template_is_rendered_by_its_template():
    class Custom(ListSelect):
        template_name = "django/forms/widgets/radio.html"
        option_template_name = "django/forms/widgets/radio_option.html"

    html = Custom(choices=[("a", "A")]).render("x", "a")
    assert "<select" not in html
    assert "<label><input" in html  # the radio templates' markup


def test_options_made_by_a_subclass_are_rendered_as_django_renders_them():
    def numbered(self, *args, **kwargs):
        option = forms.Select.create_option(self, *args, **kwargs)
        option["attrs"]["data-index"] = option["index"]
        return option

    fast = type("Numbered", (ListSelect,), {"create_option": numbered})(choices=GROUPED)
    django = type("Numbered", (forms.Select,), {"create_option": numbered})(choices=GROUPED)

    html = fast.render("region", "DE", {"id": "id_region"})

    assert html == django.render("region", "DE", {"id": "id_region"})
    assert 'value="DE" selected data-index="0_1"' in html


@pytest.mark.parametrize(
    ("value", "attrs", "input_type"),
    [
        ("Jeanne", {"id": "id_name", "maxlength": 255, "required": True, "autocomplete": "name"}, None),
        ("", {"id": "id_name", "aria-invalid": "true", "aria-describedby": "id_name_error"}, None),
        (None, {"disabled": False, "data-x": 'a"b', "data-none": None}, None),
        ('O\'Brien & "Sons" <b>', {"placeholder": mark_safe("&amp;")}, None),
        (mark_safe("<i>already safe</i>"), None, None),
        (42, {"inputmode": "tel"}, "tel"),
        (("a", 1), None, "email"),
    ],
)
def test_an_input_is_django_s_byte_for_byte(value, attrs, input_type):
    fast = ListTextInput(attrs={"class": "wide", **({"type": input_type} if input_type else {})})
    django = forms.TextInput(attrs={"class": "wide", **({"type": input_type} if input_type else {})})

    assert fast.render('full"name', value, attrs) == django.render('full"name', value, attrs)


def test_an_address_form_s_inputs_render_as_with_django_templates():
    form = AddressForm(prefix="shipping", data={"shipping-full_name": "A <b>", "shipping-phone": "+33 6"})
    form.is_valid()
    fast = [str(form[name]) for name in form.fields if name != "country_code"]

    for name in form.fields:
        if name != "country_code":
            widget = form.fields[name].widget
            form.fields[name].widget = forms.TextInput(attrs={**widget.attrs, "type": widget.input_type})
    assert fast == [str(form[name]) for name in form.fields if name != "country_code"]
    assert 'type="tel"' in fast[-1]
    assert 'value="A &lt;b&gt;"' in fast[0]


def test_an_input_subclass_with_its_own_template_is_rendered_by_its_template():
    class Custom(ListTextInput):
        template_name = "django/forms/widgets/textarea.html"

    assert Custom().render("x", "a").startswith("<textarea")
