"""Error pages that tell staff what happened without showing internals."""

from django.shortcuts import render


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the failure may be the database the context processors read.
    from django.http import HttpResponseServerError
    from django.template import loader

    request_id = getattr(request, "request_id", "-")
    return HttpResponseServerError(
        loader.get_template("errors/500.html").render({"request_id": request_id})
    )
