from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "comptoir.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # The offline provider registers itself; it is offered when "offline" is in settings.PAYMENT_PROVIDERS.
        from comptoir.payments.providers import offline  # noqa: F401
