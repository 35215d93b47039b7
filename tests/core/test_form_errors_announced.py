"""Issue 17: a refused save is announced (WCAG 2.1 SC 3.3.1, 4.1.2). The summary is an alert,
each invalid field says so (aria-invalid) and names its error (aria-describedby), and every
id it names is on the page: Django's widgets name "<id>_error" and "<id>_helptext", the shared
field templates must give those ids to the error and the help text."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from tests.patients.test_views import patient_form

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.ids: dict[str, list] = {}
        self.elements: list[dict] = []
        self._open: list[str] = []
        self._text: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] = attrs
            self._text[attrs["id"]] = ""
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.append(attrs.get("id", ""))

    def handle_endtag(self, tag):
        if self._open and tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self._text[element_id] += data

    def text(self, element_id: str) -> str:
        return " ".join(self._text.get(element_id, "").split())

    def described(self, element_id: str) -> list[str]:
        return (self.ids[element_id].get("aria-describedby") or "").split()

    def dangling_references(self) -> list[str]:
        return [
            f"{e.get('name') or e.get('id')} -> {ref}"
            for e in self.elements
            for ref in (e.get("aria-describedby") or "").split()
            if ref not in self.ids
        ]


def test_a_refused_patient_form_ties_each_error_to_its_field(client, dr_ben, ward_7a):
    client.force_login(dr_ben)
    body = client.post(
        reverse("patients:create"), patient_form(ward_7a, dr_ben, mrn="", weight_kg="900")
    ).content.decode()
    page = _Page(body)
    assert re.search(r'role="alert"[^>]*>\s*Nothing was saved', body)
    assert page.ids["id_mrn"].get("aria-invalid") == "true"
    assert "id_mrn_error" in page.described("id_mrn")
    assert "This field is required." in page.text("id_mrn_error")
    assert "Weight must be between" in page.text(page.described("id_weight_kg")[-1])
    # A valid field is not marked invalid.
    assert "aria-invalid" not in page.ids["id_family_name"]
    assert page.dangling_references() == []


def test_help_text_is_described_and_found(client, dr_ben, ward_7a):
    """A help text's id (named by the widget whether or not the field is invalid)."""

    class Form(forms.Form):
        weight_kg = forms.DecimalField(label="Weight (kg)", help_text="Today's weight.")
        secret = forms.CharField(widget=forms.HiddenInput)

    form = Form(data={"weight_kg": "heavy"})
    html = render_to_string("includes/form_fields.html", {"form": form})
    page = _Page(html)
    assert page.described("id_weight_kg") == ["id_weight_kg_helptext", "id_weight_kg_error"]
    assert page.text("id_weight_kg_helptext") == "Today's weight."
    assert page.text("id_weight_kg_error") == "Enter a number."
    # A hidden field's error has no field to sit under: the summary says it.
    assert re.search(r'role="alert">[^<]*Nothing was saved.*This field is required', html, re.S)
    assert page.dangling_references() == []


def test_a_wrong_password_marks_both_fields_and_names_the_error(client, dr_ben):
    body = client.post(
        reverse("login"), {"username": dr_ben.username, "password": "not it"}
    ).content.decode()
    page = _Page(body)
    for field in ("id_username", "id_password"):
        assert page.ids[field].get("aria-invalid") == "true"
        assert page.described(field) == ["login_error"]
    assert "did not match" in page.text("login_error")
    assert page.ids["login_error"].get("role") == "alert"


def test_the_login_page_before_an_attempt_marks_nothing_invalid(client):
    page = _Page(client.get(reverse("login")).content.decode())
    assert "aria-invalid" not in page.ids["id_username"]
    assert page.dangling_references() == []
