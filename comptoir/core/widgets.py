"""Form widgets that render in Python what Django renders through templates, where the count matters.

Django renders a `<select>` by including a template per `<option>`, and every `<input>` through two templates
(input.html and attrs.html): a country list (about 250 countries) costs 20 to 30 ms of CPU each time the checkout
page is shown, and the two address forms' eighteen inputs a few more. `ListSelect` and `ListTextInput` write the
same HTML, byte for byte (tests/core/test_widgets.py compares them with Django's templates), with string joins.

Only Django's own templates are reproduced: a subclass that sets its own `template_name` (or
`option_template_name`) is rendered by its templates as usual. Django's default form renderer is assumed (the
project overrides no form template and sets no FORM_RENDERER).
"""

from __future__ import annotations

import functools
import html
from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe


def _escape(value: Any) -> str:
    """`conditional_escape`, without its lazy-argument wrapper for the common case: a plain `str` (what
    Django's `escape` does to it: `html.escape`)."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


def _value(value: Any) -> str:
    """As the templates' `{{ value|stringformat:'s' }}` (`"%s" % value`, a tuple as `str(tuple)`: both are
    `str(value)`), escaped unless `value` was safe."""
    if type(value) is str:
        return html.escape(value)
    return str(value) if isinstance(value, SafeData) else html.escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_escape(name)}" if value is True else f' {_escape(name)}="{_value(value)}"')
    return "".join(parts)


class ListSelect(forms.Select):
    """A `Select` whose HTML is built in Python (same output as Django's select.html and select_option.html).

    Its options are listed as `ChoiceWidget.optgroups` lists them (a group of options under a name, an unnamed
    group of one option otherwise; a single select marks the first option with the value `selected`), without
    building the context of each one: a subclass that changes how an option is made (`optgroups`,
    `create_option`) or allows several choices goes through `get_context` as in Django.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer=None) -> SafeString:
        if (self.template_name, self.option_template_name) != (forms.Select.template_name,
                                                                forms.Select.option_template_name):  # fmt: skip
            return super().render(name, value, attrs, renderer)
        if self._options_as_django_makes_them():
            final_attrs = self.build_attrs(self.attrs, attrs)
            optgroups = self._optgroups(self.format_value(value))
        else:
            widget = self.get_context(name, value, attrs)["widget"]
            final_attrs = widget["attrs"]
            optgroups = (
                (group_name, [_option(option["value"], option["label"], option["attrs"]) for option in options])
                for group_name, options, _index in widget["optgroups"]
            )
        out = [f'<select name="{_escape(name)}"{_attrs(final_attrs)}>']
        for group_name, options in optgroups:
            if group_name:
                out.append(f'\n  <optgroup label="{_escape(group_name)}">')
            out.extend(options)
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # every value above is escaped

    def _options_as_django_makes_them(self) -> bool:
        cls = type(self)
        return (
            not self.allow_multiple_selected
            and not self.option_inherits_attrs
            and self.checked_attribute == {"selected": True}
            and cls.get_context is forms.Select.get_context
            and cls.optgroups is forms.Select.optgroups
            and cls.create_option is forms.Select.create_option
        )

    def _optgroups(self, values: list[str]) -> list[tuple[Any, list[str]]]:
        """`ChoiceWidget.optgroups` for a single select, each option already as HTML."""
        groups = []
        has_selected = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            if isinstance(option_label, (list, tuple)):
                group_name, choices = option_value, option_label
            else:
                group_name, choices = None, ((option_value, option_label),)
            options = []
            for subvalue, sublabel in choices:
                selected = not has_selected and str(subvalue) in values
                has_selected |= selected
                options.append(_option(subvalue, sublabel, _SELECTED if selected else _NOT_SELECTED))
            groups.append((group_name, options))
        return groups


_SELECTED = {"selected": True}
_NOT_SELECTED: dict[str, Any] = {}


def _option(value: Any, label: Any, attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/select_option.html (after the newline and indent the select template adds)."""
    if not attrs and type(value) is str and type(label) is str:
        return _plain_option(value, label)
    return f'\n  <option value="{_value(value)}"{_attrs(attrs)}>{_escape(label)}</option>\n'


@functools.lru_cache(maxsize=2048)
def _plain_option(value: str, label: str) -> str:
    # Plain `str` only (the caller checks): a SafeString equal to a str must not share its entry.
    return f'\n  <option value="{html.escape(value)}">{html.escape(label)}</option>\n'


class ListTextInput(forms.TextInput):
    """A `TextInput` (any `input_type`: text, tel, email…) whose HTML is built in Python (same output as Django's
    text.html, input.html and attrs.html)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer=None) -> SafeString:
        if self.template_name != forms.TextInput.template_name:
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{_value(widget["value"])}"'
        return mark_safe(  # every value below is escaped
            f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
        )
