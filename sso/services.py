"""Writes of single sign-on: a directory identity becomes (or updates) a local user whose
roles and wards follow the group mapping table at every login."""

from django.contrib.auth.models import Group
from django.db import transaction

from core.models import User, Ward
from core.roles import Role

from .mapping import Access, MappingRow, resolve_access
from .models import DirectoryGroupMapping


def mapping_rows() -> list[MappingRow]:
    return [
        MappingRow(source=source, group=group, role=role, ward_id=ward_id)
        for source, group, role, ward_id in DirectoryGroupMapping.objects.values_list(
            "source", "group", "role", "ward_id"
        )
    ]


@transaction.atomic
def user_sync_from_directory(
    *,
    user: User,
    source: str,
    groups: list[str],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str = "",
) -> Access:
    """Give a directory user exactly the roles and wards her groups map to (none if none),
    and the name and address the directory holds. Returns what was granted."""
    access = resolve_access(groups=groups, rows=mapping_rows(), source=source)
    if first_name:
        user.first_name = first_name[:150]
    if last_name:
        user.last_name = last_name[:150]
    if email:
        user.email = email[:254]
    if language and not user.language:  # her own choice, once made, wins
        user.language = language
    if user.pk is None:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    kept = list(user.groups.exclude(name__in=Role.values))
    user.groups.set(kept + list(Group.objects.filter(name__in=access.roles)))
    # Someone without a role has no access at all, so no ward either.
    ward_ids = access.ward_ids if access.has_role else ()
    user.wards.set(Ward.objects.filter(pk__in=ward_ids, active=True))
    user.__dict__.pop("roles", None)  # the cached role set is stale now
    return access
