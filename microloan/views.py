"""The kernel's own endpoints. The staff dashboard lives with the applications it lists."""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe


@require_safe
def healthz(request):
    """Liveness for load balancers and the container healthcheck, and the bare baseline of
    the API benchmark (bench/api.sh): no authentication, no database, no template."""
    return JsonResponse({"status": "ok"})


# Error pages (#14 point 7): the layout, the reader's language and a way back; the API keeps
# its JSON shape, so a client that mistypes a path reads ``{"detail": ...}``, not a page.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _error(request, status: int, title: str, text: str):
    if _is_api(request):
        return JsonResponse({"detail": title}, status=status)
    context = {"error_code": status, "error_title": title, "error_text": text}
    return render(request, "error.html", context, status=status)


def not_found(request, exception=None):
    return _error(
        request,
        404,
        _("Page not found"),
        _("There is no page at this address. It may have been moved, or the link may be mistyped."),
    )


def forbidden(request, exception=None):
    """The refusal's own reason (the permission table's, in the reader's language) when it has one."""
    reason = str(exception or "") or _("Your role may not open this page or do this. Ask your manager if you need it.")
    return _error(request, 403, _("Not allowed"), reason)


def server_error(request):
    """Rendered without the request's context processors, which may be what failed."""
    if _is_api(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return HttpResponseServerError(loader.get_template("500.html").render())
