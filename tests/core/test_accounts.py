"""Issue 14, item 3: no self-granted access. Through the admin site, the pages and the API an
administrator cannot make himself superuser, change his own roles, set anyone's password, or
give a role without a second administrator's approval; every change is recorded and told."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction

from core import role_grants
from core.models import Notification, OutboxMessage, RoleGrantRequest, RoleGrantState, User
from core.roles import Role
from core.services import outbox_deliver_due
from tests.factories import UserFactory


@pytest.fixture
def admin_bo(db):
    """Bo, a second administrator: the one who approves Alex's requests."""
    return UserFactory(
        username="bo", first_name="Bo", last_name="Ma", roles=[Role.ADMINISTRATOR], is_staff=True
    )


@pytest.fixture
def newcomer_fei(db):
    """Fei, a new doctor with an account and no role yet."""
    return UserFactory(username="fei", first_name="Fei", last_name="Gao", email="fei@example.org")


def _change_form(user, **extra):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "language": "",
        # What the stock user form also asks for, so that a form that still had the
        # privilege fields would save them (and these tests would catch it).
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "_save": "Save",
    }
    data.update(extra)
    return data


def _roles(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


# --- Admin site -------------------------------------------------------------------------


def test_admin_site_cannot_make_oneself_superuser_or_clinician(client, admin_alex):
    client.force_login(admin_alex)
    clinician = Group.objects.get(name=Role.CLINICIAN)
    response = client.post(
        f"/admin/core/user/{admin_alex.pk}/change/",
        _change_form(
            admin_alex,
            is_superuser="on",
            is_staff="on",
            groups=[clinician.pk],
            user_permissions=[],
        ),
    )
    assert response.status_code == 302
    admin_alex.refresh_from_db()
    assert not admin_alex.is_superuser
    assert _roles(admin_alex) == {Role.ADMINISTRATOR}


def test_admin_site_cannot_give_another_user_a_role_or_ward(client, admin_alex, nurse_ada, ward_7b):
    client.force_login(admin_alex)
    clinician = Group.objects.get(name=Role.CLINICIAN)
    response = client.post(
        f"/admin/core/user/{nurse_ada.pk}/change/",
        _change_form(nurse_ada, groups=[clinician.pk], wards=[ward_7b.pk], is_superuser="on"),
    )
    assert response.status_code == 302
    assert _roles(nurse_ada) == {Role.NURSE}
    assert [w.code for w in User.objects.get(pk=nurse_ada.pk).wards.all()] == ["7a"]
    assert not User.objects.get(pk=nurse_ada.pk).is_superuser


def test_admin_site_change_page_offers_no_privilege_fields(client, admin_alex, dr_ben):
    client.force_login(admin_alex)
    page = client.get(f"/admin/core/user/{dr_ben.pk}/change/").content.decode()
    for name in ("is_superuser", "groups", "user_permissions", "wards", "is_staff", "password"):
        assert f'name="{name}"' not in page
    assert f"/accounts/staff/{dr_ben.pk}/password-reset-link/" in page


def test_admin_site_cannot_set_another_users_password(client, admin_alex, dr_ben):
    client.force_login(admin_alex)
    before = User.objects.get(pk=dr_ben.pk).password
    url = f"/admin/core/user/{dr_ben.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"password1": "Taken-over-2026", "password2": "Taken-over-2026", "usable_password": "true"},
    )
    assert response.status_code == 403
    assert User.objects.get(pk=dr_ben.pk).password == before


def test_admin_site_new_account_has_no_password_and_no_role(client, admin_alex):
    client.force_login(admin_alex)
    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "gus",
            "first_name": "Gus",
            "last_name": "Ye",
            "email": "gus@example.org",
            "password1": "Chosen-by-admin-1",
            "password2": "Chosen-by-admin-1",
            "is_superuser": "on",
            "groups": [Group.objects.get(name=Role.CLINICIAN).pk],
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    gus = User.objects.get(username="gus")
    assert not gus.has_usable_password()
    assert not gus.is_superuser and not gus.groups.exists()


