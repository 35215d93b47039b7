"""Issue 17: the catalogue's seeded English (indications, their doses, the lymphodepletion
regimens' names and notes) is shown in the reader's language; an administrator's own wording
is shown as typed."""

import importlib

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, override

from catalogue.models import ProductIndication
from catalogue.regimens import REGIMENS
from catalogue.texts import SEEDED, seeded_text
from tests.eligibility.conftest import frozen, screened_course

__all__ = ["frozen"]  # the screening fixtures' clock, used below


def _seeded_rows() -> set[str]:
    """What the migrations and the regimen table seed, read from them."""
    first = importlib.import_module("eligibility.migrations.0002_catalogue_and_thresholds")
    labels = importlib.import_module("eligibility.migrations.0004_indications_current_labels")
    texts = set()
    for row in first.INDICATIONS:
        texts.update((row[2], row[12]))
    texts.update(changes["description"] for *_, changes in labels.UPDATES)
    for row in labels.NEW:
        texts.update((row[2], row[6]))
    for regimen in REGIMENS.values():
        texts.update(t for t in (regimen.name, regimen.note) if t)
    return texts


def test_every_seeded_text_is_known_and_has_a_chinese_translation():
    seeded = _seeded_rows()
    assert seeded - SEEDED == set()
    with override("zh-hans"):
        untranslated = sorted(text for text in SEEDED if gettext(text) == text)
    assert untranslated == []


def test_an_administrators_wording_is_shown_as_typed():
    with override("zh-hans"):
        assert seeded_text("LBCL after ≥ 2 lines of systemic therapy") == (
            "LBCL，既往 ≥ 2 线系统治疗后"
        )
        # A text that happens to be a msgid elsewhere is still an administrator's words.
        assert seeded_text("Fludarabine") == "Fludarabine"
        assert seeded_text("LBCL after 2 or more lines (our wording)") == (
            "LBCL after 2 or more lines (our wording)"
        )
    with override("en"):
        assert seeded_text("Per label — confirm") == "Per label — confirm"


@pytest.mark.django_db
def test_the_screening_page_shows_the_indication_in_the_readers_language(
    client, frozen, dr_ben, patient_7a
):
    course = screened_course(patient_7a, dr_ben)
    edited = ProductIndication.objects.get(product=course.product, diagnosis="FL", active=True)
    edited.description = "Our own wording of this indication"
    edited.save()
    dr_ben.language = "zh-hans"
    dr_ben.save(update_fields=["language"])
    client.force_login(dr_ben)
    try:
        page = client.get(reverse("eligibility:course", args=[course.pk])).content.decode()
    finally:
        translation.deactivate()  # the request left Chinese active in this thread
    assert "LBCL，既往 ≥ 2 线系统治疗后" in page
    assert "2 × 10⁶ 个 CAR+ T 细胞/kg，最多 2 × 10⁸ 个" in page
    assert "Our own wording of this indication" in page
    assert "LBCL after ≥ 2 lines of systemic therapy" not in page
