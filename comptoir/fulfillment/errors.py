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
