"""URLs of the API: /api/v1/..., /api/openapi.json, /api/docs — and a problem for any other /api/ address."""

from django.urls import URLPattern, path, re_path

from comptoir.api.api import api
from comptoir.api.errors import problem_responses, unknown_route


def _problem_urls():
    """The API's URL patterns, each view wrapped so that a 404 or 405 outside ninja is a problem too."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = problem_responses(pattern.callback)
    return patterns, app_name, namespace


api_urlpatterns = [
    path("api/", _problem_urls()),
    re_path(r"^api(?:/.*)?$", unknown_route),
]
