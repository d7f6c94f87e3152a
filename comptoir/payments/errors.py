from comptoir.core.errors import ConflictError, DomainError, InvalidInputError, NotFoundError


class PaymentNotFoundError(NotFoundError):
    code = "payment-not-found"
    title = "Payment not found"


class PaymentDeclinedError(DomainError):
    code = "payment-declined"
    title = "The payment was declined"
    status = 402


class PaymentMethodUnavailableError(InvalidInputError):
    code = "payment-method-unavailable"
    title = "This payment method is not available"


class PaymentStateError(ConflictError):
    code = "payment-state"
    title = "The payment cannot do that in its current state"


class RefundExceedsCapturedError(ConflictError):
    code = "refund-exceeds-captured"
    title = "A refund cannot exceed what was paid"
