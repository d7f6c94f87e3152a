"""Comptoir settings, configured by environment variables (see docs/operations.md).

One module for every environment: what differs between the demo, the tests and production is read
from the environment (DATABASE_URL, CACHE_URL, SECRET_KEY, ALLOWED_HOSTS, DEBUG, ...).
"""

from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The insecure default only works with DEBUG on: production must set SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-comptoir-demo-key" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a local demo).")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "ninja",
    "django_countries",
    "import_export",
    "django_tasks_db",
    "comptoir.core",
    "comptoir.catalog",
    "comptoir.pricing",
    "comptoir.inventory",
    "comptoir.fulfillment",
    "comptoir.payments",
    "comptoir.orders",
    "comptoir.checkout",
    "comptoir.taxes",
    "comptoir.customers",
    "comptoir.storefront",
    "comptoir.backoffice",
    "comptoir.api",
    "comptoir.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "comptoir.core.middleware.RejectNulBytesMiddleware",
    # Before the session, CSRF and locale middleware: a cached page is served without touching them.
    "comptoir.storefront.caching.PageCacheMiddleware",
    # After the page cache (a cached page is always served) and before any session or query: sheds a request
    # that waited too long in front of the app (SHED_QUEUE_MS, behind a proxy that stamps X-Request-Start).
    "comptoir.storefront.overload.OverloadMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "comptoir.core.middleware.ChannelMiddleware",
]

ROOT_URLCONF = "comptoir.urls"
WSGI_APPLICATION = "comptoir.wsgi.application"
ASGI_APPLICATION = "comptoir.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "comptoir" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "comptoir.core.context_processors.shop",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default (nothing to install); PostgreSQL in production; MariaDB supported.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'comptoir.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db.setdefault("OPTIONS", {}).update(
        {
            # Concurrent writers queue for the write lock instead of failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    _db.setdefault("TEST", {})
elif _db["ENGINE"] in {"django.db.backends.mysql"}:
    _db.setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            # READ COMMITTED like PostgreSQL: a locking read sees the latest committed row.
            "isolation_level": "read committed",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        }
    )
    _db.setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
_db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
_db.setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, tasks ---------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://comptoir")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis away must not mean pages in error: misses and dropped writes instead, quickly (comptoir.core.cache);
    # it is Django's backend with one Redis client per pool, not per call (comptoir.core.redis_cache).
    CACHES["default"]["BACKEND"] = "comptoir.core.cache.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
# Whether anonymous storefront pages are served from the cache (docs/caching.md). On by default only with a
# cache all processes share: with a per-process memory cache, a change made in one process would not
# reach the pages another keeps.
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.db")

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- Auth -----------------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env.bool("FAST_PASSWORD_HASHER", default=False):  # tests only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Buyers sign in on the storefront; the back office has its own login page.
LOGIN_URL = "account:sign_in"

# --- i18n -------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "comptoir" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Uploads no URL may serve (customers' tax-exemption certificates); default: `private-media` beside MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = env.str("PRIVATE_MEDIA_ROOT", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Serve uploaded media from the app (demo and small shops); production puts a CDN or object storage in front.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# --- Security ---------------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None

