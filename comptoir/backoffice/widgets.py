"""Widgets of the back office."""

from __future__ import annotations

from django.contrib.admin.widgets import AutocompleteSelect


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete whose selected option's label comes from `labels` (value -> label), read once per page.

    Django's autocomplete reads the label of each row's selected object with one query per row; an
    inline of fifty rows would take fifty queries. The inline fills `labels` for every row in one query.
    """

    labels: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.labels is None or any(v not in self.labels for v in selected):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for option_value in selected:
            options.append(self.create_option(name, option_value, self.labels[option_value], True, len(options)))
        return [(None, options, 0)]
