from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowUpConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        from core import system_text
        from patients import signals as patient_signals

        from . import stage_entries
        from .signals import follow_course_stage, realign_after_day0_change
        from .texts import TEXTS

        stage_entries.register()
        system_text.register(TEXTS)

        patient_signals.course_stage_changed.connect(
            follow_course_stage, dispatch_uid="followup.follow_course_stage"
        )
        # A corrected Day 0 (infusion.services.day0_correct) moves the visits not yet done.
        patient_signals.course_day0_changed.connect(
            realign_after_day0_change, dispatch_uid="followup.realign_after_day0_change"
        )