# --- Logging ----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Comptoir ---------------------------------------------------------------------------------------
# The shop's public address, for links that leave the site (e-mails, partner callbacks, feeds).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@localhost")
# EMAIL_URL: smtp://user:password@host:587 (STARTTLS: smtp+tls://, SSL: smtp+ssl://), consolemail:// to print.
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_smtp = _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": _email["EMAIL_HOST"],
            "port": _email["EMAIL_PORT"],
            "username": _email["EMAIL_HOST_USER"],
            "password": _email["EMAIL_HOST_PASSWORD"],
            "use_tls": _email.get("EMAIL_USE_TLS", False),
            "use_ssl": _email.get("EMAIL_USE_SSL", False),
            "timeout": 10,
        }
        if _smtp
        else {},
    }
}
COMPTOIR = {
    # Widths of the responsive WebP renditions made for every product image.
    "IMAGE_WIDTHS": (320, 640, 960),
    "PRODUCTS_PER_PAGE": 24,
    "MAX_PRODUCTS_PER_PAGE": 96,
    # How long a checkout holds the buyer's items, and how long an unpaid card order keeps its stock.
    "CHECKOUT_HOLD_MINUTES": env.int("CHECKOUT_HOLD_MINUTES", default=15),
    "UNPAID_ORDER_MINUTES": env.int("UNPAID_ORDER_MINUTES", default=60),
    # Carts nobody touched for this long are deleted (customers' carts are kept).
    "ANONYMOUS_CART_DAYS": 30,
    # Check business buyers' VAT numbers with VIES, the EU's online register (needs the network; off: only the
    # number's format and checksum are checked). VIES_URL is the REST API's base, VIES_TIMEOUT in seconds.
    "VIES_CHECK": env.bool("VIES_CHECK", default=False),
    "VIES_URL": env.str("VIES_URL", default="https://ec.europa.eu/taxation_customs/vies/rest-api"),
    "VIES_TIMEOUT": env.float("VIES_TIMEOUT", default=8.0),
    # Largest tax-exemption certificate a customer may upload, in bytes.
    "EXEMPTION_MAX_BYTES": env.int("EXEMPTION_MAX_BYTES", default=5 * 1024 * 1024),
    # The checkout waiting room (comptoir.checkout.admission): off, on, or auto (on while checkout is busy).
    # `manage.py waiting_room` switches it at run time for every app server.
    "WAITING_ROOM": {
        "MODE": env.str("WAITING_ROOM", default="off"),
        "RATE": env.int("WAITING_ROOM_RATE", default=10),  # buyers let into checkout per second
        "THRESHOLD": env.int("WAITING_ROOM_THRESHOLD", default=8),  # auto: checkout requests in flight
        "LATENCY_MS": env.int("WAITING_ROOM_LATENCY_MS", default=1000),  # auto: recent average duration
        "TICKET_MINUTES": env.int("WAITING_ROOM_TICKET_MINUTES", default=20),
        "REFRESH_SECONDS": 5,
        # auto: count the wait before the app stamped by the proxy (X-Request-Start); only behind one that sets it.
        "TRUST_REQUEST_START": env.bool("WAITING_ROOM_TRUST_REQUEST_START", default=False),
    },
    # Load shedding (comptoir.storefront.overload): a request that waited longer than this many milliseconds in
    # front of the app (the proxy's X-Request-Start) is answered 503 with Retry-After at once; 0 = never.
    "SHED_QUEUE_MS": env.int("SHED_QUEUE_MS", default=0),
    "SHED_RETRY_SECONDS": env.int("SHED_RETRY_SECONDS", default=5),  # Retry-After: this plus up to as much again
    # A task still "running" after this many minutes was left by a worker that died: it is queued again
    # (comptoir.core.task_recovery). Far above any task's duration.
    "TASK_STALLED_MINUTES": env.int("TASK_STALLED_MINUTES", default=30),
    # Payment tries per card number in 10 minutes (card-testing defence; the per-IP and per-order limits stay 10).
    "CARD_PAYMENT_TRIES": env.int("CARD_PAYMENT_TRIES", default=10),
    # Days between a declined instalment charge and the next try; after the last one the plan is in default.
    "INSTALMENT_RETRY_DAYS": tuple(env.list("INSTALMENT_RETRY_DAYS", cast=int, default=[1, 3, 7])),
    # The page cache (docs/caching.md): on/off, how long the server keeps a page (changes invalidate it at
    # once; this bounds what no event announces, e.g. a scheduled publication), a page with a click &
    # collect line (it says whether a store is open today), and what browsers and CDNs are told.
    "PAGE_CACHE": env.bool("PAGE_CACHE", default=_SHARED_CACHE),
    # Fragments (the category menu, a product's detail) reused by pages rendered anyway.
    "FRAGMENT_CACHE": env.bool("FRAGMENT_CACHE", default=_SHARED_CACHE),
    "PAGE_CACHE_SECONDS": env.int("PAGE_CACHE_SECONDS", default=600),
    "PAGE_CACHE_PICKUP_SECONDS": 60,
    "PAGE_MAX_AGE": env.int("PAGE_MAX_AGE", default=30),
    "PAGE_S_MAXAGE": env.int("PAGE_S_MAXAGE", default=60),
    "PAGE_STALE_WHILE_REVALIDATE": 30,
}
# Which comptoir.taxes calculator computes taxes: "rates" (tax zones and rates; a channel without tax settings
# charges none) or "none" (never any tax).
TAX_CALCULATOR = env.str("TAX_CALCULATOR", default="rates")
# Payment providers offered at checkout, by code (comptoir.payments.gateways.GATEWAYS).
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["test"])
# Fernet keys (comma-separated, the first encrypts) for provider secrets stored in the database; empty: a key
# derived from SECRET_KEY. See comptoir/payments/accounts.py and docs/payments.md.
PAYMENT_SECRETS_KEYS = env.str("PAYMENT_SECRETS_KEYS", default="")

UNFOLD = {
    "SITE_TITLE": "Comptoir",
    "SITE_HEADER": "Comptoir back office",
    "SITE_URL": "/",
    "DASHBOARD_CALLBACK": "comptoir.backoffice.dashboard.dashboard_callback",
}
