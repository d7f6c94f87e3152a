"""What crawlers read: robots.txt and the sitemap."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import override
from django.views.decorators.http import require_safe

from comptoir.storefront.sitemaps import shop_sitemaps
from comptoir.storefront.views._common import shop_channel


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Keep crawlers out of the back office, the API and search results (endless, thin pages)."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /api/"]
    for code, _name in settings.LANGUAGES:
        with override(code):
            lines.append(f"Disallow: {reverse('storefront:search')}")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    return sitemap_view(request, sitemaps=shop_sitemaps(shop_channel(request)))
