"""Small helpers for API tests: reading problem bodies and walking cursor pages."""

from typing import Any

PROBLEM_TYPE = "https://comptoir.dev/problems/"


def assert_problem(response, *, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with this status and type; returns the body for further checks."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == PROBLEM_TYPE + code
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert isinstance(body["errors"], list)
    return body


def walk_pages(client, path: str, params: dict[str, Any], *, max_pages: int = 50) -> tuple[list[str], int]:
    """Follow `next_cursor` from the first page to the last; returns every slug in order and the page count."""
    slugs: list[str] = []
    cursor = None
    for pages in range(1, max_pages + 1):
        response = client.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        slugs += [item["slug"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return slugs, pages
    raise AssertionError(f"still paging after {max_pages} pages")
