"""MDT decisions on a screening."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager
from core.signatures import signable
from eligibility import rules
from patients.models import TreatmentCourse

from .screening import ScreeningAssessment

# --- MDT decision ---------------------------------------------------------------------------


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")
    DEFER = "defer", _("Defer")


class RuleResult(models.TextChoices):
    ELIGIBLE = rules.ELIGIBLE, _("Eligible")
    NOT_ELIGIBLE = rules.NOT_ELIGIBLE, _("Not eligible")
    INCOMPLETE = rules.INCOMPLETE, _("Incomplete")


@signable(
    "course",
    "assessment",
    "decision",
    "decided_on",
    "rule_result",
    "criteria_snapshot",
    "justification",
    "attendees",
)
class MdtDecision(models.Model):
    """The multidisciplinary team's decision, with the rule result it was taken on."""

    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.PROTECT,
        related_name="mdt_decisions",
        verbose_name=_("course"),
    )
    assessment = models.ForeignKey(
        ScreeningAssessment,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("screening"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decided_on = models.DateField(_("MDT date"))
    rule_result = models.CharField(
        _("rule result at decision"), max_length=20, choices=RuleResult.choices
    )
    # The criteria table as it stood when the team decided (thresholds and labs may change).
    criteria_snapshot = models.JSONField(_("criteria at decision"), default=list)
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_("Required to approve a screening that is incomplete or not eligible."),
    )
    attendees = models.CharField(_("MDT members present"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("MDT decision")
        verbose_name_plural = _("MDT decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision=Decision.APPROVE)
                | Q(rule_result=RuleResult.ELIGIBLE)
                | ~Q(justification=""),
                name="mdt_approval_against_rules_justified",
                violation_error_message=_(
                    "Approving a screening that is not eligible or incomplete needs a "
                    "written justification."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.decided_on})"
