from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class HospitalDirectoryValidator(OAuth2Validator):
    # Every claim below goes into the ID token and the userinfo answer, whatever the scope.
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        person = settings.IDP_PEOPLE[request.user.username]
        return {
            "preferred_username": request.user.username,
            "email": person.get("email", ""),
            "given_name": person.get("given_name", ""),
            "family_name": person.get("family_name", ""),
            "groups": person.get("groups", []),
            "amr": person.get("amr", ["pwd"]),
            "locale": person.get("locale", "en-GB"),
        }
