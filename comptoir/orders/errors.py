from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError


class OrderNotFoundError(NotFoundError):
    code = "order-not-found"
    title = "Order not found"


class OrderStateError(ConflictError):
    code = "order-state"
    title = "The order cannot do that in its current status"


class OrderNotEditableError(ConflictError):
    code = "order-not-editable"
    title = "Only orders not yet shipped can be edited"


class InvalidOrderLinesError(InvalidInputError):
    code = "invalid-order-lines"
    title = "Some lines or quantities are not valid for this order"


class ReturnNotAllowedError(ConflictError):
    code = "return-not-allowed"
    title = "This order cannot be returned"


class ReturnNotFoundError(NotFoundError):
    code = "return-not-found"
    title = "Return not found"


class PaymentInProgressError(ConflictError):
    code = "payment-in-progress"
    title = "A payment for this order is already under way"
