"""LDAP login against a real OpenLDAP server (Debian's slapd, started by the test): the
directory password at the ordinary login page, the same group mapping table as OIDC."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.models import User
from core.roles import Role
from core.signatures import reauthenticate
from sso.models import DirectoryGroupMapping, DirectorySource

pytestmark = pytest.mark.django_db


@pytest.fixture
def mappings(ward_7a):
    DirectoryGroupMapping.objects.create(group="cart-nurses", role=Role.NURSE)
    DirectoryGroupMapping.objects.create(group="ward-7a", ward=ward_7a, source=DirectorySource.LDAP)


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_mei_logs_in_with_her_directory_password_and_gets_her_mapped_role(
    client, ldap_on, mappings
):
    response = _login(client, "mei", "mei-dir-pw")

    assert response.status_code == 302
    mei = User.objects.get(username="mei")
    assert mei.roles == {Role.NURSE}
    assert [w.code for w in mei.wards.all()] == ["7a"]
    assert (mei.first_name, mei.last_name, mei.email) == ("Mei", "Song", "mei@h.example")
    assert not mei.has_usable_password()
    assert mei.language == "zh-hans"  # preferredLanguage zh-CN
    assert client.get("/patients/").status_code == 200


def test_a_wrong_directory_password_is_refused(client, ldap_on, mappings):
    response = _login(client, "mei", "not-her-password")

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert not User.objects.filter(username="mei").exists()


def test_a_directory_user_without_a_mapped_role_is_told_why(client, ldap_on, mappings):
    response = _login(client, "finn", "finn-dir-pw")

    assert response.status_code == 200
    assert 'data-testid="no-role"' in response.content.decode()
    assert User.objects.get(username="finn").roles == frozenset()
    assert "_auth_user_id" not in client.session


def test_a_role_removed_in_the_mapping_is_gone_at_the_next_login(client, ldap_on, mappings):
    _login(client, "mei", "mei-dir-pw")
    client.logout()
    DirectoryGroupMapping.objects.filter(role=Role.NURSE).delete()

    _login(client, "mei", "mei-dir-pw")

    mei = User.objects.get(username="mei")
    assert mei.roles == frozenset() and not mei.wards.exists()


def test_local_accounts_keep_working_beside_the_directory(client, ldap_on, dr_ben):
    dr_ben.set_password("ben-local-password")
    dr_ben.save()

    assert _login(client, "ben", "ben-local-password").status_code == 302


def test_re_authentication_asks_the_directory_password_again(client, ldap_on, mappings):
    _login(client, "mei", "mei-dir-pw")
    mei = User.objects.get(username="mei")
    request = RequestFactory().post("/")
    request.session = client.session

    reauthenticate(request, mei, "mei-dir-pw")
    for wrong in ("wrong", ""):
        with pytest.raises(ValidationError):
            reauthenticate(request, mei, wrong)
