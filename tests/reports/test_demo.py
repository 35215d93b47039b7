import pytest

from reports import demo
from reports.models import ExportJob, ExportLog

pytestmark = pytest.mark.django_db


def test_seed_makes_one_finished_registry_export(programme, admin_alex, dr_ben, media):
    staff = {"alex": admin_alex, "ben": dr_ben}
    demo.seed(staff=staff, today=programme["a"].day0_date)
    demo.seed(staff=staff, today=programme["a"].day0_date)
    job = ExportJob.objects.get()
    assert (job.status, job.dataset, job.row_count) == ("done", "registry", 2)
    assert (media / job.file_path).is_file()
    assert ExportLog.objects.get().row_count == 2
