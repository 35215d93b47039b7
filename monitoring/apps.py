from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from core import system_text
        from patients import signals as patient_signals

        from . import stage_entries, today_cache
        from .signals import monitoring_continues_guard
        from .texts import EVENT_TEXTS, GRADING_TEXTS

        system_text.register(GRADING_TEXTS)
        stage_entries.register()
        system_text.register(EVENT_TEXTS)
        today_cache.connect()

        patient_signals.course_stage_changed.connect(
            monitoring_continues_guard, dispatch_uid="monitoring.monitoring_continues_guard"
        )
