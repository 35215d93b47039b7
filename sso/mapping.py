"""Which roles and wards a directory identity gets, from its groups. Pure: no Django.

The hospital's identity provider (OIDC) or directory (LDAP/Active Directory) names groups;
administrators keep a table of group -> role and/or ward. The table is applied at every login,
so removing someone from a directory group removes the role at her next login.
Group names compare without regard to case: Active Directory treats "CART-Nurses" and
"cart-nurses" as the same group (Microsoft, "Naming conventions in Active Directory").
"""

from collections.abc import Iterable
from dataclasses import dataclass

ANY_SOURCE = "any"


@dataclass(frozen=True)
class MappingRow:
    source: str  # "any", "oidc" or "ldap"
    group: str
    role: str  # "" when the row only grants a ward
    ward_id: int | None


@dataclass(frozen=True)
class Access:
    roles: frozenset[str]
    ward_ids: frozenset[int]
    matched_groups: frozenset[str]

    @property
    def has_role(self) -> bool:
        return bool(self.roles)


def resolve_access(*, groups: Iterable[str], rows: Iterable[MappingRow], source: str) -> Access:
    """Roles and wards for an identity that belongs to ``groups``, signing in through
    ``source``. Rows for another source are ignored; "any" rows apply to every source."""
    wanted = {g.strip().casefold(): g for g in groups if g and g.strip()}
    roles: set[str] = set()
    ward_ids: set[int] = set()
    matched: set[str] = set()
    for row in rows:
        if row.source not in (ANY_SOURCE, source):
            continue
        key = row.group.strip().casefold()
        if key not in wanted:
            continue
        matched.add(wanted[key])
        if row.role:
            roles.add(row.role)
        if row.ward_id is not None:
            ward_ids.add(row.ward_id)
    return Access(frozenset(roles), frozenset(ward_ids), frozenset(matched))


def groups_from_claim(value) -> list[str]:
    """An IdP sends groups as a list, or one space- or comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    if isinstance(value, (list, tuple, set)):
        return [str(part) for part in value if str(part).strip()]
    return []


def language_from_locale(locale) -> str:
    """The page language for a directory's locale (OIDC ``locale`` claim, BCP 47; LDAP
    ``preferredLanguage``): Chinese in any script or region reads Simplified Chinese here
    (the site has no Traditional catalogue), English reads English, anything else nothing."""
    tag = str(locale or "").strip().replace("_", "-").lower()
    if tag == "zh" or tag.startswith("zh-"):
        return "zh-hans"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return ""


# RFC 8176 "Authentication Method Reference Values": these mean a factor beyond the password.
MULTI_FACTOR_AMR = frozenset(
    {"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm", "sms", "tel"}
)


def idp_asserts_mfa(
    *, claims: dict, mfa_amr: Iterable[str], mfa_acr: Iterable[str], trust_idp: bool
) -> bool:
    """Does the ID token say the person used a second factor at the IdP?

    ``trust_idp`` is for hospitals whose IdP enforces MFA on every login but does not say so
    in the token. Otherwise ``amr`` must name a multi-factor method, or ``acr`` must be one of
    the values the hospital lists as multi-factor (acr values are IdP-specific)."""
    if trust_idp:
        return True
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(mfa_amr):
        return True
    acr = claims.get("acr")
    return bool(acr) and acr in set(mfa_acr)
