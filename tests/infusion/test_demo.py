from django.core.management import call_command
from django.utils import timezone

from core.models import User
from infusion import demo
from infusion.models import LymphodepletionPlan, TocilizumabStockCheck


def test_demo_seed_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    staff = {u.username: u for u in User.objects.all()}
    demo.seed(staff=staff, today=timezone.localdate())
    counts = (LymphodepletionPlan.objects.count(), TocilizumabStockCheck.objects.count())
    demo.seed(staff=staff, today=timezone.localdate())
    assert (LymphodepletionPlan.objects.count(), TocilizumabStockCheck.objects.count()) == counts
    assert counts[0] >= 1
