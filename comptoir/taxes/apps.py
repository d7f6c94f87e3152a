from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxesConfig(AppConfig):
    name = "comptoir.taxes"
    label = "taxes"
    verbose_name = _("Taxes")

    def ready(self) -> None:
        from comptoir.taxes.calculator import RatesCalculator
        from comptoir.taxes.calculators import CALCULATORS

        # The calculator settings.TAX_CALCULATOR names by default; "none" (NoTax) stays available.
        CALCULATORS["rates"] = RatesCalculator()
