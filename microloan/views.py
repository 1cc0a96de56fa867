"""The kernel's own endpoints. The staff dashboard lives with the applications it lists."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe


@require_safe
def healthz(request):
    """Liveness for load balancers and the container healthcheck, and the bare baseline of
    the API benchmark (bench/api.sh): no authentication, no database, no template."""
    return JsonResponse({"status": "ok"})
