import pytest


@pytest.mark.django_db
def test_a_nul_byte_in_an_api_query_is_a_400_problem(client):
    response = client.get("/api/v1/availability?sku=A%00B")

    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-characters")


@pytest.mark.django_db
def test_a_nul_character_in_a_json_body_is_a_400_problem(client):
    response = client.post("/api/v1/inventory/receipts", '{"sku": "A\\u0000"}', content_type="application/json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_a_nul_byte_in_a_storefront_search_is_a_400_page(client):
    response = client.get("/en/search/?q=shoe%00")

    assert response.status_code == 400


@pytest.mark.django_db
def test_an_ordinary_request_passes(client, channel):
    response = client.get("/api/v1/availability?sku=A")

    assert response.status_code == 200


@pytest.mark.django_db
def test_an_uploaded_file_may_hold_nul_bytes(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("sheet.xlsx", b"PK\x03\x04\x00\x00binary", content_type="application/octet-stream")

    response = admin_client.post("/admin/", {"file": upload})

    assert response.status_code != 400
