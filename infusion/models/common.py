"""Field helpers the infusion models share."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _user(verbose_name, related_name="+", **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=verbose_name,
        **kwargs,
    )


def _course(related_name):
    return models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=_("course"),
    )
