"""django-auth-ldap settings (AUTH_LDAP_*) from the plain LDAP_* environment values, so
settings.py and the tests build them the same way. Imported only when LDAP is switched on:
python-ldap needs the OpenLDAP client library."""


def auth_ldap_settings(
    *,
    server_uri: str,
    bind_dn: str = "",
    bind_password: str = "",
    user_search_base: str,
    user_filter: str = "(uid=%(user)s)",
    group_search_base: str,
    group_type: str = "groupOfNames",
    start_tls: bool = False,
    timeout_seconds: int = 10,
) -> dict:
    import ldap
    from django_auth_ldap.config import (
        ActiveDirectoryGroupType,
        GroupOfNamesType,
        LDAPSearch,
        NestedActiveDirectoryGroupType,
        PosixGroupType,
    )

    group_types = {
        "groupOfNames": (GroupOfNamesType, "(objectClass=groupOfNames)"),
        "activeDirectory": (ActiveDirectoryGroupType, "(objectClass=group)"),
        "nestedActiveDirectory": (NestedActiveDirectoryGroupType, "(objectClass=group)"),
        "posixGroup": (PosixGroupType, "(objectClass=posixGroup)"),
    }
    if group_type not in group_types:
        raise ValueError(f"LDAP_GROUP_TYPE must be one of {', '.join(group_types)}")
    type_class, group_filter = group_types[group_type]
    return {
        "AUTH_LDAP_SERVER_URI": server_uri,
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(user_search_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(group_search_base, ldap.SCOPE_SUBTREE, group_filter),
        "AUTH_LDAP_GROUP_TYPE": type_class(),
        "AUTH_LDAP_START_TLS": start_tls,
        # Active Directory answers referrals python-ldap cannot follow anonymously.
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_REFERRALS: 0,
            ldap.OPT_NETWORK_TIMEOUT: timeout_seconds,
        },
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
    }
