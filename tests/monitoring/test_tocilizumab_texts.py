"""Issue 17: the tocilizumab calculation and the limit's refusal in the reader's language."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from monitoring.models import Intervention

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.deactivate()  # a Chinese reader's request leaves Chinese active in the thread


def _form(client, user, course):
    client.force_login(user)
    return reverse("monitoring:intervention_new", args=[course.pk])


def test_the_calculation_in_english(client, monitored, nurse_ada):
    page = client.get(_form(client, nurse_ada, monitored)).content.decode()
    assert "8 mg/kg × 70 kg = 560 mg; rounded to 560 mg (nearest 1 mg)" in page


def test_the_calculation_and_a_refusal_in_chinese(client, monitored, nurse_ada):
    nurse_ada.language = "zh-hans"
    nurse_ada.save(update_fields=["language"])
    url = _form(client, nurse_ada, monitored)
    page = client.get(url).content.decode()
    assert "8 mg/kg × 体重 70 kg = 560 mg；取整为 560 mg（按 1 mg 取整）" in page
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    data = {"kind": "tocilizumab", "dose_mg": "560", "given_at": now}
    client.post(url, data)
    assert Intervention.objects.filter(course=monitored, kind="tocilizumab").count() == 1
    page = client.post(url, data).content.decode()
    assert "距上一剂仅 0 小时；至少需间隔 8 小时。" in page
    assert "since the previous dose" not in page
