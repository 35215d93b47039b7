"""OIDC login against a real provider (django-oauth-toolkit in its own process, RS256):
authorization code with PKCE, ID token checked against the provider's JWKS, userinfo read,
roles and wards from the group mapping table at every login."""

import pytest

from core.models import User
from core.roles import Role
from sso.backends import SESSION_METHOD, SESSION_MFA
from sso.models import DirectoryGroupMapping, DirectorySource

from .conftest import IdpBrowser, app_path, sso_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse_mappings(ward_7a):
    return [
        DirectoryGroupMapping.objects.create(group="cart-nurses", role=Role.NURSE),
        DirectoryGroupMapping.objects.create(
            group="Ward-7A", ward=ward_7a, source=DirectorySource.OIDC
        ),
    ]


def test_it_logs_ada_in_with_the_role_and_ward_her_groups_map_to(client, oidc_on, nurse_mappings):
    response = sso_login(client, "ada.sso", next_url="/notifications/")

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    ada = User.objects.get(username="ada.sso")
    assert ada.roles == {Role.NURSE}
    assert [w.code for w in ada.wards.all()] == ["7a"]
    assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Song", "ada@hospital.example")
    assert not ada.has_usable_password()  # no second, local password
    assert ada.language == "zh-hans"  # from her locale claim (zh-CN): messages in Chinese
    assert client.session[SESSION_METHOD] == "oidc"
    assert client.get("/notifications/").status_code == 200
    assert client.get("/patients/").status_code == 200


def test_it_applies_the_mapping_again_at_each_login(client, oidc_on, nurse_mappings):
    sso_login(client, "ada.sso")
    assert User.objects.get(username="ada.sso").roles == {Role.NURSE}
    client.logout()
    DirectoryGroupMapping.objects.filter(role=Role.NURSE).delete()

    response = sso_login(client, "ada.sso")

    assert response["Location"] == "/accounts/sso/failed/"
    ada = User.objects.get(username="ada.sso")
    assert ada.roles == frozenset() and not ada.wards.exists()
    assert "_auth_user_id" not in client.session


def test_it_shows_a_clear_page_to_someone_whose_groups_map_to_no_role(
    client, oidc_on, nurse_mappings
):
    response = sso_login(client, "zoe.sso")

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 403
    text = page.content.decode()
    assert "zoe.sso" in text and "none of your directory groups" in text and "Finance" in text
    assert client.get("/").status_code == 302  # not signed in
    # The page says it once: a reload on a shared computer does not repeat her groups.
    assert "Finance" not in client.get("/accounts/sso/failed/").content.decode()


def test_the_idp_second_factor_counts_when_the_id_token_says_so(client, oidc_on):
    DirectoryGroupMapping.objects.create(group="cart-clinicians", role=Role.ADMINISTRATOR)

    sso_login(client, "ben.sso")  # amr ["pwd", "otp"]

    assert client.session[SESSION_MFA] is True
    assert client.get("/").status_code == 200


def test_a_password_only_idp_login_still_needs_our_second_factor(client, oidc_on):
    DirectoryGroupMapping.objects.create(group="CART-Admins", role=Role.ADMINISTRATOR)

    sso_login(client, "alex.sso")  # amr ["pwd"]

    assert client.session[SESSION_MFA] is False
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/second-factor/setup/" in response["Location"]


def test_a_hospital_may_declare_that_its_idp_always_enforces_mfa(client, oidc_on, settings):
    settings.OIDC_TRUST_IDP_MFA = True
    DirectoryGroupMapping.objects.create(group="CART-Admins", role=Role.ADMINISTRATOR)

    sso_login(client, "alex.sso")

    assert client.get("/").status_code == 200


def test_a_forged_callback_is_refused(client, oidc_on, nurse_mappings):
    start = client.get("/accounts/sso/oidc/login/")
    callback = IdpBrowser().authorize(
        start["Location"], username="ada.sso", password="ada-idp-pass"
    )
    tampered = app_path(callback).replace("code=", "code=x")

    response = client.get(tampered)

    assert response.status_code == 302 and response["Location"] == "/accounts/sso/failed/"
    assert not User.objects.filter(username="ada.sso").exists()


def test_oidc_pages_do_not_exist_when_oidc_is_off(client, db):
    assert client.get("/accounts/sso/oidc/login/").status_code == 404
    assert "oidc-login" not in client.get("/accounts/login/").content.decode()


def test_the_login_page_offers_the_hospital_sign_in_when_oidc_is_on(client, oidc_on):
    assert 'data-testid="oidc-login"' in client.get("/accounts/login/").content.decode()
