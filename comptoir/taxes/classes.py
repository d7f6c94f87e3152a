"""Tax classes: what kind of rate a product takes. Products carry one; each zone has a rate per class.

Kept free of models so that the catalogue can use the choices without importing the taxes app's tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaxClass(models.TextChoices):
    STANDARD = "standard", _("Standard rate")
    INTERMEDIATE = "intermediate", _("Intermediate reduced rate (the higher reduced rate, e.g. 10 % in France)")
    REDUCED = "reduced", _("Reduced rate (e.g. 5.5 % on books and food in France)")
    SUPER_REDUCED = "super_reduced", _("Super-reduced rate (e.g. 2.1 % in France)")
    ZERO = "zero", _("Zero rate (taxable at 0 %)")
    EXEMPT = "exempt", _("Exempt from tax")
    ELECTRONIC_SERVICES = "electronic_services", _("Electronically supplied services (taxed where the buyer lives)")


# Classes that never look a rate up: their rate is 0 wherever the buyer is.
UNTAXED_CLASSES = frozenset({TaxClass.ZERO, TaxClass.EXEMPT})
