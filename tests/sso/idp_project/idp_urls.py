from django.contrib.auth import authenticate, login
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import include, path
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def login_page(request):
    """The IdP's own password page (no CSRF: a test IdP driven by a script)."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if request.method == "POST":
        user = authenticate(
            request, username=request.POST.get("username"), password=request.POST.get("password")
        )
        if user is not None:
            login(request, user)
            return HttpResponseRedirect(next_url)
        return HttpResponse("wrong password", status=401)
    return HttpResponse(
        f'<form method="post"><input name="username"><input name="password" type="password">'
        f'<input type="hidden" name="next" value="{escape(next_url)}"></form>'
    )


urlpatterns = [
    path("login/", login_page),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
