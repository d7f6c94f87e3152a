"""Storefront URLs: orders without an account (mounted at /<lang>/orders/, namespace `orders`)."""

from django.urls import path

from comptoir.storefront.views import instalments, orders

urlpatterns = [
    path("track/<str:token>/", orders.track, name="track"),
    path("track/<str:token>/instalments/<int:sequence>/", instalments.pay_instalment, name="pay_instalment"),
    path("find/", orders.find, name="find"),
]
