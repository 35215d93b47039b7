"""`/fhir/<Resource>` (POST) and `/fhir/<Resource>/<id>` (PUT) for the HIS's interface
account, by token. Errors are FHIR OperationOutcomes."""

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import SecondFactorAwareTokenAuthentication
from core.permissions import is_his_interface

from .fhir import fhir_receive, operation_outcome

FHIR_JSON = "application/fhir+json"


class IsHisInterface(permissions.BasePermission):
    message = "Only the hospital system's interface account may send FHIR resources."

    def has_permission(self, request, view):
        return is_his_interface(request.user)


class FhirResourceView(APIView):
    authentication_classes = [SecondFactorAwareTokenAuthentication]
    permission_classes = [IsHisInterface]
    resource_type = ""

    def handle_exception(self, exc):
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            status, code = 401, "login"
        elif isinstance(exc, exceptions.PermissionDenied):
            status, code = 403, "forbidden"
        elif isinstance(exc, exceptions.MethodNotAllowed):
            status, code = 405, "not-supported"
        else:
            return super().handle_exception(exc)
        response = Response(
            operation_outcome("error", code, str(exc.detail)), status=status, content_type=FHIR_JSON
        )
        if status == 401:
            response["WWW-Authenticate"] = "Token"
        return response

    def _answer(self, request, logical_id: str = "") -> Response:
        _message, status, body = fhir_receive(
            resource_type=self.resource_type, raw=request.body, logical_id=logical_id
        )
        return Response(body, status=status, content_type=FHIR_JSON)


def _schema(resource_type: str, method: str):
    return extend_schema(
        operation_id=f"fhir_{resource_type.lower()}_{method}",
        tags=["FHIR R4 (inbound)"],
        summary=f"{method.upper()} a FHIR R4 {resource_type} from the hospital system",
        request={FHIR_JSON: OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiTypes.OBJECT,
            201: OpenApiTypes.OBJECT,
            202: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
            422: OpenApiTypes.OBJECT,
        },
    )


def resource_views(resource_type: str):
    class Create(FhirResourceView):
        @_schema(resource_type, "post")
        def post(self, request):
            return self._answer(request)

    class Update(FhirResourceView):
        @_schema(resource_type, "put")
        def put(self, request, logical_id):
            return self._answer(request, logical_id)

    Create.resource_type = Update.resource_type = resource_type
    Create.__name__ = f"Fhir{resource_type}Create"
    Update.__name__ = f"Fhir{resource_type}Update"
    return login_not_required(Create.as_view()), login_not_required(Update.as_view())
