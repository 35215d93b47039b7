from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Channel(models.TextChoices):
    HL7_MLLP = "hl7", _("HL7 v2 over MLLP")
    FHIR = "fhir", _("FHIR R4 REST")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Accepted, nothing to do")
    FAILED = "failed", _("Failed (application error)")
    REJECTED = "rejected", _("Rejected (not understood)")
    REVIEW = "review", _("Held for reconciliation")


class InboundMessage(models.Model):
    """Every message the HIS sends, stored raw before anything is done with it, with its
    outcome. A failed message stays here, shown to administrators, and can be replayed."""

    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    raw = models.BinaryField(_("raw bytes"))
    charset = models.CharField(_("character set"), max_length=30, blank=True)
    text = models.TextField(_("message"), blank=True)
    message_type = models.CharField(_("type"), max_length=30, blank=True)
    control_id = models.CharField(_("control ID"), max_length=60, blank=True)
    sending_application = models.CharField(_("sending application"), max_length=60, blank=True)
    mrn = models.CharField(_("MRN"), max_length=30, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.RECEIVED
    )
    ack_code = models.CharField(_("acknowledgement"), max_length=2, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last replayed by"),
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        permissions = [("feed_from_his", _("May send hospital system messages (interface)"))]
        indexes = [
            models.Index(fields=["status", "-received_at"]),
            models.Index(fields=["sending_application", "control_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.message_type or '?'} {self.control_id} ({self.get_status_display()})"


class ReconciliationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Hospital system's values taken")
    KEPT = "kept", _("Our record kept")


class Reconciliation(models.Model):
    """The HIS sent a name or date of birth that differs from our record of the same MRN:
    a person decides; nothing is overwritten on its own."""

    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="reconciliations",
        verbose_name=_("patient"),
    )
    message = models.ForeignKey(
        InboundMessage,
        on_delete=models.PROTECT,
        related_name="reconciliations",
        verbose_name=_("message"),
    )
    differences = models.JSONField(_("differences"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReconciliationStatus.choices,
        default=ReconciliationStatus.OPEN,
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        constraints = [
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(status="open"),
                name="one_open_reconciliation_per_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient.mrn}: {', '.join(self.differences)}"


class HospitalStay(models.Model):
    """An admission as the HIS reports it (visit number PV1-19): admitted, discharged."""

    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="hospital_stays",
        verbose_name=_("patient"),
    )
    visit_number = models.CharField(_("visit number"), max_length=40)
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-admitted_at", "-id"]
        verbose_name = _("hospital stay")
        verbose_name_plural = _("hospital stays")
        constraints = [
            models.UniqueConstraint(fields=["patient", "visit_number"], name="one_stay_per_visit")
        ]

    def __str__(self) -> str:
        return f"{self.visit_number} ({self.admitted_at:%Y-%m-%d})" if self.admitted_at else ""


class WardCode(models.Model):
    """The HIS's point-of-care code (PV1-3.1, Location) for one of our wards, when it differs
    from the ward's own code. Edited by administrators."""

    his_code = models.CharField(_("HIS location code"), max_length=40, unique=True)
    ward = models.ForeignKey(
        "core.Ward", on_delete=models.PROTECT, related_name="+", verbose_name=_("ward")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["his_code"]
        verbose_name = _("HIS ward code")
        verbose_name_plural = _("HIS ward codes")

    def __str__(self) -> str:
        return f"{self.his_code} → {self.ward}"


class LocalLabCode(models.Model):
    """The laboratory's own code for a test (monitoring, screening, pre-collection counts),
    for results sent without LOINC (OBX-3 local code). Edited by administrators."""

    local_code = models.CharField(_("laboratory code"), max_length=40, unique=True)
    analyte = models.CharField(
        _("test"),
        max_length=12,
        choices=[
            ("crp", "CRP"),
            ("ferritin", _("Ferritin")),
            ("fibrinogen", _("Fibrinogen")),
            ("anc", "ANC"),
            ("platelets", _("Platelets")),
            ("haemoglobin", _("Haemoglobin")),
            ("alc", "ALC"),
            ("cd3", "CD3+"),
            ("ldh", "LDH"),
            ("bilirubin", _("Bilirubin")),
            ("alt", "ALT"),
            ("ast", "AST"),
            ("crcl", _("Creatinine clearance")),
        ],
    )
    unit = models.CharField(
        _("unit when the result has none"), max_length=20, blank=True, help_text=_("UCUM unit")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["local_code"]
        verbose_name = _("laboratory code")
        verbose_name_plural = _("laboratory codes")

    def __str__(self) -> str:
        return f"{self.local_code} → {self.get_analyte_display()}"
