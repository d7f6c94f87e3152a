"""Storefront URLs: invoice and credit note downloads (PDF), mounted at /<lang>/invoices/."""

from django.urls import path

from comptoir.storefront.views import invoices

urlpatterns = [
    path("<int:pk>/", invoices.download, name="download"),
    path("t/<str:token>/<int:pk>/", invoices.guest_download, name="guest_download"),
]
