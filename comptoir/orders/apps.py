from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "comptoir.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # Event handlers (comptoir.core.events dispatches them): payment settled, partner shipped; invoices;
        # e-mails to the buyer; offline payments; orders paid in instalments.
        from comptoir.orders import (  # noqa: F401
            handlers,
            instalments,
            invoice_handlers,
            notifications,
            offline_handlers,
        )