def test_admin_site_cannot_edit_a_superuser(client, admin_alex):
    root = UserFactory(username="root", is_superuser=True, is_staff=True, email="root@x.org")
    client.force_login(admin_alex)
    response = client.post(
        f"/admin/core/user/{root.pk}/change/", _change_form(root, email="alex@evil.org")
    )
    assert response.status_code == 403
    assert User.objects.get(pk=root.pk).email == "root@x.org"


# --- Role requests: service rules -------------------------------------------------------


def test_role_is_applied_only_after_a_second_administrator_approves(
    admin_alex, admin_bo, newcomer_fei, django_capture_on_commit_callbacks
):
    grant = role_grants.role_grant_request(
        by=admin_alex, user=newcomer_fei, role=Role.CLINICIAN, reason="New attending, ward 7"
    )
    assert grant.state == RoleGrantState.PENDING
    assert _roles(newcomer_fei) == set()
    assert Notification.objects.filter(recipient=admin_bo).count() == 1

    with pytest.raises(role_grants.PermissionDenied):
        role_grants.role_grant_decide(by=admin_alex, grant_id=grant.pk, approve=True)
    assert _roles(newcomer_fei) == set()

    role_grants.role_grant_decide(by=admin_bo, grant_id=grant.pk, approve=True)
    assert _roles(newcomer_fei) == {Role.CLINICIAN}
    grant.refresh_from_db()
    assert (grant.state, grant.decided_by) == (RoleGrantState.APPROVED, admin_bo)
    assert Notification.objects.filter(recipient=newcomer_fei).count() == 1
    # Alex (the other administrator) hears of the decision too.
    assert Notification.objects.filter(recipient=admin_alex).count() == 1
    assert [h.state for h in grant.history.order_by("history_id")] == ["pending", "approved"]


def test_nobody_asks_for_his_own_role(admin_alex):
    with pytest.raises(role_grants.PermissionDenied):
        role_grants.role_grant_request(
            by=admin_alex, user=admin_alex, role=Role.CLINICIAN, reason="me"
        )
    assert not RoleGrantRequest.objects.exists()


def test_the_grantee_cannot_approve_a_request_for_himself(admin_alex, admin_bo):
    grant = role_grants.role_grant_request(
        by=admin_alex, user=admin_bo, role=Role.AUDITOR, reason="covering audits"
    )
    with pytest.raises(role_grants.PermissionDenied):
        role_grants.role_grant_decide(by=admin_bo, grant_id=grant.pk, approve=True)
    assert Role.AUDITOR not in _roles(admin_bo)


