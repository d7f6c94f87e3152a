from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError


class CartNotFoundError(NotFoundError):
    code = "cart-not-found"
    title = "Cart not found"


class ProductUnavailableError(InvalidInputError):
    code = "product-unavailable"
    title = "This product cannot be bought here"


class QuantityLimitError(InvalidInputError):
    code = "quantity-limit"
    title = "This quantity cannot be ordered"


class CheckoutIncompleteError(InvalidInputError):
    code = "checkout-incomplete"
    title = "Some checkout steps are missing"


class CheckoutCompletedError(ConflictError):
    code = "checkout-completed"
    title = "This checkout has already become an order"


class PriceChangedError(ConflictError):
    code = "price-changed"
    title = "Prices changed since you last saw them"


class DeliveryChoiceError(InvalidInputError):
    code = "delivery-unavailable"
    title = "This delivery option is not available"
