from django.utils.translation import gettext_lazy as _

from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError


class FulfilmentRequestNotFoundError(NotFoundError):
    code = "fulfilment-request-not-found"
    title = "No such fulfilment request"


class FulfilmentRequestClosedError(ConflictError):
    code = "fulfilment-request-closed"
    title = "This request was cancelled or already shipped with another tracking number"


class NotAPartnerLocationError(InvalidInputError):
    code = "not-a-partner-location"
    title = "Only a supplier or a 3PL location ships on our behalf"


class DeliveryUnavailableError(InvalidInputError):
    """The chosen delivery option is not offered for this address and basket (any more): choose again."""

    code = "delivery-unavailable"
    title = "This delivery option is not available"

    def __init__(self, *, option_id: str):
        super().__init__(
            detail=str(_("This delivery option is not available for this address and order any more.")),
            data={"option_id": option_id},
        )


class InvalidShippingSetupError(InvalidInputError):
    """A shipping zone, method, rate tier or pickup point the merchant entered does not hold together."""

    code = "invalid-shipping-setup"
    title = "Invalid shipping settings"
