import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cart_workflow.settings")

app = Celery("cart_workflow")
# Every Celery setting, the beat schedule included, lives in Django settings under CELERY_.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
