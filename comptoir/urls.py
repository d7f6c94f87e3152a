from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from comptoir.api.urls import api_urlpatterns
from comptoir.storefront.urls import root_urlpatterns, storefront_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("payments/", include("comptoir.payments.urls")),  # provider webhooks: no language prefix, no CSRF
    *api_urlpatterns,
    *root_urlpatterns,  # robots.txt, sitemap.xml, the language-less home redirect
]
if settings.SERVE_MEDIA:
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
urlpatterns += i18n_patterns(*storefront_urlpatterns, prefix_default_language=True)

handler404 = "comptoir.storefront.views.errors.page_not_found"
handler500 = "comptoir.storefront.views.errors.server_error"
