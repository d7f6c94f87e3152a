"""Storefront URLs. comptoir/urls.py mounts `storefront_urlpatterns` under the language prefix."""

from django.urls import include, path

from comptoir.storefront.views import channel, home, listing, product, seo, stores

app_name = "storefront"

_pages = [
    path("", home.home, name="home"),
    path("c/<slug:slug>/", listing.category, name="category"),
    path("collections/<slug:slug>/", listing.collection, name="collection"),
    path("p/<slug:slug>/", product.product, name="product"),
    path("search/", listing.search, name="search"),
    path("channel/", channel.set_channel, name="set_channel"),
    path("stores/", stores.store_list, name="stores"),
    path("stores/choose/", stores.choose_store, name="choose_store"),
]

# Pages under the language prefix (/en/, /fr/), in the `storefront` namespace.
storefront_urlpatterns = [
    path("", include((_pages, app_name))),
    path("gift-cards/", include(("comptoir.pricing.urls", "pricing"))),
    path("", include(("comptoir.storefront.urls_checkout", "checkout"))),
    path("account/", include(("comptoir.storefront.urls_account", "account"))),
    path("orders/", include(("comptoir.storefront.urls_orders", "orders"))),
    path("orders/", include(("comptoir.storefront.urls_returns", "returns"))),
    path("invoices/", include(("comptoir.storefront.urls_invoices", "invoices"))),
]

# Pages outside it.
root_urlpatterns = [
    path("", home.root, name="root"),
    path("language/", channel.set_language, name="switch_language"),
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("sitemap.xml", seo.sitemap, name="sitemap"),
]
