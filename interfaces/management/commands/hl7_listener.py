from django.conf import settings
from django.core.management.base import BaseCommand

from interfaces.listener import make_server
from interfaces.services import interface_account


class Command(BaseCommand):
    help = "Listen for HL7 v2 messages from the HIS over MLLP (ADT A01-A08/A40, ORU R01)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.HL7_LISTENER_HOST)
        parser.add_argument("--port", type=int, default=settings.HL7_LISTENER_PORT)

    def handle(self, *args, host, port, **options):
        account = interface_account()  # so a FHIR token can be made for it at once
        server = make_server(host, port)
        self.stdout.write(
            f"HL7 MLLP listener on {host}:{server.server_address[1]} as {account.username}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
