from comptoir.core.errors import DomainError, InvalidInputError, NotFoundError


class CatalogError(DomainError):
    code = "catalog-error"


class ProductNotFoundError(NotFoundError):
    code = "product-not-found"
    title = "Product not found"


class CategoryNotFoundError(NotFoundError):
    code = "category-not-found"
    title = "Category not found"


class InvalidProductError(InvalidInputError):
    code = "invalid-product"
    title = "Invalid product"


class InvalidImageError(InvalidInputError):
    code = "invalid-image"
    title = "Invalid image"
