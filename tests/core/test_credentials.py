"""Issue 14 items 2 and 7: credentials out of sight, and API tokens that are hashed, expire,
die with a password change or deactivation, and that each user sees and revokes herself."""

import hashlib

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.models import ApiToken
from core.services import api_token_create
from tests.core.test_role_matrix import ROLES, outcome
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def token_client(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.fixture
def secrets_of_ben(dr_ben, client):
    """Dr Ben has an API token, a TOTP device and a session: everything an attacker wants."""
    token, key = api_token_create(user=dr_ben, name="lab script")
    device = TOTPDevice.objects.create(user=dr_ben, name="phone", confirmed=True)
    from django.test import Client

    Client().force_login(dr_ben)
    return {"token": token, "key": key, "device": device}


def credential_paths(secrets):
    device = secrets["device"]
    return [
        "/admin/core/apitoken/",
        f"/admin/core/apitoken/{secrets['token'].pk}/change/",
        "/admin/authtoken/tokenproxy/",
        "/admin/authtoken/token/",
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
        "/admin/sessions/session/",
    ]


def test_no_role_reaches_a_credential_in_the_admin(client, personas, secrets_of_ben, dr_ben):
    """Every role × every admin address of a credential model: refused. The user page shows
    no password hash, not even its algorithm and salt."""
    wrong = []
    key, device = secrets_of_ben["key"], secrets_of_ben["device"]
    for role in ROLES:
        client.force_login(personas[role])
        for path in credential_paths(secrets_of_ben):
            response = client.get(path)
            if outcome(response) != "refused":
                wrong.append(f"{role:22} GET {path}: {response.status_code}")
        for path in ("/admin/core/user/", f"/admin/core/user/{dr_ben.pk}/change/"):
            body = client.get(path).content.decode()
            for secret in (key, secrets_of_ben["token"].digest, device.key, dr_ben.password):
                if secret in body:
                    wrong.append(f"{role:22} GET {path}: shows a secret")
            if "algorithm" in body and "salt" in body:
                wrong.append(f"{role:22} GET {path}: shows the password hash")
        client.logout()
    assert not wrong, "\n".join(wrong)


def test_the_admin_site_registers_no_credential_model():
    from django.contrib import admin

    from core.admin_site import CREDENTIAL_MODELS

    registered = {model._meta.label_lower for model in admin.site._registry}
    assert not registered & CREDENTIAL_MODELS
    assert "core.user" in registered


def test_auditors_hold_no_permission_on_credentials(auditor_cara):
    perms = auditor_cara.get_all_permissions()
    assert "patients.view_patient" in perms
    assert not {p for p in perms if p.split(".")[1] in {"view_apitoken", "view_totpdevice"}}
    assert "sessions.view_session" not in perms


class TestHashedTokens:
    def test_only_a_digest_and_a_prefix_are_stored(self, dr_ben):
        token, key = api_token_create(user=dr_ben)
        row = ApiToken.objects.values().get(pk=token.pk)
        assert key not in {str(value) for value in row.values()}
        assert row["digest"] == hashlib.sha256(key.encode()).hexdigest()
        assert key.startswith(row["prefix"]) and len(row["prefix"]) == 8
        assert token_client(key).get("/api/products/").status_code == 200
        # A database reader holding the digest cannot use it.
        assert token_client(row["digest"]).get("/api/products/").status_code in (401, 403)

    def test_a_token_expires(self, dr_ben, settings):
        with time_machine.travel("2026-10-01 09:00 +08:00", tick=False) as traveller:
            _token, key = api_token_create(user=dr_ben)
            traveller.shift(settings.API_TOKEN_DAYS * 86400 - 60)
            assert token_client(key).get("/api/products/").status_code == 200
            traveller.shift(120)
            assert token_client(key).get("/api/products/").status_code in (401, 403)

    def test_a_password_change_revokes_tokens(self, client, dr_ben):
        token, key = api_token_create(user=dr_ben)
        client.force_login(dr_ben)
        new = "another-long-passphrase-42"
        response = client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 302
        assert token_client(key).get("/api/products/").status_code in (401, 403)
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_a_password_set_anywhere_makes_the_token_useless(self, dr_ben):
        """Even a change that skips the signals (queryset update) leaves the token refused."""
        from django.contrib.auth.hashers import make_password

        from core.models import User

        _token, key = api_token_create(user=dr_ben)
        User.objects.filter(pk=dr_ben.pk).update(password=make_password("x-other-pass-1"))
        assert token_client(key).get("/api/products/").status_code in (401, 403)

    def test_deactivation_revokes_tokens(self, dr_ben):
        token, key = api_token_create(user=dr_ben)
        dr_ben.is_active = False
        dr_ben.save()
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert token_client(key).get("/api/products/").status_code in (401, 403)

    def test_the_token_endpoint_still_gives_a_token(self, dr_ben):
        response = APIClient().post(
            "/api/auth/token/",
            {"username": "ben", "password": PASSWORD, "name": "R script"},
            format="json",
        )
        assert response.status_code == 200
        body = response.json()
        assert body["prefix"] == body["token"][:8] and body["name"] == "R script"
        assert token_client(body["token"]).get("/api/products/").status_code == 200

    def test_wrong_passwords_at_the_token_endpoint_count_towards_lockout(self, dr_ben):
        from axes.models import AccessAttempt

        api = APIClient()
        for _attempt in range(6):
            api.post("/api/auth/token/", {"username": "ben", "password": "wrong"}, format="json")
        assert AccessAttempt.objects.filter(username="ben").exists()
        locked = api.post(
            "/api/auth/token/", {"username": "ben", "password": PASSWORD}, format="json"
        )
        assert locked.status_code != 200
        assert not dr_ben.api_tokens.exists()


class TestOwnTokens:
    def test_page_creates_shows_once_and_revokes(self, client, nurse_ada, secrets_of_ben):
        client.force_login(nurse_ada)
        created = client.post("/accounts/tokens/", {"name": "ward tablet"}).content.decode()
        token = nurse_ada.api_tokens.get()
        assert 'data-testid="new-token"' in created
        assert token.prefix in created and "ward tablet" in created
        listing = client.get("/accounts/tokens/").content.decode()
        assert 'data-testid="new-token"' not in listing  # the key is not shown again
        assert secrets_of_ben["token"].prefix not in listing  # nobody else's tokens
        # Someone else's token cannot be revoked through her page.
        client.post("/accounts/tokens/", {"revoke": secrets_of_ben["token"].pk})
        secrets_of_ben["token"].refresh_from_db()
        assert secrets_of_ben["token"].revoked_at is None
        client.post("/accounts/tokens/", {"revoke": token.pk})
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_the_account_menu_links_to_the_page(self, client, nurse_ada):
        client.force_login(nurse_ada)
        assert 'href="/accounts/tokens/"' in client.get("/").content.decode()

    def test_api_lists_creates_and_revokes_only_own_tokens(self, client, nurse_ada, secrets_of_ben):
        client.force_login(nurse_ada)
        created = client.post("/api/auth/tokens/", {"name": "script"})
        assert created.status_code == 200
        key = created.json()["token"]
        listing = client.get("/api/auth/tokens/").json()
        assert [t["name"] for t in listing] == ["script"]
        assert "token" not in listing[0] and "digest" not in listing[0]
        other = secrets_of_ben["token"].pk
        assert client.delete(f"/api/auth/tokens/{other}/").status_code == 404
        # A token may list and revoke, but not create more tokens.
        api = token_client(key)
        assert api.post("/api/auth/tokens/", {"name": "more"}).status_code == 403
        own = listing[0]["id"]
        assert api.delete(f"/api/auth/tokens/{own}/").status_code == 204
        assert api.get("/api/auth/tokens/").status_code in (401, 403)
        secrets_of_ben["token"].refresh_from_db()
        assert secrets_of_ben["token"].revoked_at is None

    def test_the_endpoints_are_in_the_schema(self, client, nurse_ada):
        client.force_login(nurse_ada)
        schema = client.get("/api/schema/").content.decode()
        assert "/api/auth/tokens/{id}/" in schema or "/api/auth/tokens/{pk}/" in schema
        assert "tokenAuth" in schema


def test_the_tokens_page_speaks_chinese(client, nurse_ada):
    nurse_ada.language = "zh-hans"
    nurse_ada.save()
    client.force_login(nurse_ada)
    page = client.get("/accounts/tokens/").content.decode()
    assert "API 令牌" in page and "创建令牌" in page
