"""Storefront URLs: returns (mounted at /<lang>/orders/, namespace `returns`).

The owner's pages hang under the order number, a guest's under the order's tracking token (`t/<token>/`).
"""

from django.urls import path

from comptoir.storefront.views import returns

urlpatterns = [
    path("<str:number>/return/", returns.request_return_page, name="request"),
    path("<str:number>/returns/<str:return_number>/", returns.return_detail, name="detail"),
    path("<str:number>/returns/<str:return_number>/cancel/", returns.cancel_return_page, name="cancel"),
    path("t/<str:token>/return/", returns.guest_request_return_page, name="guest_request"),
    path("t/<str:token>/returns/<str:return_number>/", returns.guest_return_detail, name="guest_detail"),
    path("t/<str:token>/returns/<str:return_number>/cancel/", returns.guest_cancel_return_page, name="guest_cancel"),
]
