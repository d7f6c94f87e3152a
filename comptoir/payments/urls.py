"""Payment URLs outside the language prefix: provider webhooks, and the TEST provider's challenge page
(it stands in for a bank's 3-D Secure page, which is never translated by the shop either)."""

from django.urls import path

from comptoir.payments import views, webhooks

app_name = "payments"

urlpatterns = [
    path("webhooks/<slug:provider>/", webhooks.receive, name="webhook"),
    path("test/challenge/<slug:provider_reference>/", views.test_challenge, name="test_challenge"),
]
