"""Django-admin permissions of each role group, kept in step after every migrate.

The groups themselves come from a data migration; their model permissions are synced here
so that a model added later is covered without another hand-written migration.
"""

from django.contrib.auth.models import Group, Permission

from .roles import Role

# Administrators run the service: users, wards and the product catalogue. No clinical edits.
ADMINISTRATOR_MODELS = {
    ("core", "user"),
    ("core", "ward"),
    # The outbox: administrators read it and send failed messages again (core.admin).
    ("core", "outboxmessage"),
    # The catalogue (catalogue/): products, label data, indications, the threshold table.
    ("catalogue", "cartproduct"),
    ("catalogue", "productlabel"),
    ("catalogue", "productindication"),
    ("catalogue", "threshold"),
    ("followup", "restrictionpolicy"),
    # Monitoring's catalogue rows (issue 16 items 2 and 4): thresholds and advice wording.
    ("monitoring", "vitalsignthreshold"),
    ("monitoring", "managementadvice"),
    ("sso", "directorygroupmapping"),
}
# A directory group mapping that is wrong must be removable (its history stays).
ADMINISTRATOR_DELETABLE = {("sso", "directorygroupmapping")}


def sync_role_permissions(**kwargs) -> None:
    admin_group, _ = Group.objects.get_or_create(name=Role.ADMINISTRATOR)
    auditor_group, _ = Group.objects.get_or_create(name=Role.AUDITOR)
    admin_perms = [
        perm
        for perm in Permission.objects.select_related("content_type")
        if (perm.content_type.app_label, perm.content_type.model) in ADMINISTRATOR_MODELS
        and (
            not perm.codename.startswith("delete_")
            or (perm.content_type.app_label, perm.content_type.model) in ADMINISTRATOR_DELETABLE
        )
    ]
    admin_perms += list(
        Permission.objects.filter(content_type__app_label="auth", codename="view_group")
    )
    admin_group.permissions.set(admin_perms)
    # Auditors read everything, history included, and change nothing; never a credential.
    from .admin_site import CREDENTIAL_MODELS

    auditor_group.permissions.set(
        perm
        for perm in Permission.objects.filter(codename__startswith="view_").select_related(
            "content_type"
        )
        if f"{perm.content_type.app_label}.{perm.content_type.model}" not in CREDENTIAL_MODELS
    )
