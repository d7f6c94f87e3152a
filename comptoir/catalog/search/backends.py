"""The search backend of each database engine."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

from comptoir.catalog.search.base import RankedSearch, SearchBackend
from comptoir.catalog.search.mysql import MySQLSearch
from comptoir.catalog.search.postgresql import PostgreSQLSearch
from comptoir.catalog.search.sqlite import SQLiteSearch

# Keyed by Django's `connection.vendor`: the database decides, there is one right backend for each.
BACKENDS: dict[str, SearchBackend] = {
    "postgresql": PostgreSQLSearch(),
    "sqlite": SQLiteSearch(),
    "mysql": MySQLSearch(),  # MariaDB reports itself as mysql
}


def backend_for(connection: BaseDatabaseWrapper) -> RankedSearch:
    """The ranked search of the database behind `connection`."""
    try:
        return RankedSearch(BACKENDS[connection.vendor])
    except KeyError:
        raise ImproperlyConfigured(f"Product search does not support the {connection.vendor} database.") from None
