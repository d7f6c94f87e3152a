from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError


class InstalmentOfferUnavailableError(InvalidInputError):
    code = "instalment-offer-unavailable"
    title = "This order cannot be paid in these instalments"


class InstalmentMethodUnsupportedError(InvalidInputError):
    code = "instalment-method-unsupported"
    title = "This payment method cannot pay in instalments"


class InstalmentPlanExistsError(ConflictError):
    code = "instalment-plan-exists"
    title = "This order is already paid in instalments"


class InstalmentNotFoundError(NotFoundError):
    code = "instalment-not-found"
    title = "Instalment not found"


class InstalmentNotPayableError(ConflictError):
    code = "instalment-not-payable"
    title = "This instalment cannot be paid now"


class InstalmentPlanNotFoundError(NotFoundError):
    code = "instalment-plan-not-found"
    title = "This order is not paid in instalments"
