"""Data for deploy/local_stack.sh's checks (run with `manage.py shell`): known passwords for
two demo users and one course whose MDT approved it, ready for its consent upload.
Development only: it uses the test suite's helpers. Prints the course id."""

import time_machine

from core.models import User
from tests.eligibility.conftest import NOW, approved_course
from tests.factories import PASSWORD, PatientFactory

for username in ("ben", "cara", "ada"):
    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
ben = User.objects.get(username="ben")
with time_machine.travel(NOW, tick=False):
    patient = PatientFactory(mrn="DEPLOY-CHECK-1")
    course = approved_course(patient, ben)
print(f"COURSE_ID={course.pk}")
