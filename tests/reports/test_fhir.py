"""The FHIR bundle of a course validates with fhir.resources and carries the course."""

import pytest

pytest.importorskip("fhir.resources")

from pydantic import ValidationError  # noqa: E402

from reports import fhir  # noqa: E402

pytestmark = pytest.mark.django_db


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_of_the_responder_validates(programme):
    bundle = fhir.course_bundle(programme["a"])
    model = fhir.validate_bundle(bundle)
    assert model.type == "collection" and len(model.entry) == len(bundle["entry"])
    [patient] = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == "CQ7A0001"
    assert (patient["gender"], patient["birthDate"]) == ("female", "1970-05-17")
    [condition] = resources(bundle, "Condition")
    assert condition["code"]["coding"][0]["code"] == "C83.3"
    procedures = {p["code"]["coding"][0]["code"]: p for p in resources(bundle, "Procedure")}
    assert procedures["car-t-infusion"]["performedDateTime"] == "2026-03-02"
    assert procedures["lymphodepletion"]["performedDateTime"] == "2026-02-25"
    assert "axicabtagene ciloleucel" in procedures["car-t-infusion"]["usedCode"][0]["text"]
    medications = resources(bundle, "MedicationAdministration")
    assert [
        (m["medicationCodeableConcept"]["text"], m["dosage"]["dose"]["value"]) for m in medications
    ] == [
        ("tocilizumab", 560.0),
        ("dexamethasone", 10.0),
    ]
    assert medications[0]["effectiveDateTime"] == "2026-03-03T11:00:00+08:00"
    observations = {o["code"]["coding"][0]["code"]: o for o in resources(bundle, "Observation")}
    assert observations["crs-max-grade"]["valueInteger"] == 2
    assert observations["icans-max-grade"]["valueInteger"] == 0
    assert observations["best-overall-response"]["valueCodeableConcept"]["text"] == (
        "Complete response"
    )
    assert (
        len(
            [
                o
                for o in resources(bundle, "Observation")
                if o["code"]["coding"][0]["code"] == "lugano-response"
            ]
        )
        == 3
    )
    # Every reference points at an entry of the bundle.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for entry in bundle["entry"]:
        subject = entry["resource"].get("subject")
        assert subject is None or subject["reference"] in urls


def test_a_course_not_yet_infused_validates_without_an_infusion_date(programme):
    bundle = fhir.course_bundle(programme["c"])
    fhir.validate_bundle(bundle)
    [procedure] = resources(bundle, "Procedure")
    assert procedure["status"] == "preparation" and "performedDateTime" not in procedure
    assert not resources(bundle, "Observation")


@pytest.mark.parametrize(
    "kind, field, value",
    [("Patient", "birthDate", "30/05/1970"), ("Observation", "status", None)],
)
def test_an_invalid_bundle_is_refused(programme, kind, field, value):
    bundle = fhir.course_bundle(programme["b"])
    resource = resources(bundle, kind)[0]
    if value is None:
        del resource[field]
    else:
        resource[field] = value
    with pytest.raises(ValidationError):
        fhir.validate_bundle(bundle)
