from .business_date import business_date


def business(request):
    """The business date shown in every page header (the sandbox may have moved it)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from django.conf import settings

    return {
        "business_date": business_date(),
        "sandbox_enabled": bool(getattr(settings, "SANDBOX_ENABLED", settings.DEBUG)),
    }
