from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.roles import Role


class DirectorySource(models.TextChoices):
    ANY = "any", _("Any directory")
    OIDC = "oidc", _("OpenID Connect identity provider")
    LDAP = "ldap", _("LDAP / Active Directory")


class DirectoryGroupMapping(models.Model):
    """One directory group and what it grants here: a role, a ward, or both.

    Applied at every single sign-on login (OIDC or LDAP). Local accounts are not touched."""

    source = models.CharField(
        _("directory"), max_length=10, choices=DirectorySource.choices, default=DirectorySource.ANY
    )
    group = models.CharField(
        _("directory group"),
        max_length=200,
        help_text=_(
            "The group name as the directory sends it (the OIDC groups claim, or the LDAP "
            "group's common name). Case does not matter."
        ),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    ward = models.ForeignKey(
        "core.Ward",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directory_mappings",
        verbose_name=_("ward"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["group", "role", "ward__name"]
        verbose_name = _("directory group mapping")
        verbose_name_plural = _("directory group mappings")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="") | Q(ward__isnull=False), name="mapping_grants_something"
            ),
            models.UniqueConstraint(
                fields=["source", "group", "role", "ward"], name="one_mapping_per_grant"
            ),
        ]

    def __str__(self) -> str:
        grants = [str(p) for p in (self.get_role_display() if self.role else "", self.ward) if p]
        return f"{self.group} → {', '.join(grants)}"
