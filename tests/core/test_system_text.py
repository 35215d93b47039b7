"""core.system_text: codes with parameters, rendered in the reader's language (issue 17)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.utils.translation import gettext, override

from core import system_text
from core.system_text import SystemText

# Test codes reuse wording the catalogue already translates.
system_text.register(
    {
        "tests.crs_was": "CRS grade %(new)s (was %(old)s)",
        "tests.icans_was": "ICANS grade %(new)s (was %(old)s)",
        "tests.because": "because: %(why)s",
    }
)


def test_a_stored_text_is_said_in_the_readers_language() -> None:
    stored = system_text.text("tests.crs_was", new=2, old=0).as_json()
    assert stored == {"code": "tests.crs_was", "params": {"new": 2, "old": 0}}
    with override("en"):
        assert system_text.say(stored) == "CRS grade 2 (was 0)"
    with override("zh-hans"):
        assert system_text.say(stored) == "CRS 2 级（原为 0 级）"
    with override("zh-hans"):
        assert system_text.english(stored) == "CRS grade 2 (was 0)"


def test_nested_texts_and_lists() -> None:
    inner = system_text.text("tests.icans_was", new=1, old=0)
    outer = system_text.text("tests.because", why=inner)
    with override("en"):
        assert system_text.say(outer.as_json()) == "because: ICANS grade 1 (was 0)"
        both = [inner.as_json(), outer.as_json()]
        assert system_text.say(both) == "ICANS grade 1 (was 0); because: ICANS grade 1 (was 0)"
    with override("zh-hans"):
        assert system_text.say(outer) == "原因：ICANS 1 级（原为 0 级）"
    assert system_text.say(None) == "" and system_text.say([]) == ""


def test_an_unknown_code_is_refused_when_written_and_shown_when_read() -> None:
    with pytest.raises(KeyError):
        system_text.text("no.such.code")
    assert system_text.say({"code": "gone.code", "params": {"n": 3}}) == "gone.code (n=3)"


def test_one_code_one_wording() -> None:
    with pytest.raises(ImproperlyConfigured):
        system_text.register({"tests.because": "something else: %(why)s"})


def test_the_template_filter() -> None:
    stored = SystemText("tests.crs_was", {"new": 3, "old": 2}).as_json()
    with override("en"):
        html = Template("{% load system_text %}{{ r|say }}").render(Context({"r": stored}))
    assert html == "CRS grade 3 (was 2)"


def test_every_registered_text_has_a_chinese_translation() -> None:
    """Chinese all the way down: a code whose wording has no zh-hans translation fails here,
    named. (Wording that is the same in both languages, a bare number or unit, is not a text.)"""
    with override("zh-hans"):
        missing = sorted(
            code for code, msgid in system_text.codes().items() if gettext(msgid) == msgid
        )
    assert missing == []
