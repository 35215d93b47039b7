from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils import translation


class LoginRequiredEverywhereMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless the view is marked ``login_not_required``.

    The API is left to DRF, which authenticates tokens after middleware has run and
    answers 401/403 instead of redirecting a program to a login form.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserLanguageMiddleware:
    """A user's saved language wins over the browser's, on every computer she logs in to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
