"""The group mapping table: pure resolution, the second-factor reading of the ID token, and
the administrator's page to edit it (with history)."""

import pytest

from core.roles import Role
from sso.mapping import (
    MappingRow,
    groups_from_claim,
    idp_asserts_mfa,
    language_from_locale,
    resolve_access,
)
from sso.models import DirectoryGroupMapping

ROWS = [
    MappingRow("any", "CART-Nurses", Role.NURSE, None),
    MappingRow("ldap", "Ward-7A", "", 7),
    MappingRow("oidc", "cart-clinicians", Role.CLINICIAN, None),
    MappingRow("any", "ICU", Role.NURSE, 9),
]


def test_groups_map_to_roles_and_wards_whatever_the_case():
    access = resolve_access(groups=["cart-nurses", "WARD-7A"], rows=ROWS, source="ldap")
    assert access.roles == {Role.NURSE} and access.ward_ids == {7}


def test_a_row_for_another_directory_does_not_apply():
    assert resolve_access(groups=["cart-clinicians"], rows=ROWS, source="ldap").roles == set()
    assert resolve_access(groups=["Ward-7A"], rows=ROWS, source="oidc").ward_ids == set()


def test_no_matching_group_means_no_role():
    access = resolve_access(groups=["Finance", ""], rows=ROWS, source="oidc")
    assert not access.has_role and access.matched_groups == set()


@pytest.mark.parametrize(
    ("value", "groups"),
    [(None, []), (["a", "b"], ["a", "b"]), ("a b,c", ["a", "b", "c"]), (42, [])],
)
def test_the_groups_claim_is_read_as_list_or_string(value, groups):
    assert groups_from_claim(value) == groups


@pytest.mark.parametrize(
    ("claims", "acr", "trust", "verified"),
    [
        ({"amr": ["pwd"]}, [], False, False),
        ({"amr": ["pwd", "otp"]}, [], False, True),
        ({"amr": "mfa"}, [], False, True),
        ({"acr": "urn:hospital:mfa"}, ["urn:hospital:mfa"], False, True),
        ({"acr": "urn:hospital:pwd"}, ["urn:hospital:mfa"], False, False),
        ({}, [], True, True),
    ],
)
def test_the_idp_second_factor_counts_only_when_asserted(claims, acr, trust, verified):
    assert (
        idp_asserts_mfa(claims=claims, mfa_amr={"mfa", "otp"}, mfa_acr=acr, trust_idp=trust)
        is verified
    )


@pytest.mark.django_db
def test_an_administrator_edits_the_mapping_in_the_admin_with_history(client, admin_alex, ward_7a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_alex, name="app", confirmed=True)
    client.force_login(admin_alex)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    response = client.post(
        "/admin/sso/directorygroupmapping/add/",
        {"source": "any", "group": "CART-Nurses", "role": Role.NURSE, "ward": ward_7a.pk},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    mapping = DirectoryGroupMapping.objects.get()
    assert mapping.history.first().history_user == admin_alex
    assert client.get("/admin/sso/directorygroupmapping/").status_code == 200


@pytest.mark.django_db
def test_a_mapping_must_grant_something():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        DirectoryGroupMapping(group="Finance").full_clean()


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("zh-CN", "zh-hans"),
        ("zh_Hans", "zh-hans"),
        ("zh", "zh-hans"),
        ("zh-TW", "zh-hans"),
        ("en-GB", "en"),
        ("fr-FR", ""),
        (None, ""),
        ("zhx", ""),
    ],
)
def test_the_directory_locale_sets_the_language(locale, language):
    assert language_from_locale(locale) == language
