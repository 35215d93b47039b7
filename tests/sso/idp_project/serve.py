"""Run the test identity provider: migrate a fresh SQLite file, create the people and the
relying party from the environment, serve on 127.0.0.1 at a free port and print the port.

Environment: IDP_DB, IDP_RSA_PRIVATE_KEY, IDP_PEOPLE (JSON), IDP_CLIENT_ID,
IDP_CLIENT_SECRET, IDP_REDIRECT_URIS (space-separated)."""

import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idp_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    call_command("migrate", verbosity=0)
    for username, person in settings.IDP_PEOPLE.items():
        User.objects.create_user(username=username, password=person["password"])
    get_application_model().objects.create(
        name="CAR-T workflow",
        client_id=os.environ["IDP_CLIENT_ID"],
        client_secret=os.environ["IDP_CLIENT_SECRET"],
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris=os.environ["IDP_REDIRECT_URIS"],
        algorithm="RS256",
        skip_authorization=True,
    )
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), ThreadingServer, handler_class=QuietHandler
    )
    print(server.server_port, flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