def test_database_refuses_approver_equal_to_requester_or_grantee(admin_alex, newcomer_fei):
    base = {"user": newcomer_fei, "role": Role.NURSE, "reason": "x"}
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrantRequest.objects.create(requested_by=newcomer_fei, **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrantRequest.objects.create(
            requested_by=admin_alex,
            decided_by=admin_alex,
            state=RoleGrantState.APPROVED,
            decided_at="2026-01-01T00:00Z",
            **base,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrantRequest.objects.create(
            requested_by=admin_alex,
            decided_by=newcomer_fei,
            state=RoleGrantState.APPROVED,
            decided_at="2026-01-01T00:00Z",
            **base,
        )


def test_nurse_grant_brings_its_wards_and_revocation_takes_them(
    admin_alex, admin_bo, newcomer_fei, ward_7a
):
    grant = role_grants.role_grant_request(
        by=admin_alex, user=newcomer_fei, role=Role.NURSE, wards=[ward_7a], reason="ward 7A"
    )
    role_grants.role_grant_decide(by=admin_bo, grant_id=grant.pk, approve=True)
    assert [w.code for w in newcomer_fei.wards.all()] == ["7a"]
    record = role_grants.role_revoke(
        by=admin_bo, user=User.objects.get(pk=newcomer_fei.pk), role=Role.NURSE, reason="left"
    )
    assert record.state == RoleGrantState.REVOKED
    assert _roles(newcomer_fei) == set() and not newcomer_fei.wards.exists()
    assert Notification.objects.filter(recipient=newcomer_fei).count() == 2
    assert Notification.objects.filter(recipient=admin_alex, subject__contains="revoked").exists()


def test_nobody_revokes_his_own_role(admin_alex):
    with pytest.raises(role_grants.PermissionDenied):
        role_grants.role_revoke(by=admin_alex, user=admin_alex, role=Role.ADMINISTRATOR, reason="x")


def test_administrator_role_sets_the_staff_flag(admin_alex, admin_bo, newcomer_fei):
    grant = role_grants.role_grant_request(
        by=admin_alex, user=newcomer_fei, role=Role.ADMINISTRATOR, reason="IT desk"
    )
    role_grants.role_grant_decide(by=admin_bo, grant_id=grant.pk, approve=True)
    assert User.objects.get(pk=newcomer_fei.pk).is_staff


# --- Role requests: pages -----------------------------------------------------------------


def test_role_request_page_flow(client, admin_alex, admin_bo, newcomer_fei):
    client.force_login(admin_alex)
    page = client.get("/accounts/roles/")
    assert page.status_code == 200
    assert f'value="{admin_alex.pk}"' not in page.content.decode()  # not offered himself
    response = client.post(
        "/accounts/roles/",
        {"user": newcomer_fei.pk, "role": Role.CLINICIAN, "reason": "New attending"},
    )
    assert response.status_code == 302
    grant = RoleGrantRequest.objects.get()
    client.post(f"/accounts/roles/{grant.pk}/decide/", {"decision": "approve"})
    assert _roles(newcomer_fei) == set()

    client.force_login(admin_bo)
    assert "New attending" in client.get("/accounts/roles/").content.decode()
    client.post(f"/accounts/roles/{grant.pk}/decide/", {"decision": "approve"})
    assert _roles(newcomer_fei) == {Role.CLINICIAN}


def test_role_request_page_refuses_self_request(client, admin_alex):
    client.force_login(admin_alex)
    response = client.post(
        "/accounts/roles/", {"user": admin_alex.pk, "role": Role.CLINICIAN, "reason": "me"}
    )
    assert response.status_code == 400
    assert not RoleGrantRequest.objects.exists()


@pytest.mark.parametrize("role", ["clinician", "nurse", "auditor", "pharmacist"])
def test_role_pages_are_for_administrators_only(client, personas, role):
    client.force_login(personas[role])
    assert client.get("/accounts/roles/").status_code == 403
    assert client.get("/api/role-requests/").status_code == 403


# --- Role requests: API -------------------------------------------------------------------


def test_api_role_request_needs_a_second_administrator(client, admin_alex, admin_bo, newcomer_fei):
    client.force_login(admin_alex)
    response = client.post(
        "/api/role-requests/",
        {"user": "fei", "role": "clinician", "reason": "New attending"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert client.post(f"/api/role-requests/{pk}/approve/").status_code == 403
    assert _roles(newcomer_fei) == set()
    own = client.post(
        "/api/role-requests/",
        {"user": "alex", "role": "clinician", "reason": "me"},
        content_type="application/json",
    )
    assert own.status_code == 403

    client.force_login(admin_bo)
    approved = client.post(f"/api/role-requests/{pk}/approve/")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert _roles(newcomer_fei) == {Role.CLINICIAN}
    revoked = client.post(
        "/api/role-requests/revoke/",
        {"user": "fei", "role": "clinician", "reason": "left"},
        content_type="application/json",
    )
    assert revoked.status_code == 201 and revoked.json()["state"] == "revoked"
    assert _roles(newcomer_fei) == set()


def test_api_cannot_set_superuser_or_roles_through_the_request_fields(
    client, admin_alex, newcomer_fei
):
    client.force_login(admin_alex)
    response = client.post(
        "/api/role-requests/",
        {
            "user": "fei",
            "role": "clinician",
            "reason": "x",
            "state": "approved",
            "decided_by": "alex",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["state"] == "pending" and response.json()["decided_by"] is None
    assert _roles(newcomer_fei) == set()


# --- Password-reset links -----------------------------------------------------------------


def _link_from_mail() -> str:
    outbox_deliver_due()
    bodies = [m.body for m in mail.outbox if "/accounts/reset/" in m.body]
    assert len(bodies) == 1
    return re.search(r"https?://\S+/accounts/reset/\S+", bodies[0]).group(0)


def test_reset_link_is_emailed_not_shown_and_works_once(
    client, admin_alex, newcomer_fei, django_capture_on_commit_callbacks
):
    client.force_login(admin_alex)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/accounts/staff/{newcomer_fei.pk}/password-reset-link/")
    assert page.status_code == 200
    link = _link_from_mail()
    # Sent, and then the link's text is not kept in the outbox.
    assert not OutboxMessage.objects.filter(body__contains=link).exists()
    assert link not in page.content.decode()
    assert [m.to for m in mail.outbox if link in m.body] == [["fei@example.org"]]
    assert Notification.objects.filter(recipient=newcomer_fei).exists()

    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Fei-own-choice-77", "new_password2": "Fei-own-choice-77"}
    )
    assert done.status_code == 302
    assert User.objects.get(pk=newcomer_fei.pk).check_password("Fei-own-choice-77")
    again = client.get(link, follow=True)
    assert b"reset-link-invalid" in again.content


def test_reset_link_shown_once_without_email_and_logged(client, admin_alex, dr_ben):
    from django.contrib.admin.models import LogEntry

    User.objects.filter(pk=dr_ben.pk).update(email="")
    client.force_login(admin_alex)
    page = client.post(f"/accounts/staff/{dr_ben.pk}/password-reset-link/")
    assert b'data-testid="reset-link"' in page.content
    assert page["Cache-Control"] == "no-store"
    assert LogEntry.objects.filter(object_id=str(dr_ben.pk), user=admin_alex).exists()


def test_reset_link_not_for_oneself_nor_by_non_administrators(
    client, admin_alex, auditor_cara, dr_ben
):
    client.force_login(admin_alex)
    assert client.post(f"/accounts/staff/{admin_alex.pk}/password-reset-link/").status_code == 403
    assert client.post(f"/api/users/{admin_alex.pk}/password-reset-link/").status_code == 403
    client.force_login(auditor_cara)
    assert client.post(f"/accounts/staff/{dr_ben.pk}/password-reset-link/").status_code == 403
    assert client.post(f"/api/users/{dr_ben.pk}/password-reset-link/").status_code == 403


def test_api_reset_link_hides_an_emailed_link(client, admin_alex, newcomer_fei):
    client.force_login(admin_alex)
    response = client.post(f"/api/users/{newcomer_fei.pk}/password-reset-link/")
    assert response.status_code == 201
    assert response.json() == {"emailed": True, "link": ""}


def test_changing_an_email_then_sending_a_reset_link_there_is_refused(
    client, admin_alex, admin_bo, newcomer_fei, django_capture_on_commit_callbacks
):
    """Alex cannot take Fei's account by pointing her address at his own mailbox: the old
    address is told at once, and no reset link goes to the new one for a day."""
    client.force_login(admin_alex)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/core/user/{newcomer_fei.pk}/change/",
            _change_form(newcomer_fei, email="alex.private@example.org"),
        )
    assert response.status_code == 302
    assert User.objects.get(pk=newcomer_fei.pk).email == "alex.private@example.org"
    outbox_deliver_due()
    assert [m.to for m in mail.outbox if "changed the e-mail address" in m.body] == [
        ["fei@example.org"]
    ]
    assert Notification.objects.filter(recipient=admin_bo, subject__contains="E-mail").exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/accounts/staff/{newcomer_fei.pk}/password-reset-link/")
    assert "less than 24 hours" in page.content.decode()
    outbox_deliver_due()
    assert not [m for m in mail.outbox if "/accounts/reset/" in m.body]
    api = client.post(f"/api/users/{newcomer_fei.pk}/password-reset-link/")
    assert api.status_code == 400
