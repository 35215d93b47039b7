from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .backends import SESSION_DENIED


class DirectoryAwareAuthenticationForm(AuthenticationForm):
    """The login form, saying plainly when the directory password was right but no group of
    the person maps to a role here (instead of "password did not match")."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_role": _(
            "Your directory account is valid, but none of your directory groups gives a role "
            "in the CAR-T programme. Ask the programme's administrator to map one of your "
            "groups to a role."
        ),
    }

    def get_invalid_login_error(self):
        denied = self.request.session.pop(SESSION_DENIED, None) if self.request else None
        if denied:
            return ValidationError(self.error_messages["no_role"], code="no_role")
        return super().get_invalid_login_error()
