"""The shop's one API object: version 1 under /api/v1/, its OpenAPI document and its docs page.

Each domain contributes a `Router` from `<domain>/api.py`; it is mounted here and nowhere else.
Every error leaves as an RFC 9457 problem (comptoir.api.errors), and the OpenAPI document says so.
"""

from __future__ import annotations

from typing import Any

from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI, Swagger

from comptoir.api.errors import register_problem_handlers
from comptoir.api.schemas import ProblemOut
from comptoir.catalog.api import router as catalog_router
from comptoir.checkout.api import router as checkout_router
from comptoir.checkout.api_instalments import router as cart_instalments_router
from comptoir.fulfillment.api import router as fulfillment_router
from comptoir.inventory.api import router as inventory_router
from comptoir.orders.api import router as orders_router
from comptoir.orders.api_instalments import router as order_instalments_router
from comptoir.pricing.api import router as pricing_router

# Swagger UI sets inline `style` attributes as it renders, which a nonce cannot allow; its scripts and
# stylesheet are files served by the shop itself. So the docs page, and only it, allows inline styles.
DOCS_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
}

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ComptoirAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None):
        """Ninja's document, plus the problem responses every operation can give (4XX, 5XX)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem_schema.pop("$defs", {}))
        components["Problem"] = problem_schema
        problem_content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.setdefault(
                    "4XX", {"description": "The request was refused (RFC 9457 problem).", "content": problem_content}
                )
                responses.setdefault(
                    "5XX", {"description": "A server error (RFC 9457 problem).", "content": problem_content}
                )
        return schema


api = ComptoirAPI(
    title="Comptoir API",
    version="1",
    description=(
        "Read the shop's catalogue per sales channel, buy (carts, checkout, orders, payment, returns) and run "
        "stock for staff integrations. Amounts are decimal strings with their currency; writes take an "
        "`Idempotency-Key`; "
        "listings are paginated with opaque cursors; errors are RFC 9457 problem details "
        "(`application/problem+json`). Send `Accept-Language: fr` or `en` for texts meant for buyers."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"validatorUrl": None, "tryItOutEnabled": True}),
    docs_decorator=csp_override(DOCS_CSP),
)
register_problem_handlers(api)
api.add_router("/v1/", catalog_router)
api.add_router("/v1/", inventory_router)
api.add_router("/v1/", fulfillment_router)
api.add_router("/v1/", pricing_router)
api.add_router("/v1/", checkout_router)
api.add_router("/v1/", orders_router)
api.add_router("/v1/", cart_instalments_router)
api.add_router("/v1/", order_instalments_router)
