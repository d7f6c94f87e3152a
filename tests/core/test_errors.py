import json

from comptoir.core.errors import NotFoundError, problem_response


def test_a_domain_error_becomes_an_rfc9457_problem_body():
    error = NotFoundError(detail="No product 'x'.", data={"slug": "x"})

    response = problem_response(error.to_problem())

    body = json.loads(response.content)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert body == {
        "type": "https://comptoir.dev/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No product 'x'.",
        "errors": [],
        "slug": "x",
    }
