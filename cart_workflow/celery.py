import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cart_workflow.settings")

app = Celery("cart_workflow")
# Every Celery setting, the beat schedule included, lives in Django settings under CELERY_.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**kwargs) -> None:
    """Worker and beat log through Django's LOGGING (one JSON format with the web), instead
    of Celery's own plain-text setup."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


_task_tokens: dict = {}


@task_prerun.connect
def _task_id_in_logs(task_id=None, **kwargs) -> None:
    from core.request_context import task_id_var

    _task_tokens[task_id] = task_id_var.set(task_id or "-")


@task_postrun.connect
def _task_id_out_of_logs(task_id=None, **kwargs) -> None:
    from core.request_context import task_id_var

    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            task_id_var.reset(token)
        except ValueError:  # ended in another context (thread pool): just clear it
            task_id_var.set("-")
