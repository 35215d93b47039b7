"""Administrators must pass a TOTP second factor; others may choose to."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.services import api_token_create
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def password_login(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_administrator_must_set_up_then_use_a_second_factor(client, admin_alex):
    password_login(client, "alex")
    first = client.get("/")
    assert first.status_code == 302 and first.url.startswith("/accounts/second-factor/setup/")
    assert client.get("/admin/").status_code == 302
    page = client.get(first.url).content.decode()
    assert 'data-testid="totp-secret"' in page
    device = TOTPDevice.objects.get(user=admin_alex, confirmed=False)
    wrong = client.post("/accounts/second-factor/setup/", {"token": "000000", "next": "/"})
    assert "not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a failed code makes the next try wait a moment
    ok = client.post("/accounts/second-factor/setup/", {"token": code_for(device), "next": "/"})
    assert ok.status_code == 302 and ok.url == "/"
    assert client.get("/").status_code == 200

    client.post("/accounts/logout/")
    password_login(client, "alex")
    again = client.get("/reports/")
    assert again.url.startswith("/accounts/second-factor/?next=")
    device.refresh_from_db()
    device.last_t = -1  # the code above was already used in this time step
    device.save()
    verified = client.post("/accounts/second-factor/", {"token": code_for(device), "next": "/"})
    assert verified.status_code == 302
    assert client.get("/").status_code == 200


def test_other_roles_are_not_asked(client, nurse_ada):
    password_login(client, "ada")
    assert client.get("/").status_code == 200


def test_a_token_cannot_skip_the_second_factor(admin_alex, dr_ben):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=admin_alex)[1]}")
    assert api.get("/api/products/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=dr_ben)[1]}")
    assert api.get("/api/products/").status_code == 200
