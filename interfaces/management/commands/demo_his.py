import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.models import Ward
from interfaces.demo_his import Demo, send, stream
from patients.models import Patient


class Command(BaseCommand):
    help = (
        "A demo hospital system: sends ADT (admit, update, transfer) and ORU (labs) messages "
        "to the HL7 listener, round after round."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.HL7_LISTENER_HOST)
        parser.add_argument("--port", type=int, default=settings.HL7_LISTENER_PORT)
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--attending", default="ben", help="clinician username for PV1-7")

    def handle(self, *args, host, port, rounds, interval, attending, **options):
        # The demo HIS knows who is on the monitoring wards, as a real one would.
        monitored = list(
            Patient.objects.filter(
                courses__stage="monitoring", merged_into__isnull=True
            ).values_list("mrn", "ward__code")[:4]
        )
        demo = Demo(
            monitored=monitored,
            wards=list(Ward.objects.filter(active=True).values_list("code", flat=True)) or ["7a"],
            attending=attending,
            run_id=timezone.now().strftime("%H%M%S"),
        )
        for round_no in range(rounds):
            for label, message in stream(demo, round_no, timezone.localtime()):
                answer = send(host, port, message)
                self.stdout.write(f"{label}: {answer}")
            if round_no + 1 < rounds:
                time.sleep(interval)
