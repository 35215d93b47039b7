"""Issue 14 item 6 and issue 20 item 1: idle logout that the Today list's minute refresh
cannot defeat, htmx sent to the login page after expiry, and a lean request: the session is
written at most once a minute and the second-factor answer is remembered in it."""

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from core.middleware import LAST_ACTIVITY_KEY

pytestmark = pytest.mark.django_db

POLL = {"HX-Request": "true", "X-Background-Poll": "1"}
START = "2026-10-01 09:00 +08:00"


def login_at(client, user):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_today_page_marks_its_refresh_as_a_background_poll(client, nurse_ada):
    client.force_login(nurse_ada)
    page = client.get("/monitoring/today/").content.decode()
    assert 'hx-trigger="every 60s"' in page
    assert '"X-Background-Poll": "1"' in page


def test_polls_alone_do_not_keep_a_ward_computer_logged_in(client, nurse_ada):
    with time_machine.travel(START, tick=False) as traveller:
        login_at(client, nurse_ada)
        for _minute in range(31):  # the Today list refreshes every minute for half an hour
            traveller.shift(60)
            response = client.get("/monitoring/today/", headers=POLL)
        assert response.status_code == 401
        assert response["HX-Redirect"].startswith("/accounts/login/?next=/monitoring/today/")
        assert "_auth_user_id" not in client.session
        assert client.get("/monitoring/today/").status_code == 302


def test_real_activity_keeps_the_session(client, nurse_ada):
    with time_machine.travel(START, tick=False) as traveller:
        login_at(client, nurse_ada)
        for _step in range(4):
            traveller.shift(20 * 60)  # a click every 20 minutes, for 80 minutes
            assert client.get("/monitoring/today/").status_code == 200


def test_an_expired_session_sends_htmx_to_the_login_page(client, nurse_ada):
    """Expired in the database (Django's own expiry), not only by the idle clock."""
    from django.contrib.sessions.models import Session

    login_at(client, nurse_ada)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(
        "/monitoring/today/?ward=7a",
        headers={**POLL, "HX-Current-URL": "http://testserver/monitoring/today/?ward=7a"},
    )
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/accounts/login/?next=/monitoring/today/%3Fward%3D7a"
    assert not response.content  # no login form swapped into the list


def test_activity_is_written_at_most_once_a_minute(client, nurse_ada):
    with time_machine.travel(START, tick=False) as traveller:
        login_at(client, nurse_ada)
        first = client.session[LAST_ACTIVITY_KEY]
        traveller.shift(30)
        client.get("/notifications/")
        assert client.session[LAST_ACTIVITY_KEY] == first
        traveller.shift(31)
        client.get("/notifications/")
        assert client.session[LAST_ACTIVITY_KEY] == first + 61
        traveller.shift(120)
        client.get("/monitoring/today/", headers=POLL)
        assert client.session[LAST_ACTIVITY_KEY] == first + 61  # a poll is not activity


@pytest.fixture
def floor_urls():
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield


@pytest.mark.parametrize("role", ["nurse", "administrator"])
def test_the_floor_request_costs_two_queries(
    client, personas, floor_urls, django_assert_max_num_queries, role
):
    """A logged-in GET of a trivial page: the session and the user, nothing else (the
    administrator has passed the second factor)."""
    client.force_login(personas[role])
    assert client.get("/bench/floor/").status_code == 200  # first request notes the answers
    with django_assert_max_num_queries(2):
        assert client.get("/bench/floor/").content == b"floor"
    with django_assert_max_num_queries(2):
        client.get("/bench/floor/")


def test_a_role_change_reaches_a_signed_in_session_within_the_recheck_time(
    client, dr_ben, settings
):
    """The second-factor answer is remembered for SECOND_FACTOR_RECHECK_SECONDS; made
    administrator meanwhile, Dr Ben is asked for a second factor once that time has passed."""
    from django.contrib.auth.models import Group

    with time_machine.travel(START, tick=False) as traveller:
        login_at(client, dr_ben)
        assert client.get("/notifications/").status_code == 200
        dr_ben.groups.add(Group.objects.get(name="administrator"))
        traveller.shift(settings.SECOND_FACTOR_RECHECK_SECONDS + 1)
        response = client.get("/notifications/")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/second-factor/setup/")


def test_a_session_without_the_clock_starts_it_even_on_a_poll(client, nurse_ada):
    """A session from before the deployment is not kept alive for ever by polls."""
    with time_machine.travel(START, tick=False) as traveller:
        login_at(client, nurse_ada)
        session = client.session
        del session[LAST_ACTIVITY_KEY]
        session.save()
        client.get("/monitoring/today/", headers=POLL)
        assert client.session[LAST_ACTIVITY_KEY]
        traveller.shift(31 * 60)
        assert client.get("/monitoring/today/", headers=POLL).status_code == 401
