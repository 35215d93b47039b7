"""API tokens: obtain one with the password; see and revoke one's own (no one else's)."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import ApiToken


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's description of ``Authorization: Token <key>``."""

    target_class = "core.api.SecondFactorAwareTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ApiTokenSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "active",
        ]
        read_only_fields = fields

    def get_active(self, token) -> bool:
        from django.utils import timezone

        return token.revoked_at is None and token.expires_at > timezone.now()


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.SerializerMethodField()

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields

    def get_token(self, token) -> str:
        return self.context["key"]


def _new_token_response(token, key):
    return Response(NewApiTokenSerializer(token, context={"key": key}).data)


@extend_schema(
    request=TokenRequestSerializer,
    responses={200: NewApiTokenSerializer},
    description=(
        "A new personal token for username and password (the key is shown only here). Wrong "
        "passwords count towards the login lockout. Users who need a second factor get none."
    ),
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def obtain_api_token(request):
    from .second_factor import second_factor_satisfied
    from .services import api_token_create
    from .signatures import authenticate_password

    payload = TokenRequestSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    user = authenticate_password(
        request, payload.validated_data["username"], payload.validated_data["password"]
    )
    if user is None:
        raise ValidationError({"non_field_errors": [_("Unable to log in with these details.")]})
    if not second_factor_satisfied(user, session=None):
        raise PermissionDenied(
            _("This account needs a second factor: create tokens from a verified session.")
        )
    return _new_token_response(*api_token_create(user=user, name=payload.validated_data["name"]))


class OwnApiTokensView(APIView):
    """The signed-in user's own tokens: list, create (from a session, not with a token),
    revoke. Nobody sees another user's tokens, and no key is ever shown again."""

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request):
        tokens = request.user.api_tokens.all()
        return Response(ApiTokenSerializer(tokens, many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={200: NewApiTokenSerializer})
    def post(self, request):
        from .services import api_token_create

        if isinstance(request.auth, ApiToken):
            raise PermissionDenied(_("A token cannot create tokens; sign in on the website."))
        payload = TokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return _new_token_response(
            *api_token_create(user=request.user, name=payload.validated_data["name"])
        )


class OwnApiTokenView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        from django.core.exceptions import ObjectDoesNotExist

        from .services import api_token_revoke

        try:
            api_token_revoke(user=request.user, token_id=pk)
        except ObjectDoesNotExist as error:
            raise NotFound from error
        return Response(status=204)
