"""Static files in production: hashed names, compressed copies, cached for a year by browsers and CDNs.

Collects the real static files with the production storage into a folder of its own, then asks WhiteNoise
(the production middleware) for them as a browser would."""

import gzip

import brotli
import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=str(root), STORAGES=PRODUCTION_STORAGES, WHITENOISE_USE_FINDERS=False):
        # The storefront's files only: the admin's thousands would take minutes to compress on a small machine.
        others = ["admin", "backoffice", "django_htmx", "flags", "import_export", "ninja", "unfold", "checkout.*"]
        call_command("collectstatic", "--no-input", verbosity=0, ignore_patterns=others)
        from django.contrib.staticfiles.storage import staticfiles_storage

        staticfiles_storage._setup()  # the storage is built once per settings: rebuild it for this folder
        hashed = static("storefront/storefront.css")
        middleware = WhiteNoiseMiddleware(lambda request: None)
        yield root, hashed, middleware


def fetch(middleware, url: str, encoding: str = ""):
    request = RequestFactory().get(url, headers={"Accept-Encoding": encoding} if encoding else {})
    return middleware(request)


def test_the_stylesheet_is_linked_by_a_hashed_name(collected):
    _root, hashed, _middleware = collected

    assert hashed.startswith("/static/storefront/storefront.") and hashed.endswith(".css")
    assert hashed != "/static/storefront/storefront.css"


def test_a_hashed_file_is_cached_for_ten_years_and_immutable(collected):
    _root, hashed, middleware = collected

    response = fetch(middleware, hashed)

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"


def test_an_unhashed_name_is_not_cached_for_long(collected):
    _root, _hashed, middleware = collected

    response = fetch(middleware, "/static/storefront/storefront.css")

    assert "immutable" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_compressed_copies_are_served_to_browsers_that_accept_them(collected, encoding, decompress):
    root, hashed, middleware = collected
    plain = (root / hashed.removeprefix("/static/")).read_bytes()

    response = fetch(middleware, hashed, encoding=f"{encoding}, deflate")
    body = b"".join(response.streaming_content)

    assert response["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response["Vary"]
    assert decompress(body) == plain and len(body) < len(plain)
