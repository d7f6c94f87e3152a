import pytest


@pytest.mark.django_db
def test_a_post_to_an_unknown_api_address_is_a_404_problem_not_a_csrf_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v1/no-such-thing", {})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
