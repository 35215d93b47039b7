from django.core.management.base import BaseCommand
from django.db import transaction

from core.models import ApiToken
from core.services import api_token_create, api_token_revoke
from interfaces.services import interface_account


class Command(BaseCommand):
    help = (
        "Create a FHIR API token for the HIS interface account (created if missing), revoke "
        "its earlier tokens, and print the new key once. Tokens expire after API_TOKEN_DAYS: "
        "run again to rotate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", default="HIS FHIR feed")
        parser.add_argument(
            "--keep-old", action="store_true", help="leave earlier tokens working (overlap)"
        )

    @transaction.atomic
    def handle(self, *args, name, keep_old, **options):
        account = interface_account()
        earlier = list(
            ApiToken.objects.filter(user=account, revoked_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        token, key = api_token_create(user=account, name=name)
        if not keep_old:
            for token_id in earlier:
                api_token_revoke(user=account, token_id=token_id)
        self.stderr.write(
            f"Token for {account.username}, expires {token.expires_at:%Y-%m-%d}"
            f"{'' if keep_old else f'; {len(earlier)} earlier revoked'}; shown once:"
        )
        self.stdout.write(key)
