"""Storefront pages of the pricing domain (mounted at /<lang>/gift-cards/, namespace `pricing`)."""

from django.urls import path

from comptoir.pricing import views

urlpatterns: list = [
    path("balance/", views.gift_card_balance, name="gift_card_balance"),
]
