"""Friendly error pages (settings: handler404, handler500)."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

# While the database restarts or fails over, the answer is "come back in a few seconds", not "broken".
DATABASE_AWAY_RETRY_AFTER = 5


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request context: whatever broke (the database, a context processor) stays out.

    When what broke is the connection to the database (it is restarting, failing over), the same page is
    a 503 with Retry-After: clients, crawlers and CDNs then retry instead of recording an error."""
    page = loader.get_template("500.html").render()
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(DATABASE_AWAY_RETRY_AFTER)
        return response
    return HttpResponseServerError(page)
