"""Personas of the ward, as the house style asks: every test speaks of real roles."""

import pytest
from hypothesis import settings as hypothesis_settings

from core.roles import Role
from tests.factories import PatientFactory, UserFactory, WardFactory

# Property tests check rules, not speed: hypothesis' per-example deadline (200 ms) fails them
# at random on a busy two-core machine. Speed is measured by bench/, never by tests.
hypothesis_settings.register_profile("cart", deadline=None)
hypothesis_settings.load_profile("cart")


# The database as migrations left it (roles, product catalogue, every table a data migration
# seeds), taken once per session. Tests that run in a transaction roll back and leave it as it
# is; a transactional test (browser, worker) ends with a flush that empties every table, so the
# next database test first puts this state back. Seeding before every test instead cost about
# a hundred queries a test.
_migrated_state: dict = {"snapshot": None, "flushed": False}


def ensure_reference_data() -> None:
    """Put the database back as migrations left it: empty every table, then load the rows
    the migrations made (content types and permissions keep their ids)."""
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(_migrated_state["snapshot"])


@pytest.fixture(scope="session")
def _migrated_snapshot(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        _migrated_state["snapshot"] = connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language. LocaleMiddleware activates a zh-hans reader's
    language in the thread and nothing deactivates it, so without this a Chinese request in one
    test would leave Chinese active for the tests that follow it."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = names & {"transactional_db", "live_server"} or (
        marker and marker.kwargs.get("transaction")
    )
    if not (transactional or "db" in names or marker):
        return
    request.getfixturevalue("_migrated_snapshot")
    if _migrated_state["flushed"]:
        with django_db_blocker.unblock():
            ensure_reference_data()
        _migrated_state["flushed"] = False
    if transactional:
        # Its teardown flushes every table: the next database test restores them first.
        _migrated_state["flushed"] = True
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")


@pytest.fixture
def ward_7a(db):
    return WardFactory(code="7a", name="Haematology 7A")


@pytest.fixture
def ward_7b(db):
    return WardFactory(code="7b", name="Haematology 7B")


@pytest.fixture
def dr_ben(db):
    """Dr Ben, attending clinician: sees the whole programme, decides."""
    return UserFactory(username="ben", first_name="Ben", last_name="Li", roles=[Role.CLINICIAN])


@pytest.fixture
def nurse_ada(ward_7a):
    """Nurse Ada on ward 7A."""
    return UserFactory(
        username="ada", first_name="Ada", last_name="Chen", roles=[Role.NURSE], wards=[ward_7a]
    )


@pytest.fixture
def nurse_eve(ward_7a):
    """Eve, a second nurse on ward 7A: the second person of a two-person bag check."""
    return UserFactory(
        username="eve", first_name="Eve", last_name="Wang", roles=[Role.NURSE], wards=[ward_7a]
    )


@pytest.fixture
def nurse_dan(ward_7b):
    """Dan, a nurse on another ward, who must be refused ward 7A's patients."""
    return UserFactory(
        username="dan", first_name="Dan", last_name="Zhou", roles=[Role.NURSE], wards=[ward_7b]
    )


@pytest.fixture
def coordinator_cai(db):
    return UserFactory(
        username="cai", first_name="Cai", last_name="Luo", roles=[Role.APHERESIS_COORDINATOR]
    )


@pytest.fixture
def pharmacist_pan(db):
    return UserFactory(username="pan", first_name="Pan", last_name="Xu", roles=[Role.PHARMACIST])


@pytest.fixture
def admin_alex(db):
    return UserFactory(
        username="alex",
        first_name="Alex",
        last_name="He",
        roles=[Role.ADMINISTRATOR],
        is_staff=True,
    )


@pytest.fixture
def auditor_cara(db):
    return UserFactory(
        username="cara", first_name="Cara", last_name="Tang", roles=[Role.AUDITOR], is_staff=True
    )


@pytest.fixture
def personas(
    dr_ben, nurse_ada, nurse_dan, coordinator_cai, pharmacist_pan, admin_alex, auditor_cara
):
    return {
        "clinician": dr_ben,
        "nurse": nurse_ada,
        "other_nurse": nurse_dan,
        "apheresis_coordinator": coordinator_cai,
        "pharmacist": pharmacist_pan,
        "administrator": admin_alex,
        "auditor": auditor_cara,
    }


@pytest.fixture
def patient_7a(ward_7a, dr_ben):
    """Mrs Liu on ward 7A, Dr Ben's patient."""
    return PatientFactory(
        mrn="CQ7A0001",
        family_name="Liu",
        given_name="Fang",
        ward=ward_7a,
        attending_clinician=dr_ben,
    )


@pytest.fixture
def patient_7b(ward_7b, dr_ben):
    return PatientFactory(
        mrn="CQ7B0001",
        family_name="Zhao",
        given_name="Wei",
        ward=ward_7b,
        attending_clinician=dr_ben,
    )


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary folder, never into the project."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def verify_second_factor(client, user) -> None:
    """Mark the client's session as having passed the second factor, as the OTP page does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def client(client):
    """Django's test client; force_login also passes the second factor when the user's role
    needs one (tests of the second factor itself log in through the real pages)."""
    from core.middleware import needs_second_factor

    original = client.force_login

    def force_login(user, backend=None):
        original(user, backend)
        if needs_second_factor(user):
            verify_second_factor(client, user)

    client.force_login = force_login
    return client
