from dataclasses import asdict, dataclass

from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError


@dataclass(frozen=True, slots=True)
class Shortage:
    variant_id: int
    requested: int
    available: int


class InsufficientStockError(ConflictError):
    """Not enough units for one or more lines. Carries every short line, so the buyer hears all at once."""

    code = "insufficient-stock"
    title = "Not enough stock"

    def __init__(self, *, shortages: list[Shortage]):
        self.shortages = shortages
        detail = "; ".join(
            f"only {s.available} left of variant {s.variant_id} ({s.requested} requested)" for s in shortages
        )
        super().__init__(
            detail=f"Not enough stock: {detail}." if shortages else "Not enough stock.",
            data={"shortages": [asdict(s) for s in shortages]},
        )


class NotOnShelfError(InsufficientStockError):
    """Shipping units sold on backorder before they have arrived: they are promised, not yet on the shelf."""

    code = "not-on-shelf"
    title = "Some units are not on the shelf yet"


class InvalidQuantityError(InvalidInputError):
    code = "invalid-quantity"
    title = "Quantities must be whole numbers above zero"


class StockCommittedError(ConflictError):
    """A count or write-off would leave fewer units than are already promised to orders and checkouts."""

    code = "stock-committed"
    title = "Those units are already promised"


class StockLevelNotFoundError(NotFoundError):
    code = "stock-level-not-found"
    title = "No stock of this variant at this location"
