"""Authentication backends for the hospital's directory: OpenID Connect (mozilla-django-oidc)
and LDAP/Active Directory (django-auth-ldap). Each is inert unless its settings switch it on,
so local accounts keep working for small sites and the demo.

Both apply the group mapping table at every login; an identity whose groups map to no role is
refused, and the reason is kept in the session for the "no access" page."""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django_auth_ldap.backend import LDAPBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .mapping import groups_from_claim, idp_asserts_mfa, language_from_locale
from .models import DirectorySource
from .services import user_sync_from_directory

logger = logging.getLogger(__name__)

# Session keys, read by views, the second-factor middleware and re-authentication.
SESSION_DENIED = "sso_denied"
SESSION_METHOD = "sso_method"
SESSION_SUB = "sso_oidc_sub"
SESSION_MFA = "sso_idp_mfa"


def _remember_denial(request, *, username: str, groups: list[str], source: str) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_DENIED] = {
            "username": username,
            "groups": sorted(groups)[:50],
            "source": source,
        }
    logger.warning("directory login refused: no mapped role", extra={"source": source})


class HospitalOIDCBackend(OIDCAuthenticationBackend):
    """OIDC authorization-code login. The username comes from OIDC_USERNAME_CLAIM, groups from
    OIDC_GROUPS_CLAIM (in the ID token or the userinfo answer)."""

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED:
            return None
        self._id_claims = {}
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, jwt.InvalidTokenError) as error:
            # A code the IdP will not exchange, a token whose signature or nonce is wrong, an
            # IdP that does not answer: no session, the failure page, and a line in the log.
            logger.warning("OIDC login failed: %s", type(error).__name__)
            return None

    def get_or_create_user(self, access_token, id_token, payload):
        self._id_claims = payload
        return super().get_or_create_user(access_token, id_token, payload)

    def _username(self, claims) -> str:
        return str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip()[:150]

    def verify_claims(self, claims) -> bool:
        return bool(self._username(claims))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=self._username(claims))

    def create_user(self, claims):
        return self._sync(self.UserModel(username=self._username(claims)), claims)

    def update_user(self, user, claims):
        return self._sync(user, claims)

    def _sync(self, user, claims):
        merged = {**self._id_claims, **claims}
        groups = groups_from_claim(merged.get(settings.OIDC_GROUPS_CLAIM))
        access = user_sync_from_directory(
            user=user,
            source=DirectorySource.OIDC,
            groups=groups,
            first_name=str(merged.get("given_name") or ""),
            last_name=str(merged.get("family_name") or ""),
            email=str(merged.get("email") or ""),
            language=language_from_locale(merged.get("locale")),
        )
        if not access.has_role:
            _remember_denial(
                self.request, username=user.username, groups=groups, source=DirectorySource.OIDC
            )
            return None
        user.sso_oidc_sub = str(self._id_claims.get("sub") or "")
        user.sso_idp_mfa = idp_asserts_mfa(
            claims=self._id_claims,
            mfa_amr=settings.OIDC_MFA_AMR,
            mfa_acr=settings.OIDC_MFA_ACR,
            trust_idp=settings.OIDC_TRUST_IDP_MFA,
        )
        return user


class HospitalLDAPBackend(LDAPBackend):
    """Directory password login (LDAP or Active Directory). Group names are the common names
    of the groups found under LDAP_GROUP_SEARCH_BASE."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.LDAP_ENABLED:
            return None
        self._request = request
        return super().authenticate(request, username=username, password=password, **kwargs)

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        groups = sorted(ldap_user.group_names)
        attrs = ldap_user.attrs or {}

        def first(name: str) -> str:
            values = attrs.get(name) or []
            return str(values[0]) if values else ""

        access = user_sync_from_directory(
            user=user,
            source=DirectorySource.LDAP,
            groups=groups,
            first_name=first(settings.LDAP_ATTR_GIVEN_NAME),
            last_name=first(settings.LDAP_ATTR_FAMILY_NAME),
            email=first(settings.LDAP_ATTR_EMAIL),
            language=language_from_locale(first("preferredLanguage")),
        )
        if not access.has_role:
            _remember_denial(
                self._request, username=user.username, groups=groups, source=DirectorySource.LDAP
            )
            return None
        return user
