"""The programme's roles. Each is a Django group created by a data migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    NURSE = "nurse", _("Nurse")
    APHERESIS_COORDINATOR = "apheresis_coordinator", _("Apheresis coordinator")
    PHARMACIST = "pharmacist", _("Pharmacist")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


# Roles that read every patient of the programme. Nurses read only their wards' patients;
# administrators run the service (users, wards, catalogue, exports) and do not browse charts.
PROGRAMME_WIDE_READERS = frozenset(
    {Role.CLINICIAN, Role.AUDITOR, Role.APHERESIS_COORDINATOR, Role.PHARMACIST}
)
PATIENT_READERS = PROGRAMME_WIDE_READERS | {Role.NURSE}
PATIENT_EDITORS = frozenset({Role.CLINICIAN})
# Roles that use the admin site (is_staff follows the roles, never a tick box).
STAFF_SITE_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})
