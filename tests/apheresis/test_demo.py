import pytest

from apheresis import demo, selectors
from apheresis.models import ChainOfIdentity, Collection, CollectionSchedule, ProductReceipt
from tests.apheresis.conftest import TODAY, consented_course
from tests.factories import PatientFactory, course_at_stage

pytestmark = pytest.mark.django_db


def test_demo_books_collects_and_stores_once(
    frozen, dr_ben, coordinator_cai, ward_7a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    consented = [consented_course(PatientFactory(ward=ward_7a), dr_ben) for _ in range(2)]
    in_apheresis = [consented_course(PatientFactory(ward=ward_7a), dr_ben) for _ in range(2)]
    for course in in_apheresis:
        course_at_stage(by=coordinator_cai, course=course, to_stage="apheresis")
    staff = {"cai": coordinator_cai, "ben": dr_ben}
    demo.seed(staff=staff, today=TODAY)
    demo.seed(staff=staff, today=TODAY)

    assert ChainOfIdentity.objects.count() == 4
    assert CollectionSchedule.objects.filter(status="planned").count() == 2
    blocked = CollectionSchedule.objects.get(course=consented[0])
    assert [r.check.code for r in selectors.schedule_check_rows(blocked) if r.blocks] == [
        "alc",
        "cd3",
        "venous_access",
    ]
    assert Collection.objects.count() == 2
    stored = ProductReceipt.objects.get().collection
    assert selectors.effective_steps(stored)[-1].kind == "stored"
    stored.course.refresh_from_db()
    assert stored.course.stage == "manufacturing"
    board = selectors.coordinator_board(coordinator_cai)
    assert len(board["upcoming"]) == 2
    assert len(board["awaiting_shipment"]) == 1 and len(board["in_storage"]) == 1
