from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfusionConfig(AppConfig):
    name = "infusion"
    verbose_name = _("Infusion")

    def ready(self) -> None:
        from core import system_text
        from patients import signals as patient_signals

        from . import stage_entries
        from .signals import gate_guard
        from .texts import EVENT_TEXTS, TEXTS

        stage_entries.register()
        system_text.register(TEXTS)
        system_text.register(EVENT_TEXTS)

        # The receiver does nothing until settings.INFUSION_GATE_ENFORCED is true.
        patient_signals.course_stage_changed.connect(gate_guard, dispatch_uid="infusion.gate_guard")
