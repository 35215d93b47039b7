"""Account management through the API, under the same rules as the pages (core.role_grants):
role requests decided by a second administrator, revocations, one-time password-reset links.
No endpoint sets a password, superuser or staff status, groups or permissions directly."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import role_grants
from .models import RoleGrantRequest, User, Ward
from .permissions import can_manage_accounts
from .roles import Role


class ManagesAccounts(permissions.BasePermission):
    message = "Only administrators manage accounts."

    def has_permission(self, request, view):
        return can_manage_accounts(request.user)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error) or None) from None
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {k: [str(m) for e in v for m in e.messages] for k, v in error.error_dict.items()}
            ) from None
        raise ValidationError({"non_field_errors": error.messages}) from None


class RoleGrantRequestSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    wards = serializers.SlugRelatedField(
        slug_field="code", queryset=Ward.objects.all(), many=True, required=False
    )

    class Meta:
        model = RoleGrantRequest
        fields = [
            "id",
            "user",
            "role",
            "wards",
            "reason",
            "state",
            "requested_by",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["state", "requested_by", "decided_by", "decided_at", "created_at"]


class RoleRevokeSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)
    reason = serializers.CharField()


class RoleGrantRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Role requests: an administrator asks (POST), a second one approves or refuses; a role
    is applied only on approval. Revocations are applied at once and listed here too."""

    serializer_class = RoleGrantRequestSerializer
    permission_classes = [ManagesAccounts]
    filterset_fields = ["state", "role"]
    queryset = RoleGrantRequest.objects.select_related(
        "user", "requested_by", "decided_by"
    ).prefetch_related("wards")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = _call(
            role_grants.role_grant_request,
            by=self.request.user,
            user=data["user"],
            role=data["role"],
            wards=data.get("wards", []),
            reason=data.get("reason", ""),
        )

    def _decide(self, request, pk, approve: bool):
        grant = get_object_or_404(RoleGrantRequest, pk=pk)
        grant = _call(
            role_grants.role_grant_decide, by=request.user, grant_id=grant.pk, approve=approve
        )
        return Response(self.get_serializer(grant).data)

    @extend_schema(request=None, responses={200: RoleGrantRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """A second administrator approves: the role is applied now."""
        return self._decide(request, pk, approve=True)

    @extend_schema(request=None, responses={200: RoleGrantRequestSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._decide(request, pk, approve=False)

    @extend_schema(request=RoleRevokeSerializer, responses={201: RoleGrantRequestSerializer})
    @action(detail=False, methods=["post"])
    def revoke(self, request):
        """Take a role away from someone else at once; recorded as a revoked request."""
        payload = RoleRevokeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = _call(role_grants.role_revoke, by=request.user, **payload.validated_data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class PasswordResetLinkView(APIView):
    """Issue a one-time password-reset link for another member of staff. It is e-mailed to
    her when she has an address (the answer then does not contain it), else returned once."""

    permission_classes = [ManagesAccounts]

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "PasswordResetLink",
                {"emailed": serializers.BooleanField(), "link": serializers.CharField()},
            )
        },
    )
    def post(self, request, pk):
        user = get_object_or_404(User, pk=pk)
        link, emailed = _call(
            role_grants.password_reset_link_issue,
            by=request.user,
            user=user,
            base_url=request.build_absolute_uri("/"),
        )
        response = Response(
            {"emailed": emailed, "link": "" if emailed else link}, status=status.HTTP_201_CREATED
        )
        response["Cache-Control"] = "no-store"
        return response
