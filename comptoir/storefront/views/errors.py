"""Friendly error pages (settings: handler404, handler500)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request context: whatever broke (the database, a context processor) stays out."""
    return HttpResponseServerError(loader.get_template("500.html").render())
