"""Every spreadsheet URL x every persona on a CSC return: out of scope is 404 and the database does not change."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataset.models import Return, ReturnValue, Upload
from dataset.uploads import services as upload_services
from tests.dataset.conftest import fill

OUTSIDERS = ["police_lead", "member", "analyst", "scrutineer", "admin_user", "no_agency_user"]
# (url name, method, whether it names an upload)
URLS = [
    ("return_template_xlsx", "get", False),
    ("return_template_csv", "get", False),
    ("return_upload", "get", False),
    ("return_upload", "post", False),
    ("upload_preview", "get", True),
    ("upload_confirm", "post", True),
]


@pytest.fixture
def csc_upload(csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    _, content = upload_services.template_csv(ret=csc_return)
    content = content.replace(b"N28,Neglect champions in post,Count,,,24", b"N28,Neglect champions in post,Count,,,30")
    return upload_services.upload_create(
        ret=csc_return, acting_user=csc_lead, file_name="CSC_2020-21_Q1_return.csv", content=content
    )


def snapshot():
    return (
        list(Return.objects.order_by("pk").values_list("status", "version")),
        list(ReturnValue.objects.order_by("pk").values_list("numerator", "denominator", "value", "commentary")),
        list(Upload.objects.order_by("pk").values_list("pk", "applied_at")),
    )


def call(client, name, method, ret, upload, *, names_upload=True):
    """GET, or POST a good file (the one already uploaded), to the URL; `names_upload` puts the upload's id in it."""
    args = [ret.pk, upload.pk] if names_upload else [ret.pk]
    if method == "get":
        return client.get(reverse(f"dataset:{name}", args=args))
    data = {"file": SimpleUploadedFile("CSC_2020-21_Q1_return.csv", bytes(upload.content))}
    return client.post(reverse(f"dataset:{name}", args=args), data)


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(("name", "method", "names_upload"), URLS)
def test_nobody_but_the_agency_reaches_its_spreadsheet_pages(
    client, request, csc_return, csc_upload, persona, name, method, names_upload
):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    response = call(client, name, method, csc_return, csc_upload, names_upload=names_upload)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("name", "method", "names_upload"), URLS)
def test_the_agency_lead_reaches_them(client, csc_return, csc_lead, csc_upload, name, method, names_upload):
    client.force_login(csc_lead)
    response = call(client, name, method, csc_return, csc_upload, names_upload=names_upload)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(("name", "method"), [("upload_preview", "get"), ("upload_confirm", "post")])
def test_another_agencys_upload_is_404_even_through_ones_own_return(
    client, police_return, police_lead, csc_upload, name, method
):
    client.force_login(police_lead)
    before = snapshot()
    response = call(client, name, method, police_return, csc_upload)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("name", "method"), [("upload_preview", "get"), ("upload_confirm", "post")])
def test_an_upload_is_404_through_another_return_of_the_same_agency(
    client, csc_return, csc_lead, csc_upload, earlier_periods, name, method
):
    other = Return.objects.create(agency=csc_return.agency, period=earlier_periods[-1])
    client.force_login(csc_lead)
    before = snapshot()
    assert call(client, name, method, other, csc_upload).status_code == 404
    assert snapshot() == before


def test_the_get_only_and_post_only_pages_refuse_the_other_method(client, csc_return, csc_lead, csc_upload):
    client.force_login(csc_lead)
    before = snapshot()
    assert client.post(reverse("dataset:return_template_xlsx", args=[csc_return.pk])).status_code == 405
    assert client.post(reverse("dataset:upload_preview", args=[csc_return.pk, csc_upload.pk])).status_code == 405
    assert client.get(reverse("dataset:upload_confirm", args=[csc_return.pk, csc_upload.pk])).status_code == 405
    assert snapshot() == before


def test_signed_out_people_are_sent_to_sign_in(client, csc_return, csc_upload):
    response = client.get(reverse("dataset:return_template_xlsx", args=[csc_return.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
