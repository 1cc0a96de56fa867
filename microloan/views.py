from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from applications.selectors import application_list, borrower_list

from .web import staff_required


@staff_required
def dashboard(request):
    apps = application_list(user=request.user)
    by_status = dict(apps.order_by().values_list("status").annotate(n=Count("id")))
    return render(request, "dashboard.html", {
        "by_status": by_status,
        "borrower_count": borrower_list(user=request.user).count(),
        "recent": apps[:10],
    })


@require_safe
def healthz(request):
    """Liveness for load balancers and the container healthcheck, and the bare baseline of
    the API benchmark (bench/api.sh): no authentication, no database, no template."""
    return JsonResponse({"status": "ok"})
