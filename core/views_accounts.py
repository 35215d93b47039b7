"""Pages of account management: role requests (ask, approve, refuse, revoke) and one-time
password-reset links (issue 14, item 3). The rules are in core.role_grants."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import role_grants
from .forms import BootstrapFormMixin, add_service_errors
from .models import RoleGrantRequest, RoleGrantState, User, Ward
from .permissions import can_manage_accounts, require
from .roles import Role

RECENT = 50


class RoleRequestForm(BootstrapFormMixin, forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Member of staff"), queryset=User.objects)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    wards = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Wards (nurses only)"),
        queryset=Ward.objects.filter(active=True),
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        # Nobody asks for a role for himself: he is not offered.
        self.fields["user"].queryset = User.objects.filter(is_active=True).exclude(pk=by.pk)


class RoleRevokeForm(BootstrapFormMixin, forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Member of staff"), queryset=User.objects)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.exclude(pk=by.pk)


def _page(request, *, request_form=None, revoke_form=None, status=200):
    initial = {"user": request.GET.get("user")} if request.GET.get("user", "").isdigit() else {}
    requests = RoleGrantRequest.objects.select_related("user", "requested_by", "decided_by")
    return render(
        request,
        "core/role_requests.html",
        {
            "request_form": request_form or RoleRequestForm(by=request.user, initial=initial),
            "revoke_form": revoke_form or RoleRevokeForm(by=request.user, initial=initial),
            "pending": requests.filter(state=RoleGrantState.PENDING).prefetch_related("wards"),
            "recent": requests.exclude(state=RoleGrantState.PENDING).prefetch_related("wards")[
                :RECENT
            ],
        },
        status=status,
    )


def role_requests(request):
    """Pending role requests to decide, recent decisions, and the forms to ask or revoke."""
    require(can_manage_accounts(request.user))
    if request.method != "POST":
        return _page(request)
    form = RoleRequestForm(request.POST, by=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            role_grants.role_grant_request(
                by=request.user,
                user=data["user"],
                role=data["role"],
                wards=data["wards"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Request recorded; a second administrator must approve it.")
            )
            return redirect("role_requests")
    return _page(request, request_form=form, status=400)


@require_POST
def role_request_decide(request, pk):
    require(can_manage_accounts(request.user))
    grant = get_object_or_404(RoleGrantRequest, pk=pk)
    approve = request.POST.get("decision") == "approve"
    if request.POST.get("decision") not in ("approve", "refuse"):
        messages.error(request, _("Choose approve or refuse."))
        return redirect("role_requests")
    try:
        role_grants.role_grant_decide(by=request.user, grant_id=grant.pk, approve=approve)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("Role applied.") if approve else _("Request refused."))
    return redirect("role_requests")


@require_POST
def role_revoke(request):
    require(can_manage_accounts(request.user))
    form = RoleRevokeForm(request.POST, by=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            role_grants.role_revoke(
                by=request.user, user=data["user"], role=data["role"], reason=data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Role revoked."))
            return redirect("role_requests")
    return _page(request, revoke_form=form, status=400)


def password_reset_link(request, pk):
    """Issue a one-time link with which the user sets her own password."""
    require(can_manage_accounts(request.user))
    user = get_object_or_404(User, pk=pk)
    if user.pk == request.user.pk:
        raise PermissionDenied
    context = {"account": user}
    if request.method == "POST":
        try:
            link, emailed = role_grants.password_reset_link_issue(
                by=request.user, user=user, base_url=request.build_absolute_uri("/")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            context.update({"issued": True, "emailed": emailed, "link": "" if emailed else link})
    response = render(request, "core/password_reset_link.html", context)
    response["Cache-Control"] = "no-store"
    return response
